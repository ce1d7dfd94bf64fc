"""Special functions (lgamma, digamma, polygamma, erfinv, lamina.special), cumprod, fmax/fmin, copysign,
take/diagflat/dist, the bitwise ops and the Tensor methods PyTorch offers under its other names: each
gradchecked and compared with torch (check_op), or compared with torch where it has no gradient."""

import numpy as np
import pytest
from helpers import check_op

import lamina

torch = pytest.importorskip("torch")


def test_lgamma_digamma_polygamma():
    check_op(lambda lib, x: x.lgamma(), [(3, 4)], positive=True, gradgrad=True)
    check_op(lambda lib, x: lib.lgamma(x * 3 - 1.3), [(5,)], positive=True)  # negative non-integers too
    check_op(lambda lib, x: x.digamma(), [(3, 4)], positive=True, gradgrad=True)
    check_op(lambda lib, x: lib.polygamma(1, x), [(6,)], positive=True, gradgrad=True)
    check_op(lambda lib, x: x.polygamma(2), [(6,)], positive=True, atol=1e-5)
    check_op(lambda lib, x: lib.special.gammaln(x) + lib.special.psi(x), [(4,)], positive=True)


def test_erfinv_and_the_normal_quantiles():
    inside = [np.random.default_rng(3).uniform(-0.95, 0.95, (3, 5))]
    check_op(lambda lib, x: x.erfinv(), arrays=inside, gradgrad=True)
    probabilities = [np.random.default_rng(4).uniform(0.05, 0.95, (7,))]
    check_op(lambda lib, x: lib.special.ndtri(x) + lib.special.ndtr(x), arrays=probabilities)
    x = lamina.tensor([-1.0, 1.0, 1.5])
    assert x.erfinv().tolist()[:2] == [-np.inf, np.inf] and np.isnan(x.erfinv().tolist()[2])


def test_polygamma_refuses_a_bad_order():
    with pytest.raises(ValueError, match="polygamma: n must be a non-negative int"):
        lamina.polygamma(-1, lamina.ones(2))


def test_special_names_match_torch_special():
    x = np.random.default_rng(5).uniform(0.1, 0.9, (6,))
    ours, theirs = lamina.tensor(x), torch.from_numpy(x)
    for name in ("erf", "erfc", "expit", "logit", "expm1", "exp2", "log1p", "sinc", "gammaln", "digamma", "ndtr"):
        np.testing.assert_allclose(
            getattr(lamina.special, name)(ours).numpy(), getattr(torch.special, name)(theirs).numpy(), rtol=1e-12
        )
    np.testing.assert_allclose(
        lamina.special.multigammaln(ours + 2, 3).numpy(), torch.special.multigammaln(theirs + 2, 3).numpy()
    )
    np.testing.assert_allclose(
        lamina.special.softmax(ours, 0).numpy(), torch.special.softmax(theirs, 0).numpy(), rtol=1e-12
    )


@pytest.mark.parametrize(
    "values",
    [
        [[1.5, -2.0, 0.5, 3.0], [0.7, 1.1, -0.4, 2.0]],  # no zeros
        [[1.5, 0.0, 0.5, 3.0], [0.0, 1.1, 0.0, 2.0]],  # a zero, and two in a row's line
        [[0.0, 0.0, 2.0, 1.0], [2.0, 3.0, 4.0, 0.0]],
    ],
)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_with_and_without_zeros(values, dim):
    check_op(lambda lib, x: x.cumprod(dim), arrays=[np.array(values)])
    check_op(lambda lib, x: lib.cumprod(x, dim=dim) * 2, arrays=[np.array(values)])


def test_cumprod_second_derivative_and_dtypes():
    check_op(lambda lib, x: x.cumprod(1), [(3, 4)], gradgrad=True)
    ints = lamina.tensor([[1, 2, 3]], dtype=lamina.int32)
    assert ints.cumprod(1).dtype == lamina.int64 and ints.cumprod(1).tolist() == [[1, 2, 6]]
    assert lamina.tensor([1.0, 2.0]).cumprod(0, dtype=lamina.float64).dtype == lamina.float64


def test_fmax_fmin_ignore_nan():
    check_op(lambda lib, a, b: lib.fmax(a, b) + a.fmin(b), [(3, 4), (3, 4)])
    a = lamina.tensor([np.nan, 1.0, np.nan, 2.0])
    b = lamina.tensor([3.0, np.nan, np.nan, 1.0])
    ta, tb = torch.tensor(a.tolist()), torch.tensor(b.tolist())
    np.testing.assert_array_equal(lamina.fmax(a, b).numpy(), torch.fmax(ta, tb).numpy())
    np.testing.assert_array_equal(lamina.fmin(a, b).numpy(), torch.fmin(ta, tb).numpy())


def test_copysign_keeps_the_sign_bit_of_negative_zero():
    check_op(lambda lib, a, b: lib.copysign(a, b), [(4, 3), (4, 3)], away_from=0.0)
    check_op(lambda lib, a: a.copysign(-1.0), [(5,)], away_from=0.0)
    a, b = lamina.tensor([1.0, 2.0, -3.0]), lamina.tensor([-0.0, 0.0, 5.0])
    assert lamina.copysign(a, b).tolist() == torch.copysign(torch.tensor(a.tolist()), torch.tensor(b.tolist())).tolist()


def test_take_diagflat_dist():
    check_op(lambda lib, x: lib.take(x, lib.tensor([[0, 5], [-1, 2]], device=x.device)), [(2, 3)])
    check_op(lambda lib, x: x.diagflat(1) + lib.diagflat(x, -1).sum(), [(2, 2)])
    check_op(lambda lib, a, b: lib.dist(a, b) + a.dist(b, 3) + a.dist(b, 1), [(3, 4), (4,)], away_from=0.0)
    with pytest.raises(lamina.ShapeError, match="take: index must be an integer tensor"):
        lamina.take(lamina.ones(3), lamina.ones(2))


def test_bitwise_ops_as_torch():
    a, b = np.array([0, 3, 5, -7]), np.array([1, 6, 4, 2])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        ours = getattr(lamina, name)(lamina.tensor(a), lamina.tensor(b))
        theirs = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
        assert ours.tolist() == theirs.tolist() and ours.dtype == lamina.int64
    assert lamina.tensor(a).bitwise_not().tolist() == torch.from_numpy(a).bitwise_not().tolist()
    flags = lamina.tensor([True, False])
    assert flags.bitwise_not().tolist() == [False, True] and flags.bitwise_xor(flags).tolist() == [False, False]
    with pytest.raises(lamina.DTypeError, match="bitwise_and: needs integer or bool tensors; got float32"):
        lamina.ones(2).bitwise_and(lamina.ones(2))


def test_method_aliases_as_torch():
    x = np.array([[1.5, -2.0, 0.25], [3.0, -0.5, 4.0]])
    for expression in (
        lambda t: t.divide(2.0) + t.true_divide(3.0) + t.multiply(t) - t.subtract(1.0),
        lambda t: t.negative() + t.absolute() + t.positive() + t.sgn(),
        lambda t: t.remainder(1.5) + t.floor_divide(2.0) + t.fmax(t * 0.5) + t.logaddexp2(t),
        lambda t: t.greater(0).float() + t.less_equal(1.0).float() + t.not_equal(3.0).float(),
        lambda t: t.sinc() + t.reshape(-1).vdot(t.reshape(-1)),
    ):
        np.testing.assert_allclose(expression(lamina.tensor(x)).numpy(), expression(torch.from_numpy(x)).numpy())
    check_op(lambda lib, t: t.divide(2.0) + t.multiply(t) + t.subtract(t.negative()) + t.absolute(), [(3, 2)])
    square = np.array([[2.0, 1.0], [0.5, 3.0]])
    check_op(lambda lib, t: t.inverse().sum() + t.det(), arrays=[square])


def test_in_place_comparisons_and_forms():
    x = np.array([1.0, -2.0, 3.0, 0.0])
    for name, argument in (("gt_", 0.0), ("le_", 1.0), ("eq_", 3.0), ("ne_", 0.0), ("greater_", -1.0)):
        ours, theirs = lamina.tensor(x), torch.from_numpy(x.copy())
        assert getattr(ours, name)(argument) is ours
        getattr(theirs, name)(argument)
        assert ours.tolist() == theirs.tolist() and ours.dtype == lamina.float64
    ours, theirs = lamina.tensor(x), torch.from_numpy(x.copy())
    ours.logical_not_(), theirs.logical_not_()
    assert ours.tolist() == theirs.tolist()
    ours = lamina.tensor([1.0, 2.0, 0.0, 3.0])
    assert ours.cumprod_(0) is ours and ours.tolist() == [1.0, 2.0, 0.0, 0.0]
    positive = lamina.tensor([0.5, 2.0])
    assert positive.lgamma_().tolist() == torch.tensor([0.5, 2.0], dtype=torch.float32).lgamma().tolist()
    leaf = lamina.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.gt_(0)


def test_predicates():
    x = lamina.tensor([np.inf, -np.inf, 1.0, np.nan])
    t = torch.tensor(x.tolist())
    assert x.isposinf().tolist() == t.isposinf().tolist() and x.isneginf().tolist() == t.isneginf().tolist()
    assert lamina.isreal(x).tolist() == torch.isreal(t).tolist()
    assert not x.is_complex() and x.is_signed() and not lamina.tensor([1], dtype=lamina.uint8).is_signed()
    assert x.ndimension() == 1 and x.is_same_size(lamina.zeros(4)) and lamina.tensor([2.0]).is_nonzero()
    with pytest.raises(lamina.ShapeError, match="is_nonzero: needs a tensor of one element"):
        x.is_nonzero()
    with pytest.raises(lamina.DTypeError, match="positive: not defined for bool"):
        lamina.tensor([True]).positive()
