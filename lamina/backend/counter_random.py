"""Random draws whose whole state is two integers: a seed and how many draws were made.

A device's generator (CuPy's) cannot hand its state to the host and take it back, which exact resume
needs; and CuPy's Generator has no permutation. So each draw here is made by a fresh generator seeded
by (seed, draw number): the state is {"seed", "draws"}, saved in a checkpoint as two numbers and restored
exactly, on any device. A permutation (randperm, shuffling) is the argsort of n uniform keys: float64
keys, so a tie (which argsort would break by position) has probability below n^2 / 2^53.

`make_generator(seed)` returns an object with NumPy's Generator methods random, standard_normal and
integers, over the device's arrays (numpy.random.default_rng on the host; a Philox generator on CuPy).
"""

_MIX = 0x9E3779B97F4A7C15  # the golden-ratio constant: consecutive draws get far-apart seeds
_MASK = 2**63 - 1


class CounterStream:
    def __init__(self, make_generator, seed: int = 0):
        self.make_generator = make_generator
        self.seed(seed)

    def seed(self, seed: int):
        self._seed, self.draws = int(seed), 0

    def _next(self):
        generator = self.make_generator(((self._seed + 1) * _MIX + self.draws) & _MASK)
        self.draws += 1
        return generator

    def new_stream(self, seed: int) -> "CounterStream":
        return CounterStream(self.make_generator, seed)

    def get_state(self) -> dict:
        return {"seed": self._seed, "draws": self.draws}

    def set_state(self, state: dict):
        if not isinstance(state, dict) or set(state) != {"seed", "draws"}:
            raise ValueError(f"set_rng_state: expected a device generator's state {{'seed', 'draws'}}; got {state!r}.")
        self._seed, self.draws = int(state["seed"]), int(state["draws"])

    def uniform(self, shape, dtype):
        return self._next().random(shape, dtype=dtype)

    def normal(self, shape, dtype):
        return self._next().standard_normal(shape, dtype=dtype)

    def integers(self, low, high, shape, dtype):
        return self._next().integers(low, high, size=shape).astype(dtype)

    def permutation(self, n):
        return self._next().random(n, dtype="float64").argsort()


class DrawsFromCounterStream:
    """A backend's random interface (seed, streams, state, the four draws) served by its `stream`, a
    CounterStream made in the backend's __init__ from its own generator maker."""

    def seed(self, seed):
        self.stream.seed(seed)

    def new_stream(self, seed):
        return self.stream.new_stream(seed)

    def get_state(self):
        return self.stream.get_state()

    def set_state(self, state):
        self.stream.set_state(state)

    def uniform(self, shape, dtype):
        return self.stream.uniform(shape, dtype)

    def normal(self, shape, dtype):
        return self.stream.normal(shape, dtype)

    def integers(self, low, high, shape, dtype):
        return self.stream.integers(low, high, shape, dtype)

    def permutation(self, n):
        return self.stream.permutation(n)
