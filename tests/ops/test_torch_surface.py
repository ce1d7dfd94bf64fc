"""The wider PyTorch surface (issue 17): each name gradchecked in float64 and compared with torch by check_op."""

import numpy as np
import pytest
from helpers import check_op, torch

import lamina


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda lib, a, b: lib.mm(a, b), [(3, 4), (4, 2)]),
        (lambda lib, a, b: lib.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
        (lambda lib, a, b: lib.mv(a, b), [(3, 4), (4,)]),
        (lambda lib, a, b: lib.dot(a, b), [(4,), (4,)]),
        (lambda lib, a, b: lib.outer(a, b), [(3,), (4,)]),
        (lambda lib, x: lib.tril(x), [(4, 5)]),
        (lambda lib, x: lib.triu(x, 1), [(2, 4, 3)]),
        (lambda lib, x: lib.tril(x, -1), [(3, 3)]),
        (lambda lib, x: x.diagonal(), [(4, 3)]),
        (lambda lib, x: x.diagonal(1, 0, 2), [(3, 2, 4)]),
        (lambda lib, x: x.diagonal(-1), [(4, 4)]),
        (lambda lib, x: lib.diag(x), [(3,)]),
        (lambda lib, x: lib.diag(x, 1), [(3,)]),
        (lambda lib, x: lib.diag(x, -2), [(4, 4)]),
        (lambda lib, x: lib.trace(x), [(3, 3)]),
        (lambda lib, x: x.norm(), [(3, 4)]),
        (lambda lib, x: x.norm(dim=1, keepdim=True), [(3, 4)]),
        (lambda lib, x: x.norm(p=1, dim=0), [(3, 4)]),
        (lambda lib, x: x.norm(p=3, dim=1), [(3, 4)]),
        (lambda lib, x: x.norm(p=float("inf")), [(3, 4)]),
        (lambda lib, x: x.narrow(1, 1, 2), [(3, 4)]),
        (lambda lib, x: x.select(0, -1), [(3, 4)]),
        (lambda lib, x: lib.stack(x.unbind(1), 0), [(3, 4)]),
        (lambda lib, x: x.unflatten(1, (2, -1)), [(3, 4)]),
        (lambda lib, x: x.repeat_interleave(2, dim=1), [(2, 3)]),
        (lambda lib, x: x.repeat_interleave(3), [(2, 2)]),
        (lambda lib, x: x.cumsum(1), [(3, 4)]),
        (lambda lib, x: x.cumsum(0), [(5,)]),
        (lambda lib, x: x.sort(1).values, [(3, 5)]),
        (lambda lib, x: x.sort(0, descending=True).values, [(4, 3)]),
        (lambda lib, x: x.topk(2, dim=1).values, [(3, 5)]),
        (lambda lib, x: x.topk(2, largest=False).values, [(6,)]),
        (lambda lib, x: x.kthvalue(2, 1).values, [(3, 5)]),
        (lambda lib, x: x.median(1).values, [(3, 5)]),
        (lambda lib, x: x.median(), [(7,)]),
        (lambda lib, x: lib.addcmul(x, x, x, value=0.5), [(3,)]),
        (lambda lib, x, y: lib.lerp(x, y, 0.3), [(3,), (3,)]),
        (lambda lib, x: x.square() + x.frac(), [(4,)]),
        (lambda lib, x: x.floor() + x.ceil() + x.round() + x.trunc() + x, [(5,)]),
    ],
)
def test_differentiable_names_match_torch(fn, shapes):
    check_op(fn, shapes)


def test_log1p_and_expm1_keep_precision_for_tiny_inputs():
    check_op(lambda lib, x: x.log1p(), [(4,)], positive=True)
    check_op(lambda lib, x: x.expm1(), [(4,)])
    tiny = lamina.tensor([1e-10], dtype=lamina.float32)
    assert tiny.log1p().item() == pytest.approx(1e-10, rel=1e-6)  # log(1 + x) would give 0
    assert tiny.expm1().item() == pytest.approx(1e-10, rel=1e-6)


def test_norm_of_zeros_has_a_zero_gradient_as_torch():
    x = lamina.zeros(3, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_rank_checks_name_the_op():
    with pytest.raises(lamina.ShapeError, match="bmm: input must be a 3-D tensor; got shape"):
        lamina.bmm(lamina.ones(2, 3), lamina.ones(3, 2))
    with pytest.raises(lamina.ShapeError, match="bmm: batch sizes differ"):
        lamina.bmm(lamina.ones(2, 3, 4), lamina.ones(3, 4, 2))
    with pytest.raises(IndexError, match="narrow: start"):
        lamina.ones(3).narrow(0, 2, 5)
    with pytest.raises(IndexError, match="topk: k"):
        lamina.ones(3).topk(4)


@pytest.mark.skipif(torch is None, reason="compares with torch, which is not installed")
def test_integer_results_equal_torchs():
    data = np.array([[3, 0, 2], [0, 5, 5]])
    ours, theirs = lamina.tensor(data), torch.tensor(data)
    assert ours.nonzero().tolist() == theirs.nonzero().tolist()
    assert [t.tolist() for t in ours.nonzero(as_tuple=True)] == [t.tolist() for t in theirs.nonzero(as_tuple=True)]
    for flags in ((False, False), (True, True)):
        a = lamina.unique(ours, return_inverse=flags[0], return_counts=flags[1])
        b = torch.unique(theirs, return_inverse=flags[0], return_counts=flags[1])
        assert [t.tolist() for t in (a if isinstance(a, tuple) else (a,))] == [
            t.tolist() for t in (b if isinstance(b, tuple) else (b,))
        ]
    flat = lamina.tensor([1, 1, 3, 0]), torch.tensor([1, 1, 3, 0])
    assert flat[0].bincount(minlength=6).tolist() == flat[1].bincount(minlength=6).tolist()
    assert lamina.tensor([2.0, 1.0, 2.0, 0.5]).argsort(descending=True).tolist() == [0, 2, 1, 3]  # stable ties
    boundaries = [1.0, 2.0, 3.0]
    values = [0.5, 2.0, 3.5]
    for right in (False, True):
        assert (
            lamina.searchsorted(lamina.tensor(boundaries), lamina.tensor(values), right=right).tolist()
            == torch.searchsorted(torch.tensor(boundaries), torch.tensor(values), right=right).tolist()
        )
    grid = lamina.meshgrid(lamina.arange(2), lamina.arange(3), indexing="xy")
    their_grid = torch.meshgrid(torch.arange(2), torch.arange(3), indexing="xy")
    assert [g.tolist() for g in grid] == [g.tolist() for g in their_grid]
    assert lamina.nn.functional.one_hot(lamina.tensor([0, 2]), 4).tolist() == (
        torch.nn.functional.one_hot(torch.tensor([0, 2]), 4).tolist()
    )
    assert lamina.repeat_interleave(lamina.tensor([1, 0, 2])).tolist() == [0, 2, 2]
    assert lamina.tensor([1, 2, 3]).cumsum(0).dtype is lamina.int64


@pytest.mark.skipif(torch is None, reason="compares with torch, which is not installed")
def test_scatter_index_add_and_fill_match_torch_with_gradients():
    rng = np.random.default_rng(0)
    x, src = rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    index = np.array([[0, 3], [1, 1], [2, 0]])
    ours_x, ours_src = lamina.tensor(x, requires_grad=True), lamina.tensor(src, requires_grad=True)
    their_x, their_src = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    ours = lamina.scatter(ours_x, 1, lamina.tensor(index[:, :1]), ours_src[:, :1]) * 2
    theirs = torch.scatter(their_x, 1, torch.tensor(index[:, :1]), their_src[:, :1]) * 2
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), their_x.grad.numpy())
    np.testing.assert_allclose(ours_src.grad.numpy(), their_src.grad.numpy())
    rows = [0, 2, 0]
    ours = lamina.zeros(3, 2, dtype=lamina.float64).index_add_(0, lamina.tensor(rows), lamina.tensor(x[:, :2]))
    theirs = torch.zeros(3, 2, dtype=torch.float64).index_add_(0, torch.tensor(rows), torch.tensor(x[:, :2]))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    ours = lamina.tensor(x).index_fill_(1, lamina.tensor([0, 2]), -1.0)
    theirs = torch.tensor(x).index_fill_(1, torch.tensor([0, 2]), -1.0)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    ours = lamina.zeros(2, 3).scatter_(1, lamina.tensor([[1], [2]]), 5.0)
    theirs = torch.zeros(2, 3).scatter_(1, torch.tensor([[1], [2]]), 5.0)
    assert ours.tolist() == theirs.tolist()
    ours = lamina.zeros(2, 3).scatter_add_(1, lamina.tensor([[1, 1]]), lamina.ones(1, 2))
    theirs = torch.zeros(2, 3).scatter_add_(1, torch.tensor([[1, 1]]), torch.ones(1, 2))
    assert ours.tolist() == theirs.tolist()


def test_generators_are_streams_of_their_own():
    first = lamina.randn(3, generator=lamina.Generator().manual_seed(7))
    lamina.randn(5)  # the global stream moves; a seeded Generator does not care
    second = lamina.randn(3, generator=lamina.Generator().manual_seed(7))
    assert first.tolist() == second.tolist()
    g = lamina.Generator().manual_seed(1)
    state = g.get_state()
    a = lamina.randint(0, 10, (4,), generator=g)
    g.set_state(state)
    assert lamina.randint(0, 10, (4,), generator=g).tolist() == a.tolist()
    assert lamina.randperm(5, generator=lamina.Generator().manual_seed(3)).sort().values.tolist() == [0, 1, 2, 3, 4]
    parts = lamina.utils.data.random_split(range(10), [7, 3], generator=lamina.Generator().manual_seed(42))
    again = lamina.utils.data.random_split(range(10), [7, 3], generator=lamina.Generator().manual_seed(42))
    assert list(parts[0].indices) == list(again[0].indices)


def test_multinomial_draws_follow_the_weights():
    weights = lamina.tensor([0.1, 0.0, 0.6, 0.3])
    draws = lamina.multinomial(weights, 20000, replacement=True, generator=lamina.Generator().manual_seed(0))
    frequencies = np.bincount(draws.numpy(), minlength=4) / 20000
    np.testing.assert_allclose(frequencies, [0.1, 0.0, 0.6, 0.3], atol=0.015)  # 3 sd of a 20000-draw binomial
    picks = lamina.multinomial(lamina.tensor([[1.0, 0.0, 1.0, 1.0]] * 50), 3)
    assert all(sorted(row) == [0, 2, 3] for row in picks.tolist())  # without replacement: distinct, never weight 0
    with pytest.raises(ValueError, match="without replacement from 4 categories"):
        lamina.multinomial(weights, 5)
    with pytest.raises(ValueError, match="non-negative"):
        lamina.multinomial(lamina.tensor([1.0, -1.0]), 1)


def test_in_place_draws_and_normal():
    x = lamina.empty(2000).normal_(2.0, 0.5, generator=lamina.Generator().manual_seed(0))
    assert abs(x.mean().item() - 2.0) < 0.05 and abs(x.std().item() - 0.5) < 0.05
    u = lamina.empty(2000).uniform_(-1, 1)
    assert -1 <= u.min().item() and u.max().item() < 1
    assert set(lamina.empty(100).bernoulli_(0.5).unique().tolist()) <= {0.0, 1.0}
    assert lamina.normal(lamina.zeros(3), lamina.ones(3)).shape == (3,)
    with pytest.raises(lamina.AutogradError, match="leaf"):
        lamina.zeros(2, requires_grad=True).normal_()


def test_numpy_sharing_dtypes_queries_and_types():
    array = np.zeros(3, dtype=np.float32)
    shared = lamina.from_numpy(array)
    array[0] = 5
    assert shared[0].item() == 5 and lamina.as_tensor(array).array is array
    assert lamina.as_tensor(shared) is shared and lamina.as_tensor([1, 2]).dtype is lamina.int64
    assert lamina.finfo(lamina.float32).eps == np.finfo(np.float32).eps and lamina.iinfo(lamina.int8).max == 127
    assert lamina.get_default_dtype() is lamina.float32
    assert lamina.ones(2).type() == "torch.FloatTensor" and lamina.ones(2).type(lamina.float64).dtype is lamina.float64
    assert lamina.ones(2, dtype=lamina.int64).type("torch.FloatTensor").dtype is lamina.float32
    assert not lamina.ones(1).is_cuda and lamina.ones(1).is_cpu and lamina.ones(1).get_device() == -1
    flags = ("is_xpu", "is_mps", "is_vulkan", "is_xla", "is_sparse", "is_sparse_csr", "is_quantized", "is_meta")
    assert not any(getattr(lamina.ones(1), flag) for flag in flags)  # dcgan asks `input.is_xpu`
    assert lamina.backends.cudnn.is_available() is False and lamina.backends.cudnn.version() is None
    assert lamina.equal(lamina.ones(2), lamina.ones(2)) and not lamina.equal(lamina.ones(2), lamina.ones(3))
    assert lamina.allclose(lamina.ones(2), lamina.ones(2) + 1e-9)
    assert lamina.cuda.is_available() is False and lamina.backends.mps.is_available() is False
    assert lamina.accelerator.current_accelerator() is None and lamina.cuda.device_count() == 0
    with lamina.inference_mode():
        assert not (lamina.ones(1, requires_grad=True) * 2).requires_grad
    set_to = lamina.float64
    lamina.set_default_dtype(set_to)
    try:
        assert lamina.tensor([1.5]).dtype is lamina.float64 and lamina.zeros(1).dtype is lamina.float64
    finally:
        lamina.set_default_dtype(lamina.float32)


def test_torch_jit_names_run_the_model_eagerly_and_refuse_archives(tmp_path):
    model = lamina.nn.Linear(2, 3)
    assert lamina.jit.script(model) is model and lamina.jit.trace(model, lamina.ones(1, 2)) is model

    @lamina.jit.script
    def double(x):
        return x * 2

    assert double(lamina.ones(2)).tolist() == [2.0, 2.0]
    assert not lamina.jit.is_scripting() and lamina.jit.annotate(int, 3) == 3
    with pytest.raises(lamina.errors.CheckpointError, match="no TorchScript archives"):
        lamina.jit.save(model, tmp_path / "m.pt")
    with pytest.raises(TypeError, match="jit.trace: expects a module or a function"):
        lamina.jit.trace(3, None)
