"""Property tests: any broadcastable pair of shapes gives NumPy's result shape and correct gradients."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import lamina

SHAPES = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3)


@settings(max_examples=60, deadline=None)
@given(shapes=SHAPES, op=st.sampled_from(["add", "sub", "mul", "div", "maximum"]))
def test_broadcast_values_and_gradients(shapes, op):
    shape_a, shape_b = shapes.input_shapes
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal(shape_a), rng.standard_normal(shape_b) + 3.0
    a = lamina.tensor(a_np, requires_grad=True)
    b = lamina.tensor(b_np, requires_grad=True)
    functions = {
        "add": (lambda x, y: x + y, np.add),
        "sub": (lambda x, y: x - y, np.subtract),
        "mul": (lambda x, y: x * y, np.multiply),
        "div": (lambda x, y: x / y, np.divide),
        "maximum": (lamina.maximum, np.maximum),
    }
    ours, reference = functions[op]
    out = ours(a, b)
    assert out.shape == shapes.result_shape
    np.testing.assert_allclose(out.numpy(), reference(a_np, b_np))
    out.sum().backward()
    assert a.grad.shape == tuple(shape_a) and b.grad.shape == tuple(shape_b)
    if op == "add":  # d(sum(a + b))/da counts how often each element of a was broadcast
        copies = int(np.prod(shapes.result_shape)) // max(a_np.size, 1) if a_np.size else 0
        np.testing.assert_allclose(a.grad.numpy(), np.full(shape_a, float(copies)))


@settings(max_examples=30, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, min_side=1, max_side=3))
def test_broadcast_gradcheck(shapes):
    shape_a, shape_b = shapes.input_shapes
    rng = np.random.default_rng(1)
    a = lamina.tensor(rng.standard_normal(shape_a), requires_grad=True)
    b = lamina.tensor(rng.standard_normal(shape_b), requires_grad=True)
    assert lamina.autograd.gradcheck(lambda x, y: x * y + x.exp() / (1 + y * y), [a, b])


@settings(max_examples=30, deadline=None)
@given(
    shapes=st.tuples(
        st.lists(st.integers(2, 4), min_size=2, max_size=2), st.lists(st.integers(2, 4), min_size=2, max_size=2)
    )
)
def test_incompatible_shapes_raise_shape_error(shapes):
    shape_a, shape_b = shapes
    try:
        expected = np.broadcast_shapes(tuple(shape_a), tuple(shape_b))
    except ValueError:
        expected = None
    try:
        result = (lamina.zeros(*shape_a) + lamina.zeros(*shape_b)).shape
    except lamina.ShapeError:
        result = None
    assert result == expected
