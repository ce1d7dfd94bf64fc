"""lamina.onnx.export: the zoo's models and each translated op, run in onnxruntime against lamina.

Every file is checked with onnx.checker (full_check: types and shapes inferred) and run on inputs other
than the example it was traced on, so a frozen constant shows as a difference.
"""

import io

import numpy as np
import pytest

import lamina
import lamina.nn.functional as F
from lamina import nn
from lamina.autograd.function import Function
from lamina.models import GPTConfig, alexnet, googlenet, gpt, lenet1, lenet5, resnet18, resnet20
from lamina.onnx import OnnxExportError, export
from lamina.onnx.symbolic import SYMBOLIC

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _session(proto):
    return ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def _exported(model, example, **options):
    buffer = io.BytesIO()
    proto = export(model, example, buffer, **options)
    onnx.checker.check_model(onnx.load_from_string(buffer.getvalue()), full_check=True)
    return proto


def _assert_runs_like_lamina(model, example, fresh_inputs, atol=1e-4):
    was_training = model.training
    proto = _exported(model, example)
    assert model.training == was_training  # export traces in eval mode and puts the mode back
    session = _session(proto)
    name = session.get_inputs()[0].name
    model.eval()
    for x in fresh_inputs:
        with lamina.no_grad():
            want = model(x).numpy()
        (have,) = session.run(None, {name: x.numpy()})
        assert have.shape == want.shape
        assert np.abs(have - want).max() <= atol * max(1.0, np.abs(want).max())


def _images(shape, count=2, seed=1):
    generator = lamina.Generator().manual_seed(seed)
    return [lamina.randn(*shape, generator=generator) for _ in range(count)]


ZOO_CASES = {
    "mlp": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10)), (3, 1, 8, 8)),
    "lenet1": (lenet1, (2, 1, 28, 28)),
    "lenet5": (lenet5, (2, 1, 28, 28)),
    "alexnet": (lambda: alexnet(num_classes=10), (1, 3, 224, 224)),
    "resnet18": (lambda: resnet18(num_classes=10), (2, 3, 64, 64)),
    "resnet20": (resnet20, (2, 3, 32, 32)),
    "googlenet": (lambda: googlenet(num_classes=10), (1, 3, 96, 96)),
}


@pytest.mark.parametrize("name", list(ZOO_CASES))
def test_zoo_model_runs_in_onnxruntime_as_in_lamina(name):
    build, shape = ZOO_CASES[name]
    lamina.manual_seed(0)
    model = build()
    model.train()
    _assert_runs_like_lamina(model, lamina.randn(*shape), _images(shape))


def test_batchnorm_running_statistics_are_what_the_file_uses():
    lamina.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
    for _ in range(3):  # move the running statistics away from 0 and 1
        model(lamina.randn(4, 3, 8, 8) * 3 + 1)
    _assert_runs_like_lamina(model, lamina.randn(2, 3, 8, 8), _images((2, 3, 8, 8)))


def test_transformer_encoder_and_gpt():
    lamina.manual_seed(0)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2)
    _assert_runs_like_lamina(encoder, lamina.randn(2, 5, 16), _images((2, 5, 16)))

    model = gpt(GPTConfig(vocab_size=50, context=16, n_layer=2, n_head=2, d_model=16))
    session = _session(_exported(model, lamina.randint(0, 50, (2, 16))))
    for seed in (1, 2):
        tokens = lamina.randint(0, 50, (2, 16), generator=lamina.Generator().manual_seed(seed))
        with lamina.no_grad():
            want = model(tokens).numpy()
        (have,) = session.run(None, {"input": tokens.numpy()})
        assert np.abs(have - want).max() <= 1e-4


class _Everything(nn.Module):
    """One forward that meets each translated primitive at least once."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(6, 6)
        self.norm = nn.LayerNorm(6)
        self.scale = nn.Parameter(lamina.tensor([2.0, 0.5, 1.0, 3.0, 1.5, 0.25]))

    def forward(self, x):  # x: (2, 3, 6)
        y = self.norm(self.linear(x)) * self.scale
        y = y + x.exp().log1p() - x.sin().cos() * x.tanh() / (x.abs() + 1).sqrt()
        y = y + x.sigmoid() + F.gelu(x, approximate="tanh") + F.gelu(x) + x.clamp(-0.5, 0.5) + x.pow(2) ** 0.5
        y = y + lamina.maximum(x, y) - lamina.minimum(x, y.neg()) + lamina.where(x > 0, x, y) + x.expm1()
        y = y + x.flip(-1) + x.roll(1, -1) if False else y + x.flip(-1)
        y = y + x.permute(0, 2, 1).reshape(2, 3, 6) + x[:, ::-1] + x[..., 1:4].repeat(1, 1, 2)
        y = y + lamina.cat([x[:, :, :3], x[:, :, 3:]], dim=2) + F.pad(x[:, :, 1:], (1, 0), value=0.5)
        y = y + x.softmax(-1) + x.log_softmax(-1) + x.sum(-1, keepdim=True) + x.mean(1, keepdim=True)
        y = (
            y
            + x.amax(-1, keepdim=True)
            - x.amin(0)
            + x.cumsum(-1)
            + x.norm(dim=-1, keepdim=True)
            + x.prod(-1, keepdim=True)
        )
        y = y + lamina.einsum("bij,bkj->bik", x, x) @ x + x.unsqueeze(1).expand(2, 2, 3, 6).sum(1)
        y = y + x.gather(2, lamina.zeros(2, 3, 6, dtype=lamina.int64)) + (x.masked_fill(x < -1, 0.0))
        y = y + F.scaled_dot_product_attention(x, x, x, is_causal=True) + lamina.remainder(x, 0.7)
        z = y.clone()
        z[:, 0] = 1.0  # in-place assignment: exported as ScatterND
        z += 1
        z = F.relu(z, inplace=False).to(lamina.float64).to(lamina.float32)
        return z + (x > 0).logical_not().float() + ((x > 0) & (x < 1)).float() + (x != 0).float()


def test_every_translated_primitive_exists_and_the_tour_runs_alike():
    primitives = set()
    stack = [Function]
    while stack:
        cls = stack.pop()
        primitives.add(cls.__name__)
        stack.extend(cls.__subclasses__())
    for op in SYMBOLIC:
        assert op.startswith("compare:") or op in primitives, f"SYMBOLIC names {op}, which is no lamina primitive"
    lamina.manual_seed(0)
    _assert_runs_like_lamina(_Everything(), lamina.randn(2, 3, 6), _images((2, 3, 6), count=3))


def test_embedding_and_masks_from_the_input_follow_the_input():
    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(10, 4)

        def forward(self, tokens):
            values = self.embedding(tokens)
            return values.masked_fill((tokens == 0).unsqueeze(-1), -1.0)

    model = Masked()
    session = _session(_exported(model, lamina.tensor([[1, 2, 0], [3, 0, 4]])))
    tokens = lamina.tensor([[0, 0, 5], [9, 8, 0]])
    (have,) = session.run(None, {"input": tokens.numpy()})
    with lamina.no_grad():
        np.testing.assert_allclose(have, model(tokens).numpy(), atol=1e-6)


def test_frozen_parameters_and_in_place_relu_are_traced():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(inplace=True), nn.Linear(4, 2))
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    _assert_runs_like_lamina(model, lamina.randn(3, 4), _images((3, 4)))
    assert not any(p.requires_grad for p in model.parameters())


def test_control_flow_on_values_is_refused_not_frozen():
    class ReadsANumber(nn.Module):
        def forward(self, x):
            return x * x.sum().item()  # a Python number: the trace sees a constant

    example = lamina.ones(2, 3)
    with pytest.raises(OnnxExportError, match="second random input.*control flow"):
        export(ReadsANumber(), example, io.BytesIO())
    export(ReadsANumber(), example, io.BytesIO(), verify=False)  # asked for: written as traced


def test_an_op_without_translation_names_the_op_and_the_layer():
    class Rolls(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(3, 3)

        def forward(self, x):
            return self.inner(x).roll(1, 0)

    with pytest.raises(OnnxExportError, match=r"Roll \(in the model \(Rolls\).*no ONNX translation"):
        export(Rolls(), lamina.randn(2, 3), io.BytesIO())


def test_unused_untranslatable_ops_do_not_block_export():
    class SideWork(nn.Module):
        def forward(self, x):
            x.roll(1, 0)  # computed and thrown away
            return x + 1

    export(SideWork(), lamina.randn(2, 3), io.BytesIO())


def test_bad_arguments_are_clear_errors(tmp_path):
    model = nn.Linear(3, 2)
    with pytest.raises(OnnxExportError, match="argument 0 is a list"):
        export(model, [[1.0, 2.0, 3.0]], tmp_path / "m.onnx")
    with pytest.raises(OnnxExportError, match="opset 17"):
        export(model, lamina.randn(1, 3), tmp_path / "m.onnx", opset_version=11)
    with pytest.raises(OnnxExportError, match="dynamic_axes"):
        export(model, lamina.randn(1, 3), tmp_path / "m.onnx", dynamic_axes={"input": {0: "batch"}})
    with pytest.raises(OnnxExportError, match="input_names must name each"):
        export(model, lamina.randn(1, 3), tmp_path / "m.onnx", input_names=["a", "b"])
    assert not (tmp_path / "m.onnx").exists()


def test_file_names_and_multiple_outputs(tmp_path):
    class Two(nn.Module):
        def forward(self, x, y):
            return x + y, x * y

    path = tmp_path / "two.onnx"
    export(Two(), (lamina.ones(2), lamina.ones(2)), path, input_names=["a", "b"], output_names=["sum", "product"])
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["a", "b"]
    total, product = session.run(
        ["sum", "product"], {"a": np.array([1, 2], np.float32), "b": np.array([3, 4], np.float32)}
    )
    assert total.tolist() == [4, 6] and product.tolist() == [3, 8]
    assert not list(tmp_path.glob(".*tmp"))  # written atomically: no temporary left behind


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.LSTM(3, 4, batch_first=True),
        lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True),
        lambda: nn.GRU(3, 4, batch_first=True),
        lambda: nn.GRU(3, 4, bias=False, bidirectional=True),
    ],
    ids=["lstm", "lstm-2-layers-bidirectional", "gru", "gru-nobias-bidirectional"],
)
def test_recurrent_layers_export_unrolled_with_their_states_as_outputs(make):
    lamina.manual_seed(0)
    layer = make()
    session = _session(_exported(layer, lamina.randn(2, 5, 3)))
    x = lamina.randn(2, 5, 3, generator=lamina.Generator().manual_seed(3))
    with lamina.no_grad():
        output, state = layer(x)
    wanted = (output, *state) if isinstance(state, tuple) else (output, state)
    got = session.run(None, {"input": x.numpy()})
    assert len(got) == len(wanted)  # (output, (h, c)) flattened, as torch's exporter does
    for want, have in zip(wanted, got):
        assert np.abs(want.numpy() - have).max() < 1e-5


def test_float64_models_are_checked_where_onnxruntime_lacks_the_kernel():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()).double()  # onnxruntime's CPU has no float64 Conv
    proto = _exported(model, lamina.randn(1, 1, 5, 5, dtype=lamina.float64))  # verified by onnx.reference
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
