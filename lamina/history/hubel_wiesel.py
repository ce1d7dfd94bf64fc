"""1959/1962, Hubel & Wiesel: simple cells respond to a bar of one orientation at one place; complex cells
pool simple cells and respond to that orientation anywhere. And the first-layer filters a CNN learns are
oriented edge detectors too.

The first two results hold for the hand-made (Gabor) cells by construction: they show what the cells do,
they do not test a learning claim. The third is a test: LeNet-5's first-layer filters, learned from a small
random start, must be more oriented (gradient structure-tensor coherence) than 95% of sets of noise
filters with the same spatial spectrum and random phases. The fourth and fifth are learned without a
teacher, each against a control in which the structure cannot arise (lamina.history.cortex): sparse-coding
cells from natural-like images are edge detectors, and a self-organising map of the cortex forms orientation
columns with pinwheels; both over three seeds, the spread reported. The controls: the same sparse coding on
the same images with their Fourier phases scrambled (the same spectrum, no edges), and the same map trained
without its neighbourhood (each stimulus moves only the best-matching unit).
"""

import numpy as np

import lamina
from lamina import nn, optim
from lamina.history import cortex
from lamina.history.milestone import Result, spread
from lamina.history.training import digits_arrays, fit_classifier
from lamina.models import lenet5
from lamina.viz.plots import curves, image_grid, orientation_map

SIZE, ORIENTATIONS = 21, 8


def gabor(theta, size=9, wavelength=6.0, sigma=2.5):
    """An odd-free (cosine) Gabor filter: a simple cell's receptive field for bars at angle theta."""
    half = size // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1]
    across = x * np.cos(theta) + y * np.sin(theta)  # distance across the preferred bar direction
    kernel = np.exp(-(x**2 + y**2) / (2 * sigma**2)) * np.cos(2 * np.pi * across / wavelength)
    return kernel - kernel.mean()


def bar(theta, offset, size=SIZE, width=1.5):
    """A bright bar through the centre (shifted by `offset` across it) at angle theta (bar runs along theta + 90)."""
    half = size // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1]
    across = x * np.cos(theta) + y * np.sin(theta) - offset
    return (np.abs(across) <= width / 2).astype(np.float32)


def simple_response(kernel, image):
    """Half-wave rectified response of a simple cell at the centre of the image."""
    centre, half = image.shape[0] // 2, kernel.shape[0] // 2
    patch = image[centre - half : centre + half + 1, centre - half : centre + half + 1]
    return max(0.0, float((patch * kernel).sum()))


def complex_response(kernel, image):
    """A complex cell: the maximum of simple cells of one orientation over positions."""
    from scipy.signal import correlate2d

    return max(0.0, float(correlate2d(image, kernel, mode="valid").max()))


def structure_coherence(kernel):
    """How oriented a filter is: (l1 - l2) / (l1 + l2) of its gradient structure tensor, 0 (none) to 1."""
    gy, gx = np.gradient(kernel)
    tensor = np.array([[(gx * gx).sum(), (gx * gy).sum()], [(gx * gy).sum(), (gy * gy).sum()]])
    l1, l2 = np.linalg.eigvalsh(tensor)[::-1]
    return float((l1 - l2) / (l1 + l2 + 1e-12))


def isotropic_surrogate(kernel, generator):
    """Noise with the kernel's own radial spectrum (the same smoothness) but no preferred orientation: the
    amplitude averaged over each ring of spatial frequency, with random phases."""
    size = kernel.shape[0]
    amplitude = np.abs(np.fft.fft2(kernel))
    fy, fx = np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij")
    ring = np.round(np.hypot(fy, fx) * size).astype(int)
    radial = np.array([amplitude[ring == r].mean() for r in range(ring.max() + 1)])
    noise = np.fft.fft2(generator.standard_normal(kernel.shape))
    return np.fft.ifft2(noise / np.abs(noise) * radial[ring]).real


def run(quick=True, out_dir=None, seed=0):
    cell_angles = np.arange(ORIENTATIONS) * np.pi / ORIENTATIONS
    stimulus_angles = np.arange(24) * np.pi / 24
    kernels = [gabor(theta) for theta in cell_angles]
    tuning = np.array([[complex_response(k, bar(s, 0.0)) for s in stimulus_angles] for k in kernels])
    preferred = stimulus_angles[tuning.argmax(1)]
    error = np.degrees(np.abs((preferred - cell_angles + np.pi / 2) % np.pi - np.pi / 2))
    tuned = bool((error <= 7.5 + 1e-6).all())  # within one step of the 7.5-degree stimulus grid
    offsets = [-4, -2, 0, 2, 4]  # whole pixels, so every shifted bar has the same number of lit cells
    simple_spread = np.std([simple_response(kernels[0], bar(0.0, o)) for o in offsets])  # in place only
    complex_values = [complex_response(kernels[0], bar(0.0, o)) for o in offsets]
    invariant = np.std(complex_values) / np.mean(complex_values) < 0.1 and simple_spread > 0.3 * np.mean(complex_values)

    x, y, _, _ = digits_arrays(size=28)
    lamina.manual_seed(seed)
    model = lenet5()
    nn.init.normal_(model[0].weight, 0.0, 0.01)  # a small random start: what the filters show is what they learned
    before = np.mean([structure_coherence(k[0]) for k in model[0].weight.numpy()])
    fit_classifier(
        model,
        x,
        y,
        epochs=12 if quick else 30,
        batch_size=32,
        seed=seed,
        optimizer=optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
    )
    learned_filters = model[0].weight.numpy()[:, 0]
    after = np.mean([structure_coherence(k) for k in learned_filters])
    # the control: sets of filters with the learned ones' spectra but random phases (smooth, unoriented);
    # blurred white noise would not do, as its smoothness, not an orientation, raises the coherence of 5x5 maps
    generator = np.random.default_rng(seed)
    null = [
        np.mean([structure_coherence(isotropic_surrogate(k, generator)) for k in learned_filters]) for _ in range(500)
    ]
    null_95 = float(np.percentile(null, 95))
    pictures = []
    if out_dir is not None:
        pictures.append(
            curves(
                {
                    f"cell {np.degrees(a):.0f} deg": (np.degrees(stimulus_angles), t / t.max())
                    for a, t in zip(cell_angles[::2], tuning[::2])
                },
                out_dir / "hubel_wiesel_tuning.png",
                "bar orientation (degrees)",
                "complex-cell response (of its maximum)",
                "orientation tuning curves",
                references={"half maximum (the tuning width)": 0.5},
            )
        )
        pictures.append(image_grid(list(learned_filters), out_dir / "hubel_wiesel_lenet_filters.png", columns=6))
    return [
        Result(
            "hubel-wiesel",
            1959,
            "simple/complex cells are tuned to bar orientation",
            f"all {ORIENTATIONS} cells peak within {error.max():.1f} deg of their orientation",
            "orientation-selective cells",
            tuned,
            pictures[:1],
        ),
        Result(
            "hubel-wiesel",
            1962,
            "complex cells respond to their bar anywhere; simple cells only in place",
            f"complex response varies {np.std(complex_values) / np.mean(complex_values):.1%} over 5 positions",
            "position invariance",
            bool(invariant),
        ),
        Result(
            "hubel-wiesel",
            1989,
            "a CNN's learned first-layer filters are oriented beyond noise of the same spectrum (edge detectors)",
            f"orientation coherence {after:.2f} after training ({before:.2f} at initialisation); matched-spectrum "
            f"noise {np.mean(null):.2f}, 95th percentile {null_95:.2f} (500 sets)",
            "oriented filters",
            after > null_95,
            pictures[1:],
        ),
    ] + _unsupervised(out_dir)


SEEDS = (0, 1, 2)


def _unsupervised(out_dir):
    """The cells and the columns that arise without a teacher (lamina.history.cortex), judged against controls."""
    cells = {seed: cortex.learned_cells(seed) for seed in SEEDS}
    coherence = {
        name: [float(np.mean([structure_coherence(f) for f in cells[seed][name][0]])) for seed in SEEDS]
        for name in ("natural", "scrambled")
    }
    sparseness = [cells[seed]["natural"][1] for seed in SEEDS]
    maps = {seed: cortex.orientation_map(seed) for seed in SEEDS}
    controls = {seed: cortex.orientation_map(seed, neighbourhood=False) for seed in SEEDS}
    difference = [cortex.neighbour_difference(maps[s]) for s in SEEDS]
    control_difference = [cortex.neighbour_difference(controls[s]) for s in SEEDS]
    wheels = [len(cortex.pinwheels(maps[s])) for s in SEEDS]
    cell_pictures, map_pictures = [], []
    if out_dir is not None:
        first = SEEDS[0]
        for name, label in (
            ("natural", "hubel_wiesel_sparse_cells.png"),
            ("scrambled", "hubel_wiesel_sparse_control.png"),
        ):
            cell_pictures.append(image_grid(list(cells[first][name][0]), out_dir / label, columns=8))
        map_pictures.append(
            orientation_map(
                maps[first],
                out_dir / "hubel_wiesel_orientation_map.png",
                f"self-organised map (seed {first}); o = pinwheel",
                marks=cortex.pinwheels(maps[first]),
            )
        )
        map_pictures.append(
            orientation_map(
                controls[first],
                out_dir / "hubel_wiesel_orientation_control.png",
                f"control: no neighbourhood (seed {first})",
            )
        )
    return [
        Result(
            "hubel-wiesel",
            1996,
            "cells learned without a teacher (sparse coding) from natural-like images are oriented edge detectors",
            f"orientation coherence {spread(coherence['natural'])}, from phase-scrambled images (no edges) "
            f"{spread(coherence['scrambled'])}; response kurtosis {spread(sparseness)} (Gaussian 3)",
            "localised oriented filters (Olshausen & Field 1996)",
            min(coherence["natural"]) > max(coherence["scrambled"]),
            cell_pictures,
        ),
        Result(
            "hubel-wiesel",
            1962,
            "orientation columns: a self-organised cortical map puts similar orientations side by side, with pinwheels",
            f"neighbours differ by {spread(difference, '{:.1f}')} deg; without the neighbourhood "
            f"{spread(control_difference, '{:.1f}')} deg (random: 45); pinwheels {spread(wheels, '{:.0f}')}",
            "orientation columns (Hubel & Wiesel 1962, 1977)",
            max(difference) < min(control_difference) and min(wheels) > 0,
            map_pictures,
        ),
    ]
