"""The units before back-propagation: McCulloch-Pitts threshold logic and the Hopfield network.

McCulloch & Pitts (1943): a unit fires (1) when the weighted sum of its binary inputs reaches its
threshold; with fixed weights such units compute any logic function. Hopfield (1982) made Hebb's
rule (1949) a memory: weights are the summed outer products of the stored patterns.
"""

import numpy as np

from lamina import creation, nn


class ThresholdUnit(nn.Module):
    """y = 1 if w . x >= threshold else 0, with set (not learned) weights: a McCulloch-Pitts neuron."""

    def __init__(self, weights, threshold):
        super().__init__()
        self.register_buffer("weights", creation.tensor([float(w) for w in weights]))
        self.threshold = float(threshold)

    def forward(self, x):  # x: (B, n) in {0, 1} -> (B,) in {0, 1}
        return ((x @ self.weights) >= self.threshold).float()

    def extra_repr(self):
        return f"weights={self.weights.tolist()}, threshold={self.threshold}"


def gate(name: str) -> ThresholdUnit:
    """AND, OR, NAND, NOR as one unit; NOT as a unit with one inhibitory (negative) input."""
    table = {
        "AND": ([1, 1], 2),
        "OR": ([1, 1], 1),
        "NAND": ([-1, -1], -1),
        "NOR": ([-1, -1], 0),
        "NOT": ([-1], 0),
        "MAJORITY": ([1, 1, 1], 2),
    }
    return ThresholdUnit(*table[name.upper()])


class XorNet(nn.Module):
    """XOR needs two layers: AND(OR(a, b), NAND(a, b)) (Minsky and Papert's point about one layer)."""

    def __init__(self):
        super().__init__()
        self.either, self.not_both, self.both = gate("OR"), gate("NAND"), gate("AND")

    def forward(self, x):  # (B, 2) -> (B,)
        hidden = creation.tensor(np.stack([self.either(x).numpy(), self.not_both(x).numpy()], 1))
        return self.both(hidden)


class FullAdder(nn.Module):
    """(a, b, carry_in) -> (sum, carry_out): sum = XOR(XOR(a, b), c), carry = MAJORITY(a, b, c)."""

    def __init__(self):
        super().__init__()
        self.xor1, self.xor2, self.majority = XorNet(), XorNet(), gate("MAJORITY")

    def forward(self, x):  # (B, 3) -> (B, 2)
        partial = self.xor1(x[:, :2])
        total = self.xor2(creation.tensor(np.stack([partial.numpy(), x[:, 2].numpy()], 1)))
        return creation.tensor(np.stack([total.numpy(), self.majority(x).numpy()], 1))


class Hopfield:
    """A Hopfield network of N +-1 units storing patterns with Hebb's rule: W = (1/N) sum p p^T, zero diagonal."""

    def __init__(self, patterns: np.ndarray):
        self.size = patterns.shape[1]
        self.weights = patterns.T.astype(np.float64) @ patterns / self.size
        np.fill_diagonal(self.weights, 0.0)

    def recall(self, cue: np.ndarray, sweeps: int = 10, generator=None) -> np.ndarray:
        """Asynchronous updates (random unit order) until nothing changes or `sweeps` passes."""
        generator = generator or np.random.default_rng(0)
        state = cue.astype(np.float64).copy()
        for _ in range(sweeps):
            changed = False
            for unit in generator.permutation(self.size):
                new = 1.0 if self.weights[unit] @ state >= 0 else -1.0
                if new != state[unit]:
                    state[unit], changed = new, True
            if not changed:
                break
        return state
