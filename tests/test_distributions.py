"""lamina.distributions against torch.distributions: log_prob, entropy and their gradients (gradchecked in
float64, compared with torch), sampling frequencies, and the reparameterised Normal."""

import math

import numpy as np
import pytest

import lamina
from lamina.distributions import Bernoulli, Categorical, Normal
from tests.helpers import check_op

VALUES = [[0, 2, 1], [1, 1, 0]]


def test_categorical_log_prob_and_entropy_from_logits_and_probs():
    check_op(
        lambda lib, x: lib.distributions.Categorical(logits=x).log_prob(lib.tensor(VALUES, device=x.device)),
        [(2, 3, 4)],
    )
    check_op(lambda lib, x: lib.distributions.Categorical(logits=x).entropy(), [(3, 5)])
    check_op(lambda lib, x: lib.distributions.Categorical(probs=x).log_prob(lib.tensor([1, 0, 3], device=x.device)), [(3, 4)],
             positive=True)  # fmt: skip
    check_op(lambda lib, x: lib.distributions.Categorical(probs=x).entropy(), [(2, 4)], positive=True)


def test_normal_and_bernoulli_match_torch():
    check_op(lambda lib, m, s: lib.distributions.Normal(m, s).log_prob(lib.tensor([0.5, -1.0, 2.0], device=m.device)), [(3,), (3,)],
             positive=True)  # fmt: skip
    check_op(lambda lib, x: lib.distributions.Normal(x, x.exp()).entropy(), [(4,)])
    check_op(lambda lib, x: lib.distributions.Normal(x, 2.0).cdf(lib.tensor([0.0, 1.0, -1.0], device=x.device)), [(3,)])
    check_op(
        lambda lib, x: lib.distributions.Bernoulli(logits=x).log_prob(lib.tensor([1.0, 0.0, 1.0], device=x.device)),
        [(3,)],
    )
    check_op(lambda lib, x: lib.distributions.Bernoulli(logits=x).entropy(), [(5,)])


def test_categorical_samples_follow_the_probabilities():
    probs = lamina.tensor([0.1, 0.6, 0.3])
    draws = Categorical(probs=probs).sample((20_000,), generator=lamina.Generator().manual_seed(0)).numpy()
    frequencies = np.bincount(draws, minlength=3) / len(draws)
    assert np.abs(frequencies - [0.1, 0.6, 0.3]).max() < 0.015  # 20,000 draws: sd about 0.0035
    batch = Categorical(logits=lamina.zeros(4, 5))
    assert batch.sample().shape == (4,) and batch.sample((2, 3)).shape == (2, 3, 4)
    assert batch.enumerate_support().shape == (5, 4)


def test_normal_rsample_is_differentiable_and_sample_is_not():
    loc = lamina.tensor([1.0, -2.0], requires_grad=True)
    scale = lamina.tensor([0.5, 2.0], requires_grad=True)
    drawn = Normal(loc, scale).rsample((1000,), generator=lamina.Generator().manual_seed(1))
    drawn.mean(0).sum().backward()
    assert np.allclose(loc.grad.numpy(), [1.0, 1.0])
    assert abs(float(drawn.detach().mean(0)[0]) - 1.0) < 0.1 and not Normal(loc, scale).sample().requires_grad


def test_a_reinforce_step_as_pytorch_examples_write_it():
    """pytorch/examples reinforcement_learning/reinforce.py: sample an action, weight its log-prob by the return."""
    lamina.manual_seed(0)
    policy = lamina.nn.Sequential(lamina.nn.Linear(4, 16), lamina.nn.ReLU(), lamina.nn.Linear(16, 2))
    probs = policy(lamina.randn(1, 4)).softmax(-1)
    m = Categorical(probs)
    action = m.sample()
    loss = -m.log_prob(action) * 1.5
    loss.sum().backward()
    assert all(p.grad is not None for p in policy.parameters())


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="either `probs` or `logits`"):
        Categorical()
    with pytest.raises(ValueError, match="probs must be non-negative"):
        Categorical(probs=lamina.tensor([0.5, -0.1]))
    with pytest.raises(ValueError, match="scale must be positive"):
        Normal(0.0, lamina.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"values must be in 0..2"):
        Categorical(logits=lamina.zeros(3)).log_prob(lamina.tensor(3))
    with pytest.raises(ValueError, match=r"probs must lie in \[0, 1\]"):
        Bernoulli(probs=lamina.tensor([1.5]))


def _kl(kind):
    def divergence(lib, a, b):
        D = lib.distributions
        if kind == "Normal":
            p, q = D.Normal(a[0], a[1].abs() + 0.5), D.Normal(b[0], b[1].abs() + 0.5)
        else:
            p, q = getattr(D, kind)(logits=a), getattr(D, kind)(logits=b)
        return D.kl_divergence(p, q)

    return divergence


@pytest.mark.parametrize("kind,shape", [("Normal", (2, 3)), ("Categorical", (2, 4)), ("Bernoulli", (3,))])
def test_kl_divergence_matches_torch_with_gradients(kind, shape):
    check_op(_kl(kind), [shape, shape])


def test_kl_divergence_edges_and_unknown_pairs():
    D = lamina.distributions
    p, q = D.Categorical(probs=lamina.tensor([0.5, 0.5, 0.0])), D.Categorical(probs=lamina.tensor([1.0, 0.0, 0.0]))
    assert D.kl_divergence(q, p).item() == pytest.approx(math.log(2))  # q's zero mass: no contribution
    assert D.kl_divergence(p, q).item() == math.inf  # p's mass where q has none
    sure = D.Bernoulli(probs=lamina.tensor([1.0]))
    assert D.kl_divergence(sure, D.Bernoulli(probs=lamina.tensor([0.0]))).item() == math.inf
    assert D.kl_divergence(sure, sure).item() == 0
    with pytest.raises(NotImplementedError, match=r"KL\(Normal \|\| Categorical\)"):
        D.kl_divergence(D.Normal(lamina.zeros(1), lamina.ones(1)), p)

    class Shifted(D.Normal):
        pass

    @D.register_kl(Shifted, D.Normal)
    def _shifted(a, b):
        return lamina.zeros(1) - 1

    assert (
        D.kl_divergence(Shifted(lamina.zeros(1), lamina.ones(1)), D.Normal(lamina.zeros(1), lamina.ones(1))).item()
        == -1
    )
