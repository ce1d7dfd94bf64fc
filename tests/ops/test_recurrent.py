"""The fused LSTM and GRU layers (ops/recurrent.py): gradchecked in float64 (second derivatives too), compared with
torch's nn.LSTM through functional_call, on every device, and equal to the step-by-step Tensor-op LSTM."""

import numpy as np
import pytest
from helpers import check_op

import lamina
from lamina.ops.recurrent import LSTMSequence

NAMES = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]


def _lstm(lib, reverse=False):
    def run(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        names = NAMES + [n + "_reverse" for n in NAMES] if reverse else NAMES
        weights = [w_ih, w_hh, b_ih, b_hh] * (2 if reverse else 1)
        layer = lib.nn.LSTM(x.shape[-1], h0.shape[-1], bidirectional=reverse).double()
        state = (h0.repeat(2, 1, 1), c0.repeat(2, 1, 1)) if reverse else (h0, c0)
        out, (h_n, c_n) = lib.func.functional_call(layer, dict(zip(names, weights)), (x, state))
        return out, h_n, c_n

    return run


SHAPES = [(5, 3, 2), (1, 3, 4), (1, 3, 4), (16, 2), (16, 4), (16,), (16,)]  # L=5, N=3, H_in=2, H=4


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "bidirectional"])
def test_lstm_layer_gradchecks_and_matches_torch(reverse):
    check_op(lambda lib, *xs: _lstm(lib, reverse)(*xs), SHAPES, gradgrad=not reverse)


def test_lstm_layer_equals_the_step_by_step_lstm_cell():
    """The primitive against LSTMCell (Tensor ops, step by step): values and every gradient to 1e-12."""
    rng = np.random.default_rng(3)
    x = lamina.tensor(rng.standard_normal((6, 2, 3)), requires_grad=True)
    layer = lamina.nn.LSTM(3, 5).double()
    cell = lamina.nn.LSTMCell(3, 5).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    out, (h_n, c_n) = layer(x)
    (out.sum() + (c_n * 2).sum()).backward()
    h, c = lamina.zeros(2, 5, dtype=lamina.float64), lamina.zeros(2, 5, dtype=lamina.float64)
    x2 = lamina.tensor(x.detach().numpy(), requires_grad=True)
    steps = []
    for t in range(6):
        h, c = cell(x2[t], (h, c))
        steps.append(h)
    (lamina.stack(steps).sum() + (c * 2).sum()).backward()
    np.testing.assert_allclose(out.detach().numpy(), lamina.stack(steps).detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), atol=1e-12)
    for name, param in layer.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), getattr(cell, name[:-3]).grad.numpy(), atol=1e-12)


def test_the_primitive_serves_plain_lstm_layers_and_packed_ones_take_the_step_loop():
    layer = lamina.nn.LSTM(3, 4, num_layers=2)
    out, _ = layer(lamina.randn(5, 2, 3))
    assert [type(n).__name__ for n in _walk(out)].count("LSTMSequence") == 2  # one per layer
    packed = lamina.nn.utils.rnn.pack_sequence([lamina.randn(4, 3), lamina.randn(2, 3)])
    packed_out, _ = layer(packed)
    assert "LSTMSequence" not in {type(n).__name__ for n in _walk(packed_out.data)}


def _walk(tensor):
    nodes, seen, found = [tensor.grad_fn], set(), []
    while nodes:
        node = nodes.pop()
        if node is None or isinstance(node, lamina.Tensor) or id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        nodes.extend(node.next_nodes)
    return found


def test_the_output_holds_h_and_c_side_by_side():
    rng = np.random.default_rng(0)
    x_proj = lamina.tensor(rng.standard_normal((3, 2, 8)))
    h0, c0 = lamina.zeros(2, 2, dtype=lamina.float64), lamina.zeros(2, 2, dtype=lamina.float64)
    w_hh = lamina.tensor(rng.standard_normal((8, 2)))
    out = LSTMSequence.apply(x_proj, h0, c0, w_hh).numpy()
    assert out.shape == (3, 2, 4)
    gates = x_proj.numpy()[0]  # h0 = c0 = 0: the first step's gates are the projection alone
    sigmoid = 1 / (1 + np.exp(-gates))
    c1 = sigmoid[:, :2] * np.tanh(gates[:, 4:6])
    np.testing.assert_allclose(out[0, :, 2:], c1, rtol=1e-12)
    np.testing.assert_allclose(out[0, :, :2], sigmoid[:, 6:] * np.tanh(c1), rtol=1e-12)


def _gru(lib, reverse=False, bias=True):
    def run(x, h0, w_ih, w_hh, *biases):
        names = NAMES if bias else NAMES[:2]
        names = names + [n + "_reverse" for n in names] if reverse else names
        weights = [w_ih, w_hh, *biases] * (2 if reverse else 1)
        layer = lib.nn.GRU(x.shape[-1], h0.shape[-1], bidirectional=reverse, bias=bias).double()
        state = h0.repeat(2, 1, 1) if reverse else h0
        out, h_n = lib.func.functional_call(layer, dict(zip(names, weights)), (x, state))
        return out, h_n

    return run


GRU_SHAPES = [(5, 3, 2), (1, 3, 4), (12, 2), (12, 4), (12,), (12,)]


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "bidirectional"])
def test_gru_layer_gradchecks_and_matches_torch(reverse):
    check_op(lambda lib, *xs: _gru(lib, reverse)(*xs), GRU_SHAPES, gradgrad=not reverse)


def test_gru_layer_without_bias_matches_torch():
    check_op(lambda lib, *xs: _gru(lib, bias=False)(*xs), GRU_SHAPES[:4])


def test_gru_layer_equals_the_step_by_step_gru_cell():
    rng = np.random.default_rng(4)
    x = lamina.tensor(rng.standard_normal((6, 2, 3)), requires_grad=True)
    layer, cell = lamina.nn.GRU(3, 5).double(), lamina.nn.GRUCell(3, 5).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    out, h_n = layer(x)
    (out.sum() + (h_n * 3).sum()).backward()
    x2 = lamina.tensor(x.detach().numpy(), requires_grad=True)
    h, steps = lamina.zeros(2, 5, dtype=lamina.float64), []
    for t in range(6):
        h = cell(x2[t], h)
        steps.append(h)
    (lamina.stack(steps).sum() + (h * 3).sum()).backward()
    np.testing.assert_allclose(out.detach().numpy(), lamina.stack(steps).detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), atol=1e-12)
    for name, param in layer.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), getattr(cell, name[:-3]).grad.numpy(), atol=1e-12)
    assert "GRUSequence" in {type(n).__name__ for n in _walk(out)}


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_recurrent_layers_under_autocast_and_with_a_mismatched_state(kind):
    """Autocast lowers the hidden product as it lowers the input's (float16 out, float32 gradients); a hidden
    state of another dtype than the input is refused by name, as in torch."""
    layer = getattr(lamina.nn, kind)(4, 3, bidirectional=True)
    x = lamina.randn(5, 2, 4)
    with lamina.autocast("cpu", dtype=lamina.float16):
        out, _ = layer(x)
    assert out.dtype is lamina.float16
    out.float().sum().backward()
    assert layer.weight_hh_l0.grad.dtype is lamina.float32 and layer.weight_hh_l0_reverse.grad is not None
    state = lamina.zeros(2, 2, 3, dtype=lamina.float64)
    with pytest.raises(lamina.errors.DTypeError, match=f"{kind}: the hidden state's dtype float64 does not match"):
        layer(x, (state, state) if kind == "LSTM" else state)
