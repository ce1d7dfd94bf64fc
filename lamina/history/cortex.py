"""Simple cells and orientation columns that arise without a teacher: the other half of Hubel & Wiesel.

Two classic models, each judged against a control in which the claimed structure cannot arise:
- Cells: sparse coding (Olshausen & Field 1996; Bell & Sejnowski 1997: "the independent components of
  natural scenes are edge filters"), learned with lamina's autograd and Adam as reconstruction ICA (Le et
  al. 2011: a sparse code whose filters also reconstruct the patch), on ZCA-whitened 8x8 patches of
  "dead leaves" images (random occluding discs with a power-law size distribution: the model of natural
  images of Lee, Mumford & Huang 2001, generated here because no photographs ship). The control learns the
  same way from the same images with their Fourier phases scrambled: the same power spectrum (so the same
  smoothness and whitening), but Gaussian, with no edges to find. The learned filters must be more oriented
  (structure-tensor coherence) in every seed than in any control seed.
- Columns: a self-organising feature map (Kohonen 1982) of the cortical surface over retinal position and
  orientation (Obermayer, Ritter & Schulten 1990), trained on oriented stimuli. Deviation: it maps the
  stimulus features, not the learned cells above. Columns mean that neighbouring units prefer similar
  orientations: the mean difference between grid neighbours must be below that of every run of the control,
  the same competitive learning without the neighbourhood (each stimulus moves only its winner), for which
  neighbours are unrelated (about 45 degrees, the mean for random orientations). The pinwheels, points
  around which every orientation is represented (Bonhoeffer & Grinvald 1991), are counted.
"""

import numpy as np

import lamina
from lamina import optim

PATCH, IMAGE, BLUR = 8, 128, 0.5  # patch and image sizes in pixels; the optics' blur (Gaussian sigma)
MAP, STIMULUS_STRENGTH = 24, 0.15  # map of MAP x MAP units; the orientation features' length in the map's space


def dead_leaves(generator, size=IMAGE, smallest=2.0, largest=40.0):
    """A dead-leaves image: opaque discs of uniform random grey, front to back until the field is covered.

    Radii follow the density r^-3 between `smallest` and `largest` (scale invariance, as natural images)."""
    from scipy.ndimage import gaussian_filter

    image = np.full((size, size), np.nan)
    rows, columns = np.mgrid[0:size, 0:size]
    while np.isnan(image).any():
        radius = (generator.uniform(1 / largest**2, 1 / smallest**2)) ** -0.5  # inverse CDF of r^-3
        centre_row, centre_column = generator.uniform(-radius, size + radius, 2)
        top, left = max(0, int(centre_row - radius)), max(0, int(centre_column - radius))
        bottom, right = min(size, int(centre_row + radius) + 1), min(size, int(centre_column + radius) + 1)
        if top >= bottom or left >= right:
            continue
        window = image[top:bottom, left:right]
        inside = (rows[top:bottom, left:right] - centre_row) ** 2 + (
            columns[top:bottom, left:right] - centre_column
        ) ** 2
        window[(inside <= radius**2) & np.isnan(window)] = generator.uniform()  # behind the discs already there
    return gaussian_filter(image, BLUR)


def phase_scrambled(image, generator):
    """The image's amplitude spectrum with random phases: as smooth as the image, Gaussian, without edges."""
    spectrum = np.fft.fft2(image - image.mean())
    noise = np.fft.fft2(generator.standard_normal(image.shape))
    return np.fft.ifft2(np.abs(spectrum) * noise / np.abs(noise)).real


def whitened_patches(images, count, generator):
    """(count, PATCH * PATCH) patches, each minus its mean, ZCA-whitened (regularised, so the faintest
    frequencies are not amplified into noise): the decorrelation the retina and LGN do."""
    picks = generator.integers(0, len(images), count)
    corners = generator.integers(0, images[0].shape[0] - PATCH, (count, 2))
    patches = np.array([images[i][r : r + PATCH, c : c + PATCH].ravel() for i, (r, c) in zip(picks, corners)])
    patches -= patches.mean(1, keepdims=True)
    values, vectors = np.linalg.eigh(patches.T @ patches / count)
    return patches @ (vectors / np.sqrt(values + 0.1 * values.mean())) @ vectors.T


def sparse_filters(patches, steps, seed, sparsity=0.5):
    """Reconstruction ICA: unit-norm filters W (rows) minimising |W^T W x - x|^2 + sparsity * sum log cosh(W x)."""
    lamina.manual_seed(seed)
    features = patches.shape[1]  # a complete code: as many cells as pixels
    start = np.random.default_rng(seed).normal(0, 0.1, (features, features))
    weights = lamina.tensor(start, requires_grad=True)
    x = lamina.tensor(patches)
    optimizer = optim.Adam([weights], lr=0.01)
    for _ in range(steps):
        filters = weights / weights.square().sum(1, keepdim=True).sqrt()
        code = x @ filters.T
        loss = (code @ filters - x).square().sum(1).mean() + sparsity * code.cosh().log().sum(1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with lamina.no_grad():
        filters = weights / weights.square().sum(1, keepdim=True).sqrt()
    return filters.numpy()


def kurtosis(filters, patches):
    """Mean kurtosis of the responses of the cells (filters as rows) to the patches: 3 for a Gaussian,
    higher for a sparse code."""
    responses = patches @ filters.T
    return float(np.mean((responses**4).mean(0) / (responses**2).mean(0) ** 2))


def learned_cells(seed, patches=5000, steps=600, images=6):
    """{'natural': (filters, kurtosis), 'scrambled': (filters, kurtosis)} for one seed."""
    generator = np.random.default_rng(seed)
    leaves = [dead_leaves(generator) for _ in range(images)]
    found = {}
    for name, source in (("natural", leaves), ("scrambled", [phase_scrambled(i, generator) for i in leaves])):
        data = whitened_patches(source, patches, generator)
        filters = sparse_filters(data, steps, seed)
        found[name] = filters.reshape(-1, PATCH, PATCH), kurtosis(filters, data)
    return found


def orientation_map(seed, neighbourhood=True, steps=30000, size=MAP):
    """Preferred orientations (size, size) in [0, pi) of a self-organising map trained on oriented stimuli.

    Each unit holds (x, y, q cos 2 theta, q sin 2 theta): a retinal position and an orientation (doubled, as
    an orientation repeats every 180 degrees). Each stimulus, a random position and orientation, moves the
    unit nearest to it and, with the neighbourhood, that unit's neighbours on the cortical grid (a Gaussian
    whose width shrinks from 5 units to 0.5); without it only the winner moves."""
    generator = np.random.default_rng(seed)
    grid = np.stack(np.mgrid[0:size, 0:size], -1).reshape(-1, 2).astype(np.float64)
    units = np.concatenate([grid[:, ::-1] / (size - 1), generator.normal(0, 0.01, (size * size, 2))], 1)
    for step in range(steps):
        progress = step / steps
        width, rate = 5.0 * 0.1**progress, 0.1 * 0.1**progress
        angle = generator.uniform(0, np.pi)
        stimulus = np.array(
            [*generator.uniform(0, 1, 2), *(STIMULUS_STRENGTH * np.array([np.cos(2 * angle), np.sin(2 * angle)]))]
        )
        winner = np.argmin(((units - stimulus) ** 2).sum(1))
        if neighbourhood:
            pull = np.exp(-((grid - grid[winner]) ** 2).sum(1) / (2 * width**2))
            units += rate * pull[:, None] * (stimulus - units)
        else:
            units[winner] += rate * (stimulus - units[winner])
    return ((np.arctan2(units[:, 3], units[:, 2]) / 2) % np.pi).reshape(size, size)


def orientation_difference(a, b):
    """|a - b| between orientations in radians, on the 180-degree circle (0 to pi/2)."""
    difference = np.abs(a - b) % np.pi
    return np.minimum(difference, np.pi - difference)


def neighbour_difference(preferred):
    """The mean orientation difference between horizontally and vertically adjacent units, in degrees."""
    across = orientation_difference(preferred[:, 1:], preferred[:, :-1]).ravel()
    down = orientation_difference(preferred[1:], preferred[:-1]).ravel()
    return float(np.degrees(np.concatenate([across, down]).mean()))


def pinwheels(preferred):
    """(rows, columns) of the grid squares around which the orientation turns through 180 degrees."""
    doubled = np.exp(2j * preferred)
    corners = [doubled[:-1, :-1], doubled[1:, :-1], doubled[1:, 1:], doubled[:-1, 1:], doubled[:-1, :-1]]
    winding = sum(np.angle(b / a) for a, b in zip(corners, corners[1:]))  # +-2 pi at a pinwheel, else 0
    return np.argwhere(np.abs(winding) > np.pi)
