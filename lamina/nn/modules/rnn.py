"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional, batch_first) and their cells.

Parameter names and gate orders follow PyTorch (weight_ih_l0, weight_hh_l0_reverse, ...;
LSTM gates i, f, g, o; GRU gates r, z, n) so state_dicts load in either framework.
The time loop is Python over timesteps; the input's projection is one product per layer, before the loop,
and each step adds the hidden state's.
"""

import math

from lamina import creation
from lamina import functional as core
from lamina.autograd.autocast_mode import lower
from lamina.autograd.autocast_mode import state as autocast_state
from lamina.errors import DTypeError, ShapeError, shape_str
from lamina.nn import functional as F
from lamina.nn import init
from lamina.nn.module import Module
from lamina.nn.parameter import Parameter
from lamina.nn.utils import rnn as rnn_utils
from lamina.ops.elementwise import where
from lamina.ops.movement import cat
from lamina.ops.recurrent import GRUSequence, LSTMSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# Each step takes the input's projection x W_ih^T + b_ih already made: a layer makes it for every timestep
# in one product before its time loop (one matrix product per step instead of two); a cell makes its own.


def _rnn_step(x_proj, h, w_hh, b_hh, nonlinearity):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    pre = x_proj + F.linear(h, w_hh, b_hh)
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


def _lstm_step(x_proj, state, w_hh, b_hh):
    """Hochreiter & Schmidhuber (1997) with a forget gate: gates i, f, g, o in PyTorch's order."""
    h, c = state
    gates = x_proj + F.linear(h, w_hh, b_hh)  # (B, 4H)
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def _gru_step(x_proj, h, w_hh, b_hh):
    """Cho et al. (2014): r, z gates; n = tanh(x_n + r * h_n); h' = (1 - z) n + z h."""
    x_r, x_z, x_n = x_proj.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * h


def _lstm_sequence(projected, state, w_hh, b_hh, reverse):
    """(every step's h (L, N, H), (h_n, c_n)) of one LSTM layer by ops/recurrent.py's primitive; a reverse
    direction runs it on the time-flipped input."""
    if b_hh is not None:
        projected = projected + b_hh
    if autocast_state.enabled:  # the hidden product is a matmul: autocast lowers it, as it lowered the input's
        projected, w_hh, *state = lower(projected, w_hh, *state)
    if reverse:
        projected = projected.flip(0)
    hidden = w_hh.shape[1]
    sequence = LSTMSequence.apply(projected, state[0], state[1], w_hh)  # (L, N, 2H): [h_t, c_t]
    h_all = sequence[:, :, :hidden]
    final = (sequence[-1, :, :hidden], sequence[-1, :, hidden:])
    return (h_all.flip(0) if reverse else h_all), final


def _gru_sequence(projected, h0, w_hh, b_hh, reverse):
    """(every step's h (L, N, H), h_n) of one GRU layer by ops/recurrent.py's primitive."""
    if b_hh is None:
        b_hh = creation.zeros(w_hh.shape[0], dtype=w_hh.dtype, device=w_hh.device)
    if autocast_state.enabled:
        projected, h0, w_hh, b_hh = lower(projected, h0, w_hh, b_hh)
    if reverse:
        projected = projected.flip(0)
    h_all = GRUSequence.apply(projected, h0, w_hh, b_hh)
    return (h_all.flip(0) if reverse else h_all), h_all[-1]


def _where_running(running, new, old):
    if isinstance(new, tuple):
        return tuple(where(running, n, o) for n, o in zip(new, old))
    return where(running, new, old)


class _RNNBase(Module):
    mode = "RNN_TANH"

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        name = type(self).__name__
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name}: {arg} must be a positive integer; got {value!r}.")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be in [0, 1]; got {dropout}.")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.bidirectional = bias, batch_first, dropout, bidirectional
        gate_size = _GATES[self.mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._weight_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
                setattr(self, names[0], Parameter(creation.empty(gate_size, layer_input, device=device, dtype=dtype)))
                setattr(self, names[1], Parameter(creation.empty(gate_size, hidden_size, device=device, dtype=dtype)))
                if bias:
                    names += [f"bias_ih{suffix}", f"bias_hh{suffix}"]
                    setattr(self, names[2], Parameter(creation.empty(gate_size, device=device, dtype=dtype)))
                    setattr(self, names[3], Parameter(creation.empty(gate_size, device=device, dtype=dtype)))
                self._weight_names.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)  # PyTorch: every weight and bias U(-1/sqrt(H), 1/sqrt(H))
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _weights(self, layer, direction):
        names = self._weight_names[layer * (2 if self.bidirectional else 1) + direction]
        params = [getattr(self, n) for n in names]
        return params if self.bias else params + [None, None]

    def _step(self, x_proj, state, w_hh, b_hh):
        if self.mode == "LSTM":
            return _lstm_step(x_proj, state, w_hh, b_hh)
        if self.mode == "GRU":
            return _gru_step(x_proj, state, w_hh, b_hh)
        return _rnn_step(x_proj, state, w_hh, b_hh, "tanh" if self.mode == "RNN_TANH" else "relu")

    def _check_input(self, x):
        name = type(self).__name__
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}(input_size={self.input_size}) expects input (L, N, {self.input_size}) "
                f"{'[batch_first: (N, L, H_in)] ' if self.batch_first else ''}or unbatched "
                f"(L, {self.input_size}); got shape {shape_str(x.shape)}."
            )

    def forward(self, x, hx=None):
        packed = isinstance(x, rnn_utils.PackedSequence)
        running = None  # with a packed input: (L, N, 1) bool, whether sequence n is still running at step t
        if packed:
            x, lengths = rnn_utils.pad_packed_sequence(x)  # (L, N, H_in), in the original batch order
            steps = creation.arange(x.shape[0], device=x.device).reshape(-1, 1, 1)
            running = steps < lengths.to(x.device).reshape(1, -1, 1)
        self._check_input(x)
        unbatched = x.ndim == 2
        if unbatched:
            x = x.unsqueeze(1)
        elif self.batch_first and not packed:
            x = x.transpose(0, 1)  # (L, N, H_in) inside
        directions = 2 if self.bidirectional else 1
        batch = x.shape[1]
        initial = self._initial_states(hx, batch, directions, unbatched, x)
        finals = []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state = tuple(s[index] for s in initial) if self.mode == "LSTM" else initial[0][index]
                steps = range(x.shape[0] - 1, -1, -1) if direction == 1 else range(x.shape[0])
                per_step = [None] * x.shape[0]
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
                projected = F.linear(layer_input, w_ih, b_ih)  # (L, N, gates * H): every step's input at once
                if self.mode in ("LSTM", "GRU") and running is None:  # the whole time loop in one primitive
                    run = _lstm_sequence if self.mode == "LSTM" else _gru_sequence
                    h_all, state = run(projected, state, w_hh, b_hh, reverse=direction == 1)
                    outputs.append(h_all)
                    finals.append(state)
                    continue
                for t in steps:
                    new = self._step(projected[t], state, w_hh, b_hh)
                    if running is not None:  # a finished (or, backwards, not yet started) sequence keeps its state
                        new = _where_running(running[t], new, state)
                    state = new
                    output_t = state[0] if self.mode == "LSTM" else state
                    per_step[t] = output_t if running is None else output_t * running[t]

                outputs.append(core.stack(per_step, 0))
                finals.append(state)
            layer_input = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout)
        output = layer_input
        if self.mode == "LSTM":
            h_n = core.stack([f[0] for f in finals], 0)
            c_n = core.stack([f[1] for f in finals], 0)
            hidden = (h_n.squeeze(1), c_n.squeeze(1)) if unbatched else (h_n, c_n)
        else:
            h_n = core.stack(finals, 0)
            hidden = h_n.squeeze(1) if unbatched else h_n
        if packed:
            return rnn_utils.pack_padded_sequence(output, lengths, enforce_sorted=False), hidden
        if unbatched:
            output = output.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, hidden

    def _initial_states(self, hx, batch, directions, unbatched, x):
        shape = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            zeros = creation.zeros(*shape, dtype=x.dtype, device=x.device)
            return (zeros, zeros) if self.mode == "LSTM" else (zeros,)
        states = hx if self.mode == "LSTM" else (hx,)
        if unbatched:
            states = tuple(s.unsqueeze(1) for s in states)
        for s in states:
            if tuple(s.shape) != shape:
                raise ShapeError(
                    f"{type(self).__name__}: expected hidden state of shape {shape}; got {shape_str(s.shape)}."
                )
            if s.dtype != x.dtype:  # as torch: one dtype for the input and its states
                raise DTypeError(
                    f"{type(self).__name__}: the hidden state's dtype {s.dtype.name} does not match the input's "
                    f"{x.dtype.name}; convert one of them (h.to({x.dtype}))."
                )
        return states

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(_RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (nonlinearity 'tanh' or 'relu').

    Shape: input (L, N, H_in) [or (N, L, H_in) with batch_first] -> output (L, N, D*H_out),
    h_n (D*num_layers, N, H_out), D = 2 if bidirectional else 1.
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}.")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"  # both have one gate


class LSTM(_RNNBase):
    """Long short-term memory; returns output, (h_n, c_n)."""

    mode = "LSTM"


class GRU(_RNNBase):
    """Gated recurrent unit; returns output, h_n."""

    mode = "GRU"


class _CellBase(Module):
    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        size = self.gates * hidden_size
        self.weight_ih = Parameter(creation.empty(size, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(size, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(size, device=device, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        bound = 1.0 / math.sqrt(hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _zeros(self, x):
        return creation.zeros(*x.shape[:-1], self.hidden_size, dtype=x.dtype, device=x.device)

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One step of RNN: (N, H_in), (N, H) -> (N, H)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x, h=None):
        w_ih, w_hh, b_ih, b_hh = self._weights()
        return _rnn_step(F.linear(x, w_ih, b_ih), self._zeros(x) if h is None else h, w_hh, b_hh, self.nonlinearity)


class LSTMCell(_CellBase):
    """One step of LSTM: x, (h, c) -> (h', c')."""

    gates = 4

    def forward(self, x, state=None):
        state = (self._zeros(x), self._zeros(x)) if state is None else state
        w_ih, w_hh, b_ih, b_hh = self._weights()
        return _lstm_step(F.linear(x, w_ih, b_ih), state, w_hh, b_hh)


class GRUCell(_CellBase):
    """One step of GRU: x, h -> h'."""

    gates = 3

    def forward(self, x, h=None):
        w_ih, w_hh, b_ih, b_hh = self._weights()
        return _gru_step(F.linear(x, w_ih, b_ih), self._zeros(x) if h is None else h, w_hh, b_hh)
