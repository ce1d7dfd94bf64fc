"""lamina.testing.assert_close: PyTorch's tolerance check for tests, with its default tolerances per dtype.

|actual - expected| <= atol + rtol * |expected| everywhere, NaN equal to NaN only with equal_nan=True; shapes
and (with check_dtype) dtypes must agree. The failure message says what torch's says: how many elements
mismatched, and the greatest absolute and relative differences with where they are.
"""

import numpy as np

from lamina.tensor import Tensor

# (rtol, atol) by dtype name: torch.testing's defaults
_DEFAULTS = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _array(value):
    if isinstance(value, Tensor):
        return np.asarray(value.detach().array), value.dtype.name
    array = np.asarray(value)
    return array, array.dtype.name


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True, msg=None, **_):
    if (rtol is None) != (atol is None):
        raise ValueError("assert_close: pass both rtol and atol, or neither (the dtype's defaults).")
    if (
        isinstance(actual, (list, tuple))
        and isinstance(expected, (list, tuple))
        and any(isinstance(v, Tensor) for v in (*actual, *expected))
    ):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg)
        return
    have, have_dtype = _array(actual)
    want, want_dtype = _array(expected)
    if have.shape != want.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {have.shape} != {want.shape}.")
    if check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor) and have_dtype != want_dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: {have_dtype} != {want_dtype}.")
    if rtol is None:
        rtol, atol = _DEFAULTS.get(have_dtype, (0.0, 0.0)) if have.dtype.kind in "fc" else (0.0, 0.0)
    have64, want64 = have.astype(np.float64), want.astype(np.float64)
    difference = np.abs(have64 - want64)
    close = difference <= atol + rtol * np.abs(want64)
    both_nan = np.isnan(have64) & np.isnan(want64)
    close |= both_nan if equal_nan else False
    close |= (have64 == want64) & ~np.isnan(have64)  # equal infinities
    if close.all():
        return
    mismatched = int((~close).sum())
    difference = np.where(np.isnan(difference), np.inf, difference)
    worst = np.unravel_index(int(np.argmax(np.where(close, -1, difference))), have.shape) if have.ndim else ()
    relative = difference / np.where(np.abs(want64) > 0, np.abs(want64), np.inf)
    worst_relative = np.unravel_index(int(np.argmax(np.where(close, -1, relative))), have.shape) if have.ndim else ()
    raise AssertionError(
        msg
        or (
            f"Tensor-likes are not close!\n\nMismatched elements: {mismatched} / {have.size} "
            f"({100 * mismatched / max(have.size, 1):.1f}%)\n"
            f"Greatest absolute difference: {difference[worst]:.6g} at index {worst} (up to {atol} allowed)\n"
            f"Greatest relative difference: {relative[worst_relative]:.6g} at index {worst_relative} "
            f"(up to {rtol} allowed)"
        )
    )
