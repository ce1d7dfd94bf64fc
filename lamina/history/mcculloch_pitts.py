"""1943, McCulloch & Pitts: threshold logic units with set weights compute logic; two layers compute XOR."""

import itertools

import numpy as np

import lamina
from lamina.history.milestone import Result
from lamina.models.classic import FullAdder, XorNet, gate

_TRUTH = {
    "AND": lambda a, b: a & b,
    "OR": lambda a, b: a | b,
    "NAND": lambda a, b: 1 - (a & b),
    "NOR": lambda a, b: 1 - (a | b),
}


def run(quick=True, out_dir=None, seed=0):
    exact = []
    pairs = np.array(list(itertools.product([0, 1], repeat=2)))
    for name, truth in _TRUTH.items():
        outputs = gate(name)(lamina.tensor(pairs.astype(np.float32))).numpy()
        exact.append(np.array_equal(outputs, truth(pairs[:, 0], pairs[:, 1])))
    exact.append(np.array_equal(gate("NOT")(lamina.tensor([[0.0], [1.0]])).numpy(), [1, 0]))
    exact.append(np.array_equal(XorNet()(lamina.tensor(pairs.astype(np.float32))).numpy(), pairs[:, 0] ^ pairs[:, 1]))
    triples = np.array(list(itertools.product([0, 1], repeat=3)))
    adder = FullAdder()(lamina.tensor(triples.astype(np.float32))).numpy()
    total = triples.sum(1)
    exact.append(np.array_equal(adder, np.stack([total % 2, total // 2], 1)))
    tables = ["AND", "OR", "NAND", "NOR", "NOT", "XOR (2 layers)", "full adder"]
    return [
        Result(
            "mcculloch-pitts",
            1943,
            "truth tables of AND, OR, NAND, NOR, NOT, XOR and a full adder",
            f"{sum(exact)}/{len(exact)} tables exact",
            "all exact",
            all(exact),
            details=dict(zip(tables, exact)),
        )
    ]
