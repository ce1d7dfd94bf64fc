"""gradcheck and gradgradcheck are public API: they must pass right backwards and catch wrong ones."""

import pytest

import lamina
from lamina.autograd import Function, gradcheck, gradgradcheck


class WrongSquare(Function):
    """x^2 with a backward that forgets the factor 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * x


class FirstOrderOnlySquare(Function):
    """x^2 whose backward is right in value but cut from the graph, so second derivatives are 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * x.detach() * 2


def test_gradcheck_passes_and_catches_a_wrong_backward():
    x = lamina.randn(3, dtype=lamina.float64, requires_grad=True)
    assert gradcheck(lambda t: (t * t).sum(), [x])
    assert not gradcheck(WrongSquare.apply, [x], raise_exception=False)
    with pytest.raises(lamina.AutogradError, match="Jacobian mismatch for input 0"):
        gradcheck(WrongSquare.apply, [x])


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = lamina.randn(3, dtype=lamina.float64, requires_grad=True)
    assert gradcheck(FirstOrderOnlySquare.apply, [x])
    assert gradgradcheck(lambda t: t * t * t, [x])
    assert not gradgradcheck(FirstOrderOnlySquare.apply, [x], raise_exception=False)


def test_gradcheck_wants_float64():
    with pytest.raises(lamina.AutogradError, match="float64"):
        gradcheck(lambda t: t * 2, [lamina.randn(2, requires_grad=True)])
