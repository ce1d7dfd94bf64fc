"""Movement ops: views, copies, gradients."""

import numpy as np
import pytest
from helpers import check_op

import lamina


@pytest.mark.parametrize(
    "fn,shape",
    [
        (lambda lib, x: x.reshape(4, 3), (3, 4)),
        (lambda lib, x: x.reshape(-1), (3, 4)),
        (lambda lib, x: x.view(2, -1, 2), (3, 4)),
        (lambda lib, x: x.reshape(()), (1, 1)),
        (lambda lib, x: x.flatten(), (2, 3, 4)),
        (lambda lib, x: x.flatten(1), (2, 3, 4)),
        (lambda lib, x: x.transpose(0, 2), (2, 3, 4)),
        (lambda lib, x: x.t(), (3, 4)),
        (lambda lib, x: x.T, (3, 4)),
        (lambda lib, x: x.permute(2, 0, 1), (2, 3, 4)),
        (lambda lib, x: x.squeeze(), (3, 1, 4, 1)),
        (lambda lib, x: x.squeeze(1), (3, 1, 4)),
        (lambda lib, x: x.unsqueeze(0).unsqueeze(-1), (3, 4)),
        (lambda lib, x: x.expand(2, 3, 4), (3, 1)),
        (lambda lib, x: x.expand(-1, 5), (3, 1)),
        (lambda lib, x: x.repeat(2, 3), (3, 4)),
        (lambda lib, x: x.repeat(2, 1, 2), (3, 4)),
        (lambda lib, x: x.flip(0), (3, 4)),
        (lambda lib, x: x.flip((0, 1)), (3, 4)),
        (lambda lib, x: x.roll(1, 0), (3, 4)),
        (lambda lib, x: x.roll((1, -2), (0, 1)), (3, 4)),
        (lambda lib, x: x.roll(5), (3, 4)),
        (lambda lib, x: x.reshape(0, 4), (0, 2, 2)),
    ],
)
def test_movement(fn, shape):
    check_op(fn, [shape], gradgrad=shape == (3, 4))


def test_movement_on_noncontiguous_input():
    check_op(lambda lib, x: x.reshape(-1) * 2, [(3, 4)], noncontiguous=True)
    check_op(lambda lib, x: x.permute(1, 0).flip(0), [(3, 4)], noncontiguous=True)


def test_cat_stack_split_chunk():
    check_op(lambda lib, x, y: lib.cat([x, y], 1), [(2, 3), (2, 5)], gradgrad=True)
    check_op(lambda lib, x, y: lib.cat([x, y]), [(0, 3), (2, 3)])
    check_op(lambda lib, x, y: lib.stack([x, y], -1), [(2, 3), (2, 3)])
    check_op(lambda lib, x: x.split(2, 1), [(3, 5)])
    check_op(lambda lib, x: x.split([1, 4], 1), [(3, 5)])
    check_op(lambda lib, x: x.chunk(3, 0), [(7, 2)])


PAD_CASES = [
    (mode, widths)
    for mode in ("constant", "reflect", "replicate", "circular")
    for widths in ((1, 2, 2, 1), (0, 1, 1, 0))
] + [("constant", (-1, 2, 1, -1))]  # negative widths crop


@pytest.mark.parametrize("mode,widths", PAD_CASES)
def test_pad(mode, widths):
    def fn(lib, x):
        pad = lib.pad if lib is lamina else lib.nn.functional.pad
        return pad(x, widths, mode=mode, **({"value": 0.5} if mode == "constant" else {}))

    check_op(fn, [(1, 2, 4, 5)], gradgrad=widths == (1, 2, 2, 1))


def test_views_share_memory_and_copies_do_not():
    x = lamina.zeros(2, 3)
    x.reshape(3, 2)[0, 0] = 1.0
    x.transpose(0, 1)[2, 1] = 2.0
    x[0][1] = 3.0
    assert x.tolist() == [[1.0, 3.0, 0.0], [0.0, 0.0, 2.0]]
    flipped = x.flip(0)
    flipped[0, 0] = 100.0  # flip copies, as in torch
    assert x[1, 0].item() == 0.0


def test_view_refuses_incompatible_layout():
    x = lamina.zeros(3, 4).t()
    with pytest.raises(lamina.ShapeError, match="reshape"):
        x.view(12)
    assert x.reshape(12).shape == (12,)


def test_bad_shapes_are_shape_errors():
    x = lamina.zeros(2, 3)
    with pytest.raises(lamina.ShapeError, match=r"shape \[4, 2\] is invalid for input of size 6"):
        x.reshape(4, 2)
    with pytest.raises(lamina.ShapeError, match="expanded size"):
        x.expand(2, 4)
    with pytest.raises(lamina.ShapeError, match="permutation"):
        x.permute(0, 0)
    with pytest.raises(lamina.ShapeError, match="cat: sizes of tensors must match"):
        lamina.cat([x, lamina.zeros(3, 2)])
    with pytest.raises(lamina.ShapeError, match="stack: expects each tensor to be equal size"):
        lamina.stack([x, lamina.zeros(3, 2)])
    with pytest.raises(IndexError, match="dimension out of range"):
        x.sum(2)
    with pytest.raises(lamina.ShapeError, match="sum to 4"):
        x.split([1, 3], 1)


def test_roll_and_flip_values():
    x = lamina.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(x.roll(1, 1).numpy(), np.roll(np.arange(6).reshape(2, 3), 1, 1))
    np.testing.assert_array_equal(x.flip(1).numpy(), np.arange(6).reshape(2, 3)[:, ::-1])


@pytest.mark.parametrize(
    "make,op",
    [
        (lambda x: x.reshape(2.5, 8), "reshape"),
        (lambda x: x.reshape(16.0), "reshape"),
        (lambda x: x.view(2.0, 8), "view"),
        (lambda x: x.expand(4.0, 4), "expand"),
        (lambda x: lamina.zeros(2.0, 3), "new tensor"),
    ],
)
def test_a_size_that_is_not_an_integer_is_an_error_not_truncated(make, op):
    x = lamina.randn(4, 4)
    with pytest.raises(lamina.ShapeError, match=f"{op}: sizes .* not an integer"):
        make(x)
    assert x.reshape(np.int64(2), 8).shape == (2, 8)  # NumPy's integers are integers


def test_reshape_sizes_numpy_would_take_are_still_checked():
    """reshape leaves the size checks to NumPy's reshape, which takes any negative size as -1."""
    x = lamina.arange(16.0)
    for bad, message in [((-2, 8), "at most one -1"), ((-1, -1), "at most one -1"), ((3, 5), "invalid for input")]:
        with pytest.raises(lamina.ShapeError, match=f"reshape: shape .* is invalid.*{message}|{message}"):
            x.reshape(*bad)
    assert x.reshape(np.int64(16)).shape == (16,) and x.reshape(lamina.tensor(16)).shape == (16,)
    assert x.reshape(np.array([2, 8])).shape == (2, 8) and x.reshape([4, -1]).shape == (4, 4)
    same = x.reshape(16)
    assert same is not x and same._base is x  # a view, as in PyTorch


def test_unsqueeze_is_a_view_at_every_dim():
    x = lamina.arange(6.0).reshape(2, 3)
    for dim, shape in [(0, (1, 2, 3)), (1, (2, 1, 3)), (2, (2, 3, 1)), (-1, (2, 3, 1)), (-3, (1, 2, 3))]:
        y = x.unsqueeze(dim)
        assert y.shape == shape and y._base is x._base
        np.testing.assert_array_equal(y.numpy(), np.expand_dims(x.numpy(), dim))
    x.unsqueeze(1)[1, 0, 2] = 50.0  # writes through, as in torch
    assert x[1, 2].item() == 50.0
    assert lamina.tensor(3.0).unsqueeze(0).shape == (1,) and lamina.tensor(3.0).unsqueeze(-1).shape == (1,)
    with pytest.raises(IndexError, match=r"unsqueeze: dimension out of range \(expected to be in range of \[-3, 2\]"):
        x.unsqueeze(3)


@pytest.mark.parametrize("dim", [1.0, "a", None, [0, 1.5]])
def test_a_dim_that_is_not_an_integer_is_a_type_error_naming_the_op(dim):
    x = lamina.zeros(2, 3)
    if not isinstance(dim, list):
        with pytest.raises(TypeError, match="unsqueeze: dim must be an int"):
            x.unsqueeze(dim)
    if dim is not None:  # (sum(None) is the sum of all)
        with pytest.raises(TypeError, match="sum: dim must be an int"):
            x.sum(dim)
    assert x.sum(np.int64(1)).shape == (2,) and x.unsqueeze(np.int64(1)).shape == (2, 1, 3)


def test_a_0d_tensor_checks_its_dim_too():
    with pytest.raises(IndexError, match="sum: dimension out of range"):
        lamina.tensor(1.0).sum(1)
    assert lamina.tensor(1.0).sum(-1).item() == 1.0
