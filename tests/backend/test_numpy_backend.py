"""The CPU backend's own array helpers (the ops' arithmetic is tested through the ops)."""

import numpy as np
import pytest

from lamina.backend import cpu


@pytest.mark.parametrize(
    "shape,target",
    [((), (3, 4)), ((1,), (5,)), ((3, 1), (2, 3, 4)), ((1, 4), (3, 4)), ((2, 3), (2, 3)), ((1,), (0,))],
)
def test_broadcast_to_matches_numpy_and_is_read_only(shape, target):
    array = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    view = cpu.backend.broadcast_to(array, target)
    np.testing.assert_array_equal(view, np.broadcast_to(array, target))
    assert view.shape == target and not view.flags.writeable
    assert np.shares_memory(view, array) or view.size == 0


def test_broadcast_to_of_a_strided_array_and_a_bad_shape():
    array = np.arange(12.0).reshape(3, 4)[:, ::2]  # not contiguous: NumPy's own path
    np.testing.assert_array_equal(cpu.backend.broadcast_to(array, (2, 3, 2)), np.broadcast_to(array, (2, 3, 2)))
    with pytest.raises(ValueError):
        cpu.backend.broadcast_to(np.ones((2, 3)), (4, 3))
