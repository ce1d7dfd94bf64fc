"""Entry point of the `lamina` console script."""

import argparse
import sys

import lamina


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lamina", description="lamina: deep learning, readable and runnable.")
    parser.add_argument("--version", action="version", version=f"lamina {lamina.__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback instead of a one-line error")
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="train a tiny network with autograd and print the loss falling")
    demo.add_argument("--steps", type=_positive_int, default=1000, help="gradient-descent steps (default 1000)")
    demo.add_argument("--lr", type=_positive_float, default=0.1, help="learning rate (default 0.1)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    history = commands.add_parser("history", help="run the history of neural networks and report the results")
    history.add_argument(
        "action",
        nargs="?",
        choices=["all", "list", "run"],
        default="all",
        help="all (default): every milestone in quick mode; list; run NAME",
    )
    history.add_argument("names", nargs="*", help="milestones for 'run'")
    history.add_argument("--full", action="store_true", help="the full (slower) version of each experiment")
    history.add_argument("--out", default="history-report", help="report folder (default ./history-report)")
    history.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    history.add_argument(
        "--html", action="store_true", help="print the address of OUT/report.html (always written) to open it"
    )
    history.add_argument("--strict", action="store_true", help="exit with status 1 if any result does not reproduce")
    history.add_argument(
        "--device", default="cpu", help="cpu (default) or cuda, for the milestones written for any device (alexnet)"
    )

    train = commands.add_parser("train", help="train a zoo model on a dataset (run folder: checkpoints, logs, plots)")
    train.add_argument("model", nargs="?", help="a model name (see `lamina models`)")
    train.add_argument("--data", help="dataset name (default per model: digits, sonnets, reverse)")
    train.add_argument("--config", help="a TOML file whose keys are these options")
    train.add_argument("--epochs", type=_positive_int, help="default per model (lenet5: 10)")
    train.add_argument("--batch-size", type=_positive_int, help="default per model (32 or 64)")
    train.add_argument("--lr", type=_positive_float, help="default per model (0.01 SGD, 3e-3 AdamW for gpt)")
    train.add_argument("--optimizer", choices=["sgd", "adam", "adamw"], help="default per model")
    train.add_argument("--scheduler", choices=["none", "cosine", "step"], default="none")
    train.add_argument("--weight-decay", type=float, default=0.0)
    train.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="cpu (default) or cuda (a GPU, CuPy)")
    train.add_argument("--workers", type=int, default=0)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default="runs/latest", help="run folder (default runs/latest)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/last.safetensors")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    train.add_argument(
        "--tensorboard", action="store_true", help="also write TensorBoard event files (OUT/tensorboard)"
    )

    parser.train_parser = train  # for train_option_types: what a --config file may set

    evaluate = commands.add_parser("eval", help="evaluate a checkpoint on a dataset")
    evaluate.add_argument("checkpoint")
    evaluate.add_argument("--data")
    evaluate.add_argument("--batch-size", type=_positive_int, default=256)

    predict = commands.add_parser("predict", help="predict the class of images (or continue a text, for gpt)")
    predict.add_argument("checkpoint")
    predict.add_argument("files", nargs="+")
    predict.add_argument("--length", type=_positive_int, default=200, help="characters to generate (gpt)")

    export = commands.add_parser("export", help="write a trained checkpoint as an ONNX file (needs lamina[onnx])")
    export.add_argument("checkpoint")
    export.add_argument("--out", help="the .onnx file to write (default: beside the checkpoint, model.onnx)")
    export.add_argument("--batch-size", type=_positive_int, default=1, help="the batch size the graph is fixed to")

    commands.add_parser("models", help="the zoo: year, paper, parameters")
    summary = commands.add_parser("summary", help="layers, output shapes, parameters and FLOPs of a model")
    summary.add_argument("model")
    graph = commands.add_parser("graph", help="the forward+backward graph of one step, as DOT (or SVG/PNG with --out)")
    graph.add_argument("model")
    graph.add_argument("--out", help="file to write: .dot, or .svg/.png (needs Graphviz)")
    datasets = commands.add_parser(
        "datasets", help="list the datasets, download one, or tokenize text/JSONL files into token shards"
    )
    datasets.add_argument("action", choices=["list", "get", "tokenize"])
    datasets.add_argument("name", nargs="*", help="get: a dataset's name; tokenize: the text or JSONL files")
    datasets.add_argument("--out", help="tokenize: the folder for the shards and index.json")
    datasets.add_argument("--tokenizer", choices=["bytes", "chars"], default="bytes", help="tokenize: ids of")
    datasets.add_argument("--field", default="text", help="tokenize: the JSONL field holding the text")
    datasets.add_argument("--shard-tokens", type=_positive_int, default=1 << 26, help="tokenize: ids per shard")
    launch = commands.add_parser("launch", help="run a script or a lamina command in N processes over MPI")
    launch.add_argument("-n", "--nproc", type=_positive_int, required=True, help="number of processes (ranks)")
    launch.add_argument("--hosts", help="comma-separated hosts (mpiexec's --host / -hosts)")
    launch.add_argument("launched", nargs=argparse.REMAINDER, help="script.py [args] or a lamina command")
    run = commands.add_parser("run", help="run an unchanged PyTorch script on lamina (torch resolves to lamina)")
    run.add_argument("script", help="the Python script")
    run.add_argument("arguments", nargs=argparse.REMAINDER, help="the script's own arguments")
    docs = commands.add_parser("docs", help="serve the documentation site locally (from a source checkout)")
    docs.add_argument("--build", action="store_true", help="write the site to --out instead of serving it")
    docs.add_argument("--out", default="site", help="where --build writes the site (default ./site)")
    docs.add_argument("--port", type=_positive_int, default=8000, help="the port to serve on (default 8000)")
    doctor = commands.add_parser("doctor", help="versions, BLAS and threads, GPU, MPI, data cache")
    doctor.add_argument("--torch-coverage", action="store_true", help="which of torch's public names lamina has")
    bench = commands.add_parser("bench", help="run the benchmarks against PyTorch (from a source checkout)")
    bench.add_argument("workloads", nargs="*", help="only these workloads (speed and memory), e.g. lenet resnet20")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def train_option_types() -> dict:
    """`lamina train`'s options (what a --config file may set) and the check each value goes through."""
    train = build_parser().train_parser
    types = {}
    for action in train._actions:
        if action.dest in ("help", "config"):
            continue
        check = action.type
        if action.choices is not None:
            choices = list(action.choices)

            def check(text, choices=choices, name=action.dest):
                if text not in choices:
                    raise ValueError(f"{name} must be one of {choices}, got {text}")
                return text

        types[action.dest] = check
    return types


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from lamina.cli import demo

        demo.run(steps=args.steps, lr=args.lr, seed=args.seed)
        return 0
    if args.command == "history":
        from lamina.cli.history import history_command

        return history_command(args, parser)
    if args.command == "launch":
        from lamina.cli import launch as launcher

        try:
            return launcher.launch(args.nproc, args.launched, args.hosts)
        except launcher.LaunchError as error:
            print(f"lamina: {error}", file=sys.stderr)
            return 2
    if args.command == "run":
        from lamina.cli import torch_shim

        return torch_shim.run(args.script, args.arguments)
    if args.command is not None:
        from lamina.cli import commands

        names = {
            "train": commands.train,
            "eval": commands.evaluate,
            "predict": commands.predict,
            "export": commands.export_onnx,
            "models": commands.list_models,
            "summary": commands.summary,
            "graph": commands.graph,
            "datasets": commands.datasets,
            "doctor": commands.doctor,
            "bench": commands.bench,
            "docs": commands.docs,
        }
        if args.command == "datasets" and args.action == "get" and len(args.name) != 1:
            parser.error("datasets get: name one dataset (see `lamina datasets list`)")
        if args.command == "datasets" and args.action == "tokenize" and (not args.name or not args.out):
            parser.error("datasets tokenize: name the text/JSONL files and --out FOLDER")
        try:
            return names[args.command](args)
        except commands.CommandError as error:
            return commands.fail(str(error))
        except (lamina.LaminaError, OSError, ValueError, KeyError) as error:
            # the CLI's contract: one line naming the problem, exit status 2 (--debug shows the traceback)
            if args.debug:
                raise
            return commands.fail(f"{args.command}: {_one_line(error)}")
    parser.print_help()
    return 0


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"{text} ({type(error).__name__}; run with --debug for the traceback)"


if __name__ == "__main__":
    sys.exit(main())
