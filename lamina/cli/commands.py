"""The `lamina` subcommands: train, eval, predict, models, summary, graph, datasets, doctor, bench."""

import argparse
import json
import math
import platform
import sys
from pathlib import Path

import numpy as np

import lamina


class CommandError(Exception):
    """A problem to report in one line (exit status 2), not a traceback."""


def fail(message: str) -> int:
    print(f"lamina: {message}", file=sys.stderr)
    return 2


def _read_config(path) -> dict:
    """A TOML file's keys, or CommandError naming the file and what is wrong with it."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise CommandError(f"train: config file {path} does not exist.") from None
    except IsADirectoryError:
        raise CommandError(f"train: config {path} is a folder, not a TOML file.") from None
    except tomllib.TOMLDecodeError as error:
        raise CommandError(f"train: config {path} is not valid TOML: {error}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"train: cannot read config {path}: {error}.") from None


def _apply_config(args, config: dict):
    """Config keys become the flags they name, each checked as its flag would be; unknown keys are errors."""
    from lamina.cli.main import train_option_types

    types = train_option_types()
    for key, value in config.items():
        name = key.replace("-", "_")
        if name not in types:
            raise CommandError(
                f"train: unknown config key {key!r} in {args.config}; known keys: {', '.join(sorted(types))}."
            )
        check = types[name]
        if check is not None:
            try:
                value = check(str(value)) if not isinstance(value, bool) else value
            except (ValueError, TypeError, argparse.ArgumentTypeError) as error:
                raise CommandError(f"train: config key {key!r} in {args.config}: {error}.") from None
        setattr(args, name, value)


# per-model defaults for the options a user leaves out (each model knows what trains it well)
TRAINING_DEFAULTS = {
    "*": {"epochs": 5, "batch_size": 64, "lr": 0.01, "optimizer": "sgd"},
    "lenet1": {"epochs": 15, "batch_size": 32, "lr": 0.05, "optimizer": "sgd"},
    "lenet5": {"epochs": 10, "batch_size": 32, "lr": 0.01, "optimizer": "sgd"},
    "gpt": {"epochs": 3, "batch_size": 16, "lr": 3e-3, "optimizer": "adamw"},
    "transformer": {"epochs": 5, "batch_size": 64, "lr": 2e-3, "optimizer": "adam"},
}


def train(args) -> int:
    from lamina import optim
    from lamina.errors import DataError
    from lamina.train import Trainer
    from lamina.train.tasks import DEFAULT_DATA, make_task

    if args.config:
        _apply_config(args, _read_config(args.config))
    if not args.model:
        return fail("train: name a model (see `lamina models`) or give --config with model = '...'.")
    for key, value in TRAINING_DEFAULTS.get(args.model, TRAINING_DEFAULTS["*"]).items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    data = args.data or DEFAULT_DATA.get(args.model, "digits")
    try:
        device = lamina.device(getattr(args, "device", "cpu"))
    except lamina.DeviceError as error:
        return fail(f"train: {str(error).removeprefix('lamina: ')}")
    processes = _join_mpi_launch()
    try:
        model, train_loader, val_loader, meta = make_task(args.model, data, args.batch_size, args.workers, args.seed)
    except (KeyError, ValueError) as error:
        return fail(f"train: {error.args[0]}")
    except DataError as error:
        return fail(f"train: {error}")
    optimizers = {
        "sgd": lambda p: optim.SGD(p, lr=args.lr, momentum=0.9, weight_decay=args.weight_decay),
        "adam": lambda p: optim.Adam(p, lr=args.lr, weight_decay=args.weight_decay),
        "adamw": lambda p: optim.AdamW(p, lr=args.lr, weight_decay=args.weight_decay or 0.01),
    }
    if processes > 1:  # lamina launch -n N train ...: one replica per process, gradients averaged
        model = lamina.nn.parallel.DistributedDataParallel(model)
    optimizer = optimizers[args.optimizer](model.parameters())
    schedulers = {
        "none": None,
        "cosine": lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=args.epochs),
        "step": lambda o: optim.lr_scheduler.StepLR(o, step_size=max(1, args.epochs // 3), gamma=0.1),
    }
    scheduler = schedulers[args.scheduler](optimizer) if schedulers[args.scheduler] else None
    metrics = ("perplexity",) if meta["model"] == "gpt" else ("accuracy", "top5")
    trainer = Trainer(
        model,
        optimizer,
        train_loader,
        val_loader=val_loader,
        epochs=args.epochs,
        scheduler=scheduler,
        metrics=metrics,
        out_dir=args.out,
        progress=not args.quiet,
        meta=meta,
        log="tensorboard" if args.tensorboard else None,
        device=device,
    )
    history = trainer.fit(resume=args.resume)
    if not trainer.writes:
        return 0  # rank 0 reports for the job
    for record in history[-1:]:
        shown = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in record.items()}
        print(json.dumps(shown))
    print(f"run folder: {args.out} (last.safetensors, best.safetensors, log.csv, *.png)")
    return 0


def _mpi_report() -> str:
    """The MPI library, and whether its mpiexec runs (a one-process job), for `lamina doctor`."""
    import subprocess

    from lamina.cli import launch

    try:
        from mpi4py import MPI

        library = MPI.Get_library_version().splitlines()[0].strip()
    except Exception as error:  # noqa: BLE001 - doctor reports whatever went wrong
        return f"the MPI library does not load ({error})"
    try:
        command = [*launch.mpiexec_prefix(1), sys.executable, "-c", "pass"]
        ok = subprocess.run(command, capture_output=True, timeout=60).returncode == 0
    except (launch.LaunchError, OSError, ValueError, subprocess.TimeoutExpired) as error:
        return f"{library}; mpiexec does not run ({error})"
    return f"{library}; mpiexec {'runs' if ok else 'fails'} ({launch.mpiexec_path()})"


def _join_mpi_launch() -> int:
    """The number of processes of this job: under an MPI launch (lamina launch, mpiexec) join its group."""
    import os

    launched = any(name in os.environ for name in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"))
    if not launched:
        return 1
    from lamina import distributed

    if not distributed.is_initialized():
        distributed.init_process_group()
    return distributed.get_world_size()


def _load_run(checkpoint):
    from lamina.errors import CheckpointError
    from lamina.train import load_checkpoint
    from lamina.train.tasks import build_model

    try:
        state = load_checkpoint(checkpoint)
    except CheckpointError as error:
        raise CommandError(str(error)) from None
    meta = state.get("meta") or {}
    if "model" not in meta:
        raise CommandError(f"{checkpoint}: no model description in this checkpoint; was it written by `lamina train`?")
    model = build_model(meta)
    model.load_state_dict(state["model"])
    return model.eval(), meta


def evaluate(args) -> int:
    from lamina.train import Trainer
    from lamina.train.tasks import make_task

    model, meta = _load_run(args.checkpoint)
    data = args.data or meta["data"]
    try:
        _, _, val_loader, _ = make_task(meta["model"], data, args.batch_size)
    except (KeyError, ValueError) as error:
        return fail(f"eval: {error.args[0]}")
    metrics = ("perplexity",) if meta["model"] == "gpt" else ("accuracy", "top5")
    trainer = Trainer(model, lamina.optim.SGD(model.parameters(), lr=0.0), val_loader, metrics=metrics, progress=False)
    print(json.dumps({k: round(v, 4) for k, v in trainer.evaluate(val_loader, prefix=f"{data}_").items()}))
    return 0


def export_onnx(args) -> int:
    """lamina export CHECKPOINT: the run's model as ONNX, traced on an input of the shape it was trained on."""
    from lamina.onnx import export

    model, meta = _load_run(args.checkpoint)
    names = None
    if meta["model"] == "gpt":
        shapes, dtype = [(args.batch_size, meta["context"])], lamina.int64
    elif meta["model"] == "transformer":  # the encoder-decoder itself: (source, decoder input), 8 tokens each
        model, names = model.model, ["source", "decoder_input"]
        shapes, dtype = [(args.batch_size, 8), (args.batch_size, 8)], lamina.int64
    else:
        shapes, dtype = [(args.batch_size, meta["channels"], meta["size"], meta["size"])], lamina.float32
    examples = tuple((lamina.arange(math.prod(shape)).reshape(shape) % 7).to(dtype) for shape in shapes)
    out = Path(args.out) if args.out else Path(args.checkpoint).parent / "model.onnx"
    proto = export(model, examples, out, input_names=names)
    print(
        f"wrote {out}: {meta['model']}, opset {proto.opset_import[0].version}, input(s) "
        f"{', '.join(str(shape) for shape in shapes)} {dtype.name}, {len(proto.graph.node)} nodes; checked against "
        f"lamina in {'onnxruntime' if _has_module('onnxruntime') else 'onnx.reference'}"
    )
    return 0


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _text_codec(meta):
    """(encode, decode, the characters it knows or None for any) of a gpt run: its token shards' tokenizer,
    or the characters of the shipped corpus."""
    if "tokenizer" in meta:
        from lamina.datasets.tokens import tokenizer_from

        coder = tokenizer_from(meta["tokenizer"])
        return (lambda text: coder.encode(text).tolist()), coder.decode, getattr(coder, "stoi", None)
    itos = meta["itos"]
    stoi = {c: i for i, c in enumerate(itos)}
    return (lambda text: [stoi[c] for c in text]), (lambda ids: "".join(itos[i] for i in ids)), stoi


def predict(args) -> int:
    from lamina.train.tasks import adapt_images

    model, meta = _load_run(args.checkpoint)
    for path in args.files:
        path = Path(path)
        if not path.exists():
            return fail(f"predict: {path} does not exist.")
        if meta["model"] == "gpt":
            text = path.read_text()
            encode, decode, known = _text_codec(meta)
            unknown = sorted({c for c in text if c not in known}) if known is not None else []
            if unknown:
                return fail(f"predict: {path} has characters the model never saw: {unknown[:10]}.")
            prompt = lamina.tensor([encode(text)[-meta["context"] :]])
            out = model.generate(prompt, args.length, temperature=0.8)
            print(text + decode(out[0].tolist()[prompt.shape[1] :]))
            continue
        from lamina.datasets.folder import pil_loader

        image = np.asarray(pil_loader(path).convert("L" if meta["channels"] == 1 else "RGB"), dtype=np.float32) / 255
        image = image[None] if image.ndim == 2 else image.transpose(2, 0, 1)  # (C, H, W) in [0, 1], as in training
        batch = adapt_images(image[None], meta["channels"], meta["size"])
        with lamina.no_grad():
            probabilities = model(lamina.tensor(batch)).softmax(-1).numpy()[0]
        best = int(probabilities.argmax())
        print(f"{path}: class {best} ({probabilities[best]:.1%})")
    return 0


def list_models(args) -> int:
    from lamina.models import ZOO

    print(f"{'model':12} {'year':5} {'parameters':>14}  paper")
    for entry in ZOO.values():
        count = sum(p.numel() for p in entry.build().parameters())
        print(f"{entry.name:12} {entry.year:<5} {count:>14,}  {entry.paper}")
    return 0


def _input_shape(name):
    from lamina.train.tasks import MODELS

    kind, channels, size = MODELS[name]
    if kind != "images":
        return None
    return (1, channels or 1, size or 32, size or 32)


def summary(args) -> int:
    from lamina.train.tasks import MODELS, closest

    if args.model not in MODELS:
        return fail(f"summary: unknown model {args.model!r}.{closest(args.model, MODELS)}")
    shape = _input_shape(args.model)
    if shape is None:
        return fail(f"summary: {args.model} takes token sequences; `lamina summary` covers the image models.")
    from lamina.train.tasks import build_model

    meta = {"model": args.model, "channels": shape[1], "size": shape[2], "classes": 10}
    lamina.summary(build_model(meta), shape)
    return 0


def graph(args) -> int:
    from lamina.nn import functional as F
    from lamina.train.tasks import MODELS, build_model, closest

    if args.model not in MODELS or _input_shape(args.model) is None:
        return fail(f"graph: unknown or non-image model {args.model!r}.{closest(args.model, MODELS)}")
    shape = _input_shape(args.model)
    model = build_model({"model": args.model, "channels": shape[1], "size": shape[2], "classes": 10})
    loss = F.cross_entropy(model(lamina.randn(*shape)), lamina.tensor([0]))
    if args.out and not args.out.endswith(".dot"):
        path = lamina.viz.render(loss, args.out)
        print(f"wrote {path}")
    else:
        text = lamina.viz.graph(loss)
        if args.out:
            Path(args.out).write_text(text)
            print(f"wrote {args.out}")
        else:
            print(text)
    return 0


def datasets(args) -> int:
    from lamina.datasets.download import cache_dir
    from lamina.errors import DataError
    from lamina.train.tasks import DATASETS, closest, image_arrays

    if args.action == "list":
        from lamina.train.tasks import availability

        print(f"{'name':14} {'kind':10} {'on this machine':16} {'how':15} {'size':>9}  description")
        for spec in DATASETS.values():
            size = f"{spec.size_mb:.1f} MB" if spec.size_mb else "-"
            status = availability(spec)
            print(f"{spec.name:14} {spec.kind:10} {status:16} {spec.source:15} {size:>9}  {spec.description}")
        print(f"cache folder: {cache_dir()} (set LAMINA_DATA to move it); `lamina datasets get NAME` downloads")
        return 0
    if args.action == "tokenize":
        from lamina.datasets.tokens import write_token_shards

        index = write_token_shards(args.name, args.out, args.tokenizer, args.field, args.shard_tokens)
        print(
            f"{index['total_tokens']:,} tokens in {len(index['shards'])} shard(s) of {index['dtype']} in {args.out} "
            f"({args.tokenizer}, vocabulary {index['tokenizer']['vocab_size']})"
        )
        return 0
    name = args.name[0]
    if name not in DATASETS:
        return fail(f"datasets get: unknown dataset {name!r}.{closest(name, DATASETS)}")
    spec = DATASETS[name]
    if spec.kind != "images" or spec.name == "digits":
        print(f"{spec.name}: nothing to download ({spec.description}).")
        return 0
    try:
        for train in (True, False):
            images, _ = image_arrays(spec, train, download=True)
            print(f"{spec.name} {'train' if train else 'test'}: {len(images)} images ready in {cache_dir()}")
    except DataError as error:
        return fail(str(error))
    return 0


def doctor(args) -> int:
    import os
    import tempfile

    if getattr(args, "torch_coverage", False):
        from lamina.cli import coverage

        try:
            print(coverage.report())
        except ImportError:
            raise CommandError("doctor --torch-coverage: torch is not installed (pip install -e '.[test]').") from None
        return 0

    from lamina.datasets.download import cache_dir

    print(f"lamina {lamina.__version__}, Python {platform.python_version()} on {platform.platform()}")
    for module in ("numpy", "scipy", "numba", "safetensors", "matplotlib", "tqdm", "PIL", "torch"):
        try:
            imported = __import__(module)
            print(f"  {module:12} {getattr(imported, '__version__', '?')}")
        except ImportError:
            print(f"  {module:12} not installed")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            print(
                f"  BLAS/threads: {pool.get('internal_api')} {pool.get('version')} ({pool.get('architecture')}), "
                f"{pool.get('num_threads')} threads"
            )
    except ImportError:
        print("  BLAS/threads: install threadpoolctl to see which BLAS NumPy uses")
    print(f"  CPU cores: {os.cpu_count()}")
    print(f"  kernels: {lamina.backend.kernels.describe()} (LAMINA_KERNELS=numpy selects the NumPy reference)")
    print(f"  native layer: {lamina.native.describe()}")
    why = lamina.backend.cuda_unavailable_reason()
    if why is None:
        gpu = lamina.device("cuda").backend.describe()
        print(
            f"  GPU: {gpu['gpu']}, {gpu['memory_gib']} GiB ({gpu['free_gib']} free), {gpu['devices']} visible; "
            f"CuPy {gpu['cupy']}, CUDA runtime {gpu['cuda_runtime']} (device='cuda')"
        )
    else:
        print(f"  GPU: none ({why}); lamina runs on the CPU")
    try:
        import mpi4py

        print(f"  MPI: mpi4py {mpi4py.__version__}; {_mpi_report()}")
    except ImportError:
        print("  MPI: mpi4py not installed")
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
        print(f"  data cache: {folder} (writable)")
    except OSError as error:
        print(f"  data cache: {folder} is NOT writable ({error}); set LAMINA_DATA to a writable folder")
    return 0


def docs(args) -> int:
    """lamina docs: the MkDocs site of a source checkout, served on localhost or built (--build)."""
    import subprocess

    root = Path(lamina.__file__).resolve().parent.parent
    if not (root / "mkdocs.yml").exists():
        return fail("docs: the documentation lives in the source repository (mkdocs.yml, docs/); run it from a clone.")
    if not (_has_module("mkdocs") and _has_module("mkdocstrings")):
        return fail("docs: needs MkDocs and mkdocstrings; install them with pip install -e '.[docs]'.")
    config = ["-f", str(root / "mkdocs.yml")]
    if args.build:
        command = ["build", "--strict", *config, "--site-dir", str(Path(args.out).resolve())]
    else:
        command = ["serve", *config, "--dev-addr", f"127.0.0.1:{args.port}"]
    return subprocess.call([sys.executable, "-m", "mkdocs", *command])


def bench(args) -> int:
    import subprocess

    script = Path(lamina.__file__).resolve().parent.parent / "benchmarks" / "run.py"
    if not script.exists():
        return fail("bench: the benchmarks live in the source repository (benchmarks/run.py); run this from a clone.")
    return subprocess.call([sys.executable, str(script), *args.workloads])
