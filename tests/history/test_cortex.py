"""The pieces of the unsupervised Hubel-Wiesel models (lamina.history.cortex), each on a case with a known answer."""

import numpy as np

from lamina.history import cortex


def test_dead_leaves_cover_the_field_with_grey_levels():
    image = cortex.dead_leaves(np.random.default_rng(0), size=48)
    assert image.shape == (48, 48) and np.isfinite(image).all()
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.std() > 0.05


def test_phase_scrambling_keeps_the_spectrum_and_destroys_the_edges():
    generator = np.random.default_rng(1)
    image = cortex.dead_leaves(generator, size=64)
    scrambled = cortex.phase_scrambled(image, generator)
    amplitude = np.abs(np.fft.fft2(image - image.mean()))
    np.testing.assert_allclose(np.abs(np.fft.fft2(scrambled)), amplitude, rtol=1e-6, atol=1e-8)
    gradient = np.abs(np.diff(scrambled, axis=1)).ravel()
    edges = np.abs(np.diff(image, axis=1)).ravel()
    excess = lambda v: np.mean((v - v.mean()) ** 4) / np.var(v) ** 2  # noqa: E731  kurtosis
    assert excess(edges) > 1.5 * excess(gradient)  # an image of discs has rare large jumps; its scramble does not


def test_whitening_flattens_the_spectrum_of_the_patches():
    generator = np.random.default_rng(2)
    images = [cortex.dead_leaves(generator, size=64) for _ in range(2)]
    patches = cortex.whitened_patches(images, 4000, generator)
    assert patches.shape == (4000, cortex.PATCH**2)
    variances = np.linalg.eigvalsh(patches.T @ patches / len(patches))[::-1]
    # raw patches of such images spread their variance over orders of magnitude; whitened (regularised:
    # v / (v + 0.1 mean v)) the strongest half of the directions carry nearly equal variance, none above 1
    assert variances[0] <= 1.0 + 1e-9 and variances[len(variances) // 2] > 0.5 * variances[0]


def test_a_pinwheel_is_found_where_the_orientation_turns_through_180_degrees():
    rows, columns = np.mgrid[0:9, 0:9] - 4.5  # the centre lies inside one grid square
    preferred = (np.arctan2(rows, columns) / 2) % np.pi
    assert [tuple(p) for p in cortex.pinwheels(preferred)] == [(4, 4)]
    assert len(cortex.pinwheels(np.full((9, 9), 0.3))) == 0


def test_neighbour_difference_is_zero_for_one_orientation_and_45_degrees_for_random_ones():
    assert cortex.neighbour_difference(np.full((10, 10), 1.0)) == 0.0
    random = np.random.default_rng(3).uniform(0, np.pi, (200, 200))
    assert abs(cortex.neighbour_difference(random) - 45.0) < 1.0
    assert abs(cortex.orientation_difference(0.05, np.pi - 0.05) - 0.1) < 1e-12  # 3 and 177 degrees: 6 apart


def test_the_map_forms_columns_only_with_its_neighbourhood():
    with_neighbours = cortex.orientation_map(0, steps=8000, size=12)
    without = cortex.orientation_map(0, neighbourhood=False, steps=8000, size=12)
    assert cortex.neighbour_difference(with_neighbours) < 0.6 * cortex.neighbour_difference(without)


def test_sparse_coding_recovers_the_sources_of_a_sparse_mixture():
    # data that are a rotation of 16 unit-variance Laplace sources: reconstruction ICA must find the rotation
    # (each filter along one source) and its responses are then as sparse as the sources (kurtosis 6), while
    # the mixed coordinates are nearly Gaussian (the central limit)
    generator = np.random.default_rng(4)
    sources = generator.laplace(size=(3000, 16)) / np.sqrt(2)
    rotation, _ = np.linalg.qr(generator.standard_normal((16, 16)))
    mixed = sources @ rotation.T
    filters = cortex.sparse_filters(mixed, steps=1000, seed=0)
    assert filters.shape == (16, 16)
    assert (np.abs(filters @ rotation).max(1) > 0.95).all()
    assert cortex.kurtosis(filters, mixed) > 5.0 > 4.0 > cortex.kurtosis(np.eye(16), mixed)
