"""Spatial transformers' sampling (Jaderberg et al. 2015): affine_grid makes the sampling grid of an affine
map, grid_sample reads an image at a grid's points. Both are composites (a matrix product; gathers and
weighted sums), so their gradients, to the image, the grid and through it the affine map, come for free.

Coordinates are normalised as PyTorch's: -1 and 1 are the image's edges (align_corners=False) or its corner
pixels' centres (align_corners=True).
"""

from lamina import creation
from lamina.errors import ShapeError, shape_str
from lamina.functional import stack
from lamina.nn.functional._checks import pair
from lamina.ops.elementwise import where
from lamina.tensor import Tensor


def _base_coordinates(size, align_corners, like):
    """The normalised coordinates of `size` pixel centres along one axis."""
    xp = like.device.xp
    steps = xp.arange(size, dtype=like.array.dtype)
    if align_corners:
        values = steps * (2 / (size - 1)) - 1 if size > 1 else steps * 0
    else:
        values = (steps * 2 + 1) / size - 1
    return Tensor._make(values.astype(like.array.dtype), like.device)


def affine_grid(theta, size, align_corners=None):
    """The grid (N, H, W, 2) of (x, y) sample points of theta (N, 2, 3) applied to the output's pixel centres."""
    align_corners = bool(align_corners)
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (2, 3) or len(size) != 4 or size[0] != theta.shape[0]:
        raise ShapeError(
            f"affine_grid: expects theta (N, 2, 3) and size (N, C, H, W) with the same N (2-D grids); got theta "
            f"{shape_str(theta.shape)} and size {tuple(size)}."
        )
    n, _, height, width = size
    xs = _base_coordinates(width, align_corners, theta).reshape(1, width).expand(height, width)
    ys = _base_coordinates(height, align_corners, theta).reshape(height, 1).expand(height, width)
    ones = creation.ones(height, width, dtype=theta.dtype, device=theta.device)
    base = stack([xs, ys, ones], dim=-1).reshape(1, height * width, 3)  # homogeneous (x, y, 1)
    return (base @ theta.transpose(1, 2)).reshape(n, height, width, 2)


def _unnormalise(coordinate, size, align_corners):
    if align_corners:
        return (coordinate + 1) * ((size - 1) / 2)
    return ((coordinate + 1) * size - 1) / 2


def _reflect(coordinate, size, align_corners):
    """A coordinate folded back into the image by reflection at its edges (PyTorch's reflect_coordinates):
    about the corner pixels' centres (align_corners=True) or the image's edges (False), then clipped."""
    low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
    if high <= low:  # one pixel with align_corners: every point is that pixel
        return coordinate * 0
    span = high - low
    distance = (coordinate - low).abs()
    flips = (distance.detach() / span).floor()
    extra = distance - flips * span  # fmod, written so that its gradient is 1
    even = flips.remainder(2) == 0
    return where(even, extra + low, span - extra + low).clamp(0, size - 1)


def _padded(coordinate, size, padding_mode, align_corners):
    """Where padding_mode reads a coordinate: 'border' clips it to the image, 'reflection' folds it back."""
    if padding_mode == "border":
        return coordinate.clamp(0, size - 1)
    if padding_mode == "reflection":
        return _reflect(coordinate, size, align_corners)
    return coordinate  # 'zeros': read() gives 0 outside


_CUBIC_A = -0.75  # the cubic convolution's parameter (Keys 1981), as PyTorch's bicubic


def _cubic_weights(t):
    """The four weights of the taps at -1, 0, 1, 2 for a point t in [0, 1) past tap 0."""
    a = _CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input (N, C, H, W) read at grid (N, Ho, Wo, 2) (x, y in [-1, 1]) -> (N, C, Ho, Wo).

    mode 'bilinear' weighs the four neighbours, 'nearest' takes the closest (half to even, as PyTorch),
    'bicubic' the 4x4 neighbours by cubic convolution (A = -0.75); padding_mode 'zeros' reads 0 outside the
    image, 'border' the nearest edge pixel, 'reflection' the pixel mirrored at the edges.
    """
    align_corners = bool(align_corners)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"grid_sample: mode must be 'bilinear', 'nearest' or 'bicubic'; got {mode!r}.")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"grid_sample: padding_mode must be 'zeros', 'border' or 'reflection'; got {padding_mode!r}.")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise ShapeError(
            f"grid_sample: expects input (N, C, H, W) and grid (N, Ho, Wo, 2) with the same N (2-D sampling); got "
            f"input {shape_str(input.shape)} and grid {shape_str(grid.shape)}."
        )
    n, channels, height, width = input.shape
    out_h, out_w = grid.shape[1], grid.shape[2]
    x = _unnormalise(grid[..., 0], width, align_corners)  # (N, Ho, Wo), in pixels
    y = _unnormalise(grid[..., 1], height, align_corners)
    flat = input.reshape(n, channels, height * width)

    def read(column, row):
        """input at integer pixel positions (N, Ho, Wo), 0 outside the image."""
        inside = (column >= 0) & (column <= width - 1) & (row >= 0) & (row <= height - 1)
        position = (row.clamp(0, height - 1) * width + column.clamp(0, width - 1)).long()
        index = position.reshape(n, 1, out_h * out_w).expand(n, channels, out_h * out_w)
        values = flat.gather(2, index).reshape(n, channels, out_h, out_w)
        return where(inside.unsqueeze(1), values, 0.0)

    if mode == "bicubic":  # padding applies to each tap (PyTorch's get_value_bounded)
        left, top = x.detach().floor(), y.detach().floor()
        column_weights = _cubic_weights((x - left).unsqueeze(1))
        row_weights = _cubic_weights((y - top).unsqueeze(1))
        total = 0
        for j, row_weight in enumerate(row_weights):
            row = _padded(top + (j - 1), height, padding_mode, align_corners)
            for i, column_weight in enumerate(column_weights):
                column = _padded(left + (i - 1), width, padding_mode, align_corners)
                total = total + read(column, row) * (column_weight * row_weight)
        return total
    x, y = _padded(x, width, padding_mode, align_corners), _padded(y, height, padding_mode, align_corners)
    if mode == "nearest":
        return read(x.detach().round(), y.detach().round())
    left, top = x.detach().floor(), y.detach().floor()
    right_weight, bottom_weight = (x - left).unsqueeze(1), (y - top).unsqueeze(1)  # (N, 1, Ho, Wo)
    left_weight, top_weight = 1 - right_weight, 1 - bottom_weight
    return (
        read(left, top) * left_weight * top_weight
        + read(left + 1, top) * right_weight * top_weight
        + read(left, top + 1) * left_weight * bottom_weight
        + read(left + 1, top + 1) * right_weight * bottom_weight
    )


def _patch_positions(op, spatial, kernel_size, dilation, padding, stride, like):
    """The flat positions (kh*kw, L) in the padded image (Hp * Wp) of every patch element, and (Hp, Wp), (Ho, Wo)."""
    (kh, kw), (dh, dw) = pair(kernel_size, "kernel_size"), pair(dilation, "dilation")
    (ph, pw), (sh, sw) = pair(padding, "padding"), pair(stride, "stride")
    padded = (spatial[0] + 2 * ph, spatial[1] + 2 * pw)
    blocks = [(size - d * (k - 1) - 1) // s + 1 for size, d, k, s in zip(padded, (dh, dw), (kh, kw), (sh, sw))]
    if min(blocks) <= 0:
        raise ShapeError(
            f"{op}: a {kh}x{kw} kernel (dilation {(dh, dw)}) does not fit the padded size {padded}; reduce the "
            "kernel or dilation, or add padding."
        )
    xp = like.device.xp
    rows = (xp.arange(kh) * dh)[:, None, None, None] + (xp.arange(blocks[0]) * sh)[None, None, :, None]
    columns = (xp.arange(kw) * dw)[None, :, None, None] + (xp.arange(blocks[1]) * sw)[None, None, None, :]
    positions = (rows * padded[1] + columns).reshape(kh * kw, blocks[0] * blocks[1])
    return Tensor._make(positions, like.device), padded, (ph, pw), (kh, kw)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding patches (im2col): input (N, C, H, W) -> (N, C*kh*kw, L), L the number of patch positions, each
    column one patch (channel-major, as PyTorch). An index gather, exact for every value (inf and NaN too)."""
    from lamina.nn.functional import pad

    if input.ndim != 4:
        raise ShapeError(f"unfold: expects input (N, C, H, W); got {shape_str(input.shape)}.")
    n, channels = input.shape[:2]
    positions, padded, (ph, pw), (kh, kw) = _patch_positions("unfold", input.shape[2:], kernel_size, dilation,
                                                              padding, stride, input)  # fmt: skip
    source = pad(input, (pw, pw, ph, ph)) if ph or pw else input
    patches = source.reshape(n, channels, padded[0] * padded[1])[:, :, positions]  # (N, C, kh*kw, L)
    return patches.reshape(n, channels * kh * kw, positions.shape[1])


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of unfold (col2im): (N, C*kh*kw, L) -> (N, C, H, W), overlapping patch elements summed."""
    output_size = pair(output_size, "output_size")
    (kh, kw) = pair(kernel_size, "kernel_size")
    if input.ndim != 3 or input.shape[1] % (kh * kw):
        raise ShapeError(
            f"fold: expects input (N, C*{kh}*{kw}, L); got {shape_str(input.shape)}, whose dim 1 is not a multiple "
            f"of the kernel's {kh * kw} elements."
        )
    positions, padded, (ph, pw), _ = _patch_positions("fold", output_size, kernel_size, dilation, padding, stride,
                                                       input)  # fmt: skip
    if positions.shape[1] != input.shape[2]:
        raise ShapeError(
            f"fold: input {shape_str(input.shape)} holds {input.shape[2]} patches, but output_size {output_size} "
            f"with these kernel, stride, padding and dilation gives {positions.shape[1]}."
        )
    n, channels = input.shape[0], input.shape[1] // (kh * kw)
    summed = creation.zeros(n, channels, padded[0] * padded[1], dtype=input.dtype, device=input.device)
    summed = summed.index_add(2, positions.reshape(-1), input.reshape(n, channels, -1))
    image = summed.reshape(n, channels, padded[0], padded[1])
    return image[:, :, ph : ph + output_size[0], pw : pw + output_size[1]]
