"""Generated datasets for the history milestones: pure functions of (n, seed, ...), returning arrays.

Each returns (inputs, targets) as NumPy arrays (float32 inputs, int64 class labels unless said);
wrap them with lamina.data.TensorDataset(lamina.tensor(x), lamina.tensor(y)).
"""

import numpy as np

from lamina.errors import DataError

_GATES = {
    "AND": lambda a, b: a & b,
    "OR": lambda a, b: a | b,
    "NAND": lambda a, b: 1 - (a & b),
    "NOR": lambda a, b: 1 - (a | b),
    "XOR": lambda a, b: a ^ b,
    "XNOR": lambda a, b: 1 - (a ^ b),
}


def logic_gate(name: str):
    """The truth table of a gate: inputs (4, 2) (or (2, 1) for NOT) in {0, 1}, outputs (4,)."""
    name = name.upper()
    if name == "NOT":
        return np.array([[0.0], [1.0]], dtype=np.float32), np.array([1, 0])
    if name not in _GATES:
        raise DataError(f"logic_gate: unknown gate {name!r}; known: NOT, {', '.join(_GATES)}.")
    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    return inputs.astype(np.float32), _GATES[name](inputs[:, 0], inputs[:, 1]).astype(np.int64)


def xor(n: int = 200, seed: int = 0, noise: float = 0.1):
    """Noisy points around the four corners of the unit square, labelled by XOR of the corner."""
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, (n, 2))
    points = corners + rng.normal(0, noise, (n, 2))
    return points.astype(np.float32), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def two_spirals(n: int = 200, seed: int = 0, noise: float = 0.02, turns: float = 1.5):
    """Two interleaved spirals (Lang & Witbrock 1988): n points per class, labels 0 and 1."""
    rng = np.random.default_rng(seed)
    angle = np.sqrt(rng.uniform(0.05, 1, n)) * turns * 2 * np.pi
    points, labels = [], []
    for label, phase in ((0, 0.0), (1, np.pi)):
        radius = angle / (turns * 2 * np.pi)
        arm = np.stack([radius * np.cos(angle + phase), radius * np.sin(angle + phase)], 1)
        points.append(arm + rng.normal(0, noise, arm.shape))
        labels.append(np.full(n, label))
    return np.concatenate(points).astype(np.float32), np.concatenate(labels).astype(np.int64)


def retina_shapes(n: int = 200, seed: int = 0, size: int = 20):
    """Rosenblatt-style retina images (size x size, 0/1): solid squares (label 0) vs thin crosses (label 1).

    Squares (4x4 or 5x5) hold 16-25 lit cells, crosses (arms of 2-3) hold 9-13, anywhere on the retina:
    the classes are linearly separable (total ink), so the perceptron rule converges on them.
    """
    rng = np.random.default_rng(seed)
    images = np.zeros((n, size, size), dtype=np.float32)
    labels = rng.integers(0, 2, n)
    for image, label in zip(images, labels):
        if label == 0:
            side = rng.integers(4, 6)
            top, left = rng.integers(0, size - side + 1, 2)
            image[top : top + side, left : left + side] = 1
        else:
            arm = rng.integers(2, 4)
            row, col = rng.integers(arm, size - arm, 2)
            image[row, col - arm : col + arm + 1] = 1
            image[row - arm : row + arm + 1, col] = 1
    return images, labels.astype(np.int64)


def oriented_bars(n: int = 1000, seed: int = 0, size: int = 20, length: int = 6):
    """Horizontal (label 0) and vertical (label 1) bars of `length` lit cells anywhere on a size x size retina.

    Every image has the same ink, so total ink tells the classes apart no better than chance; and on a
    thousand images no weighting of the raw pixels separates them (a cell is lit by bars of both kinds).
    """
    rng = np.random.default_rng(seed)
    images = np.zeros((n, size, size), dtype=np.float32)
    labels = rng.integers(0, 2, n)
    for image, label in zip(images, labels):
        start, line = rng.integers(0, size - length + 1), rng.integers(0, size)
        if label == 0:
            image[line, start : start + length] = 1
        else:
            image[start : start + length, line] = 1
    return images, labels.astype(np.int64)


# The T-C problem (Rumelhart, Hinton & Williams 1986): each letter is five cells of a 3x3 block
_T = np.array([[1, 1, 1], [0, 1, 0], [0, 1, 0]])  # a bar of three and a stem of two
_C = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 0]])  # two, one, two: the open side on the right


def tc_problem(n: int = 200, seed: int = 0, size: int = 8):
    """T (label 0) and C (label 1), each five cells in a 3x3 block, at any of four rotations and any
    position on a size x size retina. RHW's network with 3x3 weight-shared detectors solves it."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, size, size), dtype=np.float32)
    labels = rng.integers(0, 2, n)
    for image, label in zip(images, labels):
        letter = np.rot90(_T if label == 0 else _C, rng.integers(0, 4))
        top, left = rng.integers(0, size - 2, 2)
        image[top : top + 3, left : left + 3] = letter
    return images, labels.astype(np.int64)


def tc_retinas(size: int = 8):
    """Every distinct T-C retina: 2 letters x 4 rotations x (size - 2)^2 positions (288 on 8x8), with the
    top row of each letter's block, so that a split by position can hold positions out.

    Returns (images, labels, tops).
    """
    images, labels, tops = [], [], []
    for label, letter in enumerate((_T, _C)):
        for turns in range(4):
            rotated = np.rot90(letter, turns)
            for top in range(size - 2):
                for left in range(size - 2):
                    image = np.zeros((size, size), dtype=np.float32)
                    image[top : top + 3, left : left + 3] = rotated
                    images.append(image)
                    labels.append(label)
                    tops.append(top)
    return np.stack(images), np.asarray(labels, dtype=np.int64), np.asarray(tops)


def sequence_task(task: str, n: int = 1000, length: int = 8, vocab: int = 10, seed: int = 0):
    """Sequence-to-sequence tasks for Transformers: (sources (n, length), targets) int64.

    copy: target = source; reverse: reversed; sort: sorted; addition: two numbers of length//2 digits
    (most significant first) -> their sum, length//2 + 1 digits. Tokens are 0..vocab-1 (digits for addition).
    """
    rng = np.random.default_rng(seed)
    if task == "addition":
        digits = length // 2
        a, b = rng.integers(0, 10, (n, digits)), rng.integers(0, 10, (n, digits))
        powers = 10 ** np.arange(digits - 1, -1, -1)
        total = a @ powers + b @ powers
        out = np.stack([(total // 10**p) % 10 for p in range(digits, -1, -1)], 1)
        return np.concatenate([a, b], 1).astype(np.int64), out.astype(np.int64)
    source = rng.integers(0, vocab, (n, length))
    if task == "copy":
        return source, source.copy()
    if task == "reverse":
        return source, source[:, ::-1].copy()
    if task == "sort":
        return source, np.sort(source, axis=1)
    raise DataError(f"sequence_task: unknown task {task!r}; known: copy, reverse, sort, addition.")


def adding_problem(n: int = 1000, length: int = 30, seed: int = 0):
    """Hochreiter & Schmidhuber's adding problem: inputs (n, length, 2) = (value, marker); two markers,
    one in each half; the target is the sum of the two marked values (float32, shape (n,))."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, (n, length))
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, rng.integers(0, length // 2, n)] = 1
    markers[rows, rng.integers(length // 2, length, n)] = 1
    return np.stack([values, markers], -1).astype(np.float32), (values * markers).sum(1).astype(np.float32)


# a vowel-like formant pair (F1, F2 in Hz) for each part of a synthetic "spoken digit"
_FORMANTS = [
    (300, 2300),
    (400, 2000),
    (500, 1500),
    (600, 1200),
    (700, 1100),
    (300, 900),
    (450, 1700),
    (650, 1700),
    (550, 900),
    (350, 1300),
]


def spoken_digits(n: int = 500, seed: int = 0, sample_rate: int = 8000, seconds: float = 0.4):
    """Synthetic spoken digits: digit d is two voiced segments with formants (F[d], F[(3d + 1) % 10]),
    a random pitch (90-180 Hz), random segment lengths and background noise. Waveforms (n, samples)
    float32 in [-1, 1], labels (n,). A stand-in for recordings (AudioFolder reads the real ones)."""
    rng = np.random.default_rng(seed)
    samples = int(sample_rate * seconds)
    t = np.arange(samples) / sample_rate
    waves, labels = np.zeros((n, samples), dtype=np.float32), rng.integers(0, 10, n)
    for wave, digit in zip(waves, labels):
        pitch = rng.uniform(90, 180)
        split = int(samples * rng.uniform(0.35, 0.65))
        for part, (start, stop) in enumerate(((0, split), (split, samples))):
            first, second = _FORMANTS[digit if part == 0 else (3 * digit + 1) % 10]
            harmonics = np.arange(1, int(3500 / pitch))
            # harmonics of the pitch, weighted by their closeness to the two formants
            gains = np.exp(-(((harmonics * pitch - first) / 150) ** 2)) + 0.6 * np.exp(
                -(((harmonics * pitch - second) / 200) ** 2)
            )
            segment = (gains[:, None] * np.sin(2 * np.pi * pitch * harmonics[:, None] * t[None, start:stop])).sum(0)
            wave[start:stop] = segment * np.hanning(stop - start)
        wave += rng.normal(0, 0.05 * np.abs(wave).max(), samples)
        wave /= np.abs(wave).max()
    return waves, labels.astype(np.int64)
