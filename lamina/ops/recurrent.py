"""LSTMSequence and GRUSequence: every timestep of one LSTM or GRU layer as one primitive.

Built from Tensor ops, a step of an LSTM is about fifteen primitives forward and thirty backward, each
paying lamina's per-op cost on small (batch, hidden) arrays: on a word-language-model LSTM that cost, not
the arithmetic, set the speed (benchmarks/README.md). This primitive runs the time loop on arrays: one
matrix product and a few array passes per step forward, the same backward (backpropagation through time,
last step first), and the weight gradient as one product over all steps.

The input arrives projected, x W_ih^T + b_ih (+ b_hh for the LSTM) for every step: one product before the
loop, in the layer. LSTMSequence takes that projection (L, N, 4H), h0 and c0 (N, H) and W_hh (4H, H); its
output (L, N, 2H) holds h_t and c_t side by side for every step, and the layer slices h, h_n and c_n from it.
GRUSequence takes the projection (L, N, 3H), h0, W_hh (3H, H) and b_hh (3H,) (the reset gate multiplies the
hidden part with its bias, so b_hh cannot join the projection) and gives every h_t (L, N, H).

The backward formulas are written once (`_backward`) over a small table of operations, run on arrays for
a plain backward and on Tensors under create_graph, where they are themselves differentiated (second
derivatives through an LSTM, as torch gives them).
"""

from lamina.autograd.function import Function
from lamina.autograd.grad_mode import state
from lamina.ops.movement import cat
from lamina.tensor import Tensor


class _ArrayOps:
    """The operations `_backward` needs, on backend arrays."""

    def __init__(self, ctx):
        self.xp, self.sigmoid = ctx.xp, ctx.device.backend.sigmoid

    def tanh(self, a):
        return self.xp.tanh(a)

    def cat(self, parts):
        return self.xp.concatenate(parts, axis=-1)

    def stack(self, parts):
        return self.xp.stack(parts)

    def zeros_like(self, a):
        return self.xp.zeros_like(a)


class _TensorOps:
    """The same operations on Tensors, recorded in the graph (create_graph)."""

    @staticmethod
    def sigmoid(t):
        return t.sigmoid()

    @staticmethod
    def tanh(t):
        return t.tanh()

    @staticmethod
    def cat(parts):
        return cat(parts, -1)

    @staticmethod
    def stack(parts):
        return cat([part.unsqueeze(0) for part in parts], 0)

    @staticmethod
    def zeros_like(t):
        return t * 0


def _activations(ops, pre, hidden):
    """The gates i, f, g, o (PyTorch's order) from the pre-activations (N, 4H)."""
    return (
        ops.sigmoid(pre[:, :hidden]),
        ops.sigmoid(pre[:, hidden : 2 * hidden]),
        ops.tanh(pre[:, 2 * hidden : 3 * hidden]),
        ops.sigmoid(pre[:, 3 * hidden :]),
    )


class LSTMSequence(Function):
    """(x_proj (L, N, 4H), h0 (N, H), c0 (N, H), W_hh (4H, H)) -> (L, N, 2H): [h_t, c_t] for t = 0..L-1."""

    __slots__ = ("gates",)
    derivative = (
        "backpropagation through time: dc_t = dc_{t+1} f_{t+1} + dh_t o_t (1 - tanh^2 c_t); the gates' "
        "derivatives from dc_t and dh_t; dh_{t-1} = d(gates_t) W_hh"
    )

    @staticmethod
    def forward(ctx, x_proj, h0, c0, w_hh):
        xp = ctx.xp
        steps, _, width = x_proj.shape
        hidden = width // 4
        out = xp.empty(x_proj.shape[:2] + (2 * hidden,), dtype=x_proj.dtype)
        gates = xp.empty_like(x_proj)  # every step's i, f, g, o: the backward reads them instead of recomputing
        ops = _ArrayOps(ctx)
        w_t = xp.ascontiguousarray(w_hh.T)  # BLAS takes a contiguous right operand faster, once per sequence
        h, c = h0, c0
        for t in range(steps):
            i, f, g, o = _activations(ops, x_proj[t] + h @ w_t, hidden)
            gates[t, :, :hidden], gates[t, :, hidden : 2 * hidden] = i, f
            gates[t, :, 2 * hidden : 3 * hidden], gates[t, :, 3 * hidden :] = g, o
            c = f * c + i * g
            h = o * xp.tanh(c)
            out[t, :, :hidden], out[t, :, hidden:] = h, c
        ctx.gates = gates
        ctx.save_for_backward(x_proj, h0, c0, w_hh, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x_proj, h0, c0, w_hh, out = ctx.saved
        hidden = h0.shape[-1]

        def recompute(ops, t, h_prev):
            return _activations(ops, x_proj[t] + h_prev @ w_hh.T, hidden)

        return _differentiate(ctx, _backward, (grad_out, out, h0, c0, w_hh), recompute, hidden)


def _differentiate(ctx, formulas, values, recompute, hidden):
    """A layer's backward `formulas(ops, *values, gates_at)`: on Tensors under create_graph, the gates
    recomputed from the inputs so the result can be differentiated again; else on arrays, the forward's
    saved gates (four blocks of `hidden` per step) read back."""
    if state.grad_enabled:
        ops = _TensorOps()
        return formulas(ops, *values, lambda t, h_prev: recompute(ops, t, h_prev))
    gates = ctx.gates

    def saved_gates(t, h_prev):
        step = gates[t]
        return tuple(step[:, k * hidden : (k + 1) * hidden] for k in range(4))

    grads = formulas(_ArrayOps(ctx), *(v.array for v in values), saved_gates)
    return tuple(Tensor._make(g, ctx.device) for g in grads)


def _backward(ops, grad_out, out, h0, c0, w_hh, gates_at):
    """(d x_proj, d h0, d c0, d W_hh) from d out, on arrays or on Tensors (`ops` says which)."""
    steps, batch = out.shape[0], out.shape[1]
    hidden = h0.shape[-1]
    dh, dc = ops.zeros_like(h0), ops.zeros_like(c0)
    d_pre = [None] * steps
    for t in range(steps - 1, -1, -1):
        h_prev = out[t - 1, :, :hidden] if t else h0
        c_prev = out[t - 1, :, hidden:] if t else c0
        i, f, g, o = gates_at(t, h_prev)
        tanh_c = ops.tanh(out[t, :, hidden:])
        dh = dh + grad_out[t, :, :hidden]
        dc = dc + grad_out[t, :, hidden:] + dh * o * (1 - tanh_c * tanh_c)
        d_pre[t] = ops.cat(
            [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g), dh * tanh_c * o * (1 - o)]
        )
        dc = dc * f
        dh = d_pre[t] @ w_hh
    d_pre = ops.stack(d_pre)  # (L, N, 4H): the gradient of x_proj
    h_prevs = ops.stack([h0] + [out[t, :, :hidden] for t in range(steps - 1)])  # (L, N, H)
    d_w = d_pre.reshape(steps * batch, 4 * hidden).T @ h_prevs.reshape(steps * batch, hidden)
    return d_pre, dh, dc, d_w


def _gru_gates(ops, x_proj_t, hidden_part, hidden):
    """r, z, n of a GRU step from the input's projection and h W_hh^T + b_hh (Cho et al. 2014; PyTorch's order)."""
    r = ops.sigmoid(x_proj_t[:, :hidden] + hidden_part[:, :hidden])
    z = ops.sigmoid(x_proj_t[:, hidden : 2 * hidden] + hidden_part[:, hidden : 2 * hidden])
    n = ops.tanh(x_proj_t[:, 2 * hidden :] + r * hidden_part[:, 2 * hidden :])
    return r, z, n


class GRUSequence(Function):
    """(x_proj (L, N, 3H), h0 (N, H), W_hh (3H, H), b_hh (3H,)) -> every h_t (L, N, H)."""

    __slots__ = ("gates",)
    derivative = (
        "backpropagation through time: dh_{t-1} = dh_t z_t + d(r, z, n pre-activations, with r_t . d n_t for the "
        "hidden part of n) W_hh"
    )

    @staticmethod
    def forward(ctx, x_proj, h0, w_hh, b_hh):
        xp = ctx.xp
        steps, _, width = x_proj.shape
        hidden = width // 3
        out = xp.empty(x_proj.shape[:2] + (hidden,), dtype=x_proj.dtype)
        gates = xp.empty(x_proj.shape[:2] + (4 * hidden,), dtype=x_proj.dtype)  # r, z, n and h_n of every step
        ops = _ArrayOps(ctx)
        w_t = xp.ascontiguousarray(w_hh.T)
        h = h0
        for t in range(steps):
            hidden_part = h @ w_t + b_hh
            r, z, n = _gru_gates(ops, x_proj[t], hidden_part, hidden)
            h = (1 - z) * n + z * h
            out[t] = h
            gates[t, :, :hidden], gates[t, :, hidden : 2 * hidden], gates[t, :, 2 * hidden : 3 * hidden] = r, z, n
            gates[t, :, 3 * hidden :] = hidden_part[:, 2 * hidden :]
        ctx.gates = gates
        ctx.save_for_backward(x_proj, h0, w_hh, b_hh, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x_proj, h0, w_hh, b_hh, out = ctx.saved
        hidden = h0.shape[-1]

        def recompute(ops, t, h_prev):
            hidden_part = h_prev @ w_hh.T + b_hh
            return (*_gru_gates(ops, x_proj[t], hidden_part, hidden), hidden_part[:, 2 * hidden :])

        return _differentiate(ctx, _gru_backward, (grad_out, out, h0, w_hh), recompute, hidden)


def _gru_backward(ops, grad_out, out, h0, w_hh, gates_at):
    """(d x_proj, d h0, d W_hh, d b_hh) from d out, on arrays or on Tensors (`ops` says which)."""
    steps, batch, hidden = out.shape
    dh = ops.zeros_like(h0)
    d_x, d_hidden = [None] * steps, [None] * steps
    for t in range(steps - 1, -1, -1):
        h_prev = out[t - 1] if t else h0
        r, z, n, hidden_n = gates_at(t, h_prev)
        dh = dh + grad_out[t]
        d_n = dh * (1 - z) * (1 - n * n)  # through n's tanh
        d_r = d_n * hidden_n * r * (1 - r)
        d_z = dh * (h_prev - n) * z * (1 - z)
        d_x[t] = ops.cat([d_r, d_z, d_n])
        d_hidden[t] = ops.cat([d_r, d_z, d_n * r])  # the gradient of h W_hh^T + b_hh
        dh = dh * z + d_hidden[t] @ w_hh
    d_x, d_hidden = ops.stack(d_x), ops.stack(d_hidden)
    h_prevs = ops.stack([h0] + [out[t] for t in range(steps - 1)])
    flat = d_hidden.reshape(steps * batch, 3 * hidden)
    d_w = flat.T @ h_prevs.reshape(steps * batch, hidden)
    return d_x, dh, d_w, flat.sum(0)
