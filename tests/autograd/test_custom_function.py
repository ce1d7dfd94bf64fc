"""lamina.autograd.Function as PyTorch's: Tensors in forward and backward (issue 17)."""

import numpy as np
import pytest
from helpers import torch

import lamina
from lamina.autograd import Function, gradcheck, gradgradcheck, once_differentiable


class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x.clamp(min=-10) ** 3 * scale  # Tensor methods inside forward, as in PyTorch

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return grad_out * 3 * x**2 * ctx.scale, None


def test_a_user_function_sees_tensors_and_is_gradchecked_to_second_order():
    x = lamina.randn(4, dtype=lamina.float64, requires_grad=True)
    assert gradcheck(lambda t: Cube.apply(t, 2.0), [x])
    assert gradgradcheck(lambda t: Cube.apply(t, 2.0), [x])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward0" and y.grad_fn.next_functions[0][0].variable is x


def test_several_outputs_and_a_non_differentiable_one():
    class SortWithIndex(Function):
        @staticmethod
        def forward(ctx, x):
            values, indices = x.sort()
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            return values * 2, values.exp(), indices

        @staticmethod
        def backward(ctx, grad_double, grad_exp, grad_indices):
            (indices,) = ctx.saved_tensors
            return lamina.zeros_like(grad_double).scatter(0, indices, grad_double * 2)

    x = lamina.tensor([3.0, 1.0, 2.0], requires_grad=True)
    doubled, exponential, indices = SortWithIndex.apply(x)
    assert not indices.requires_grad and indices.tolist() == [1, 2, 0]
    doubled.sum().backward()  # the unused output's gradient is materialised as zeros
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_once_differentiable_refuses_a_double_backward():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 2 * x

    x = lamina.tensor([1.0, 2.0], requires_grad=True)
    Square.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(lamina.AutogradError, match="once_differentiable"):
        lamina.autograd.grad(Square.apply(x * 1).sum(), x, create_graph=True)


def test_saved_tensors_are_checked_for_in_place_changes_and_freed():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 1

        @staticmethod
        def backward(ctx, grad_out):
            _ = ctx.saved_tensors  # checks the saved tensor's version
            return grad_out

    x = lamina.ones(2, requires_grad=True)
    h = x * 2
    y = Identity.apply(h)
    h.add_(1)
    with pytest.raises(lamina.AutogradError, match="modified by an inplace operation"):
        y.sum().backward()
    y = Identity.apply(x * 2)
    y.sum().backward()
    with pytest.raises(lamina.AutogradError, match="backward through the graph a second time"):
        y.sum().backward()


@pytest.mark.skipif(torch is None, reason="compares with torch, which is not installed")
def test_the_same_function_class_body_runs_on_both_libraries():
    def make(lib):
        class Legendre(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return 0.5 * (5 * x**3 - 3 * x)

            @staticmethod
            def backward(ctx, grad_out):
                (x,) = ctx.saved_tensors
                return grad_out * 1.5 * (5 * x**2 - 1)

        return Legendre

    data = np.linspace(-1, 1, 5)
    ours, theirs = lamina.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    make(lamina).apply(ours).sum().backward()
    make(torch).apply(theirs).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())
