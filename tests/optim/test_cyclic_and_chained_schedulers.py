"""CyclicLR and ChainedScheduler (issue 17): rates and momenta equal to torch's step by step, exact resume."""

import numpy as np
import pytest

import lamina

torch = pytest.importorskip("torch")


def _schedule(lib, make, optimizer, steps=30):
    parameter = lib.nn.Parameter(lib.zeros(2))
    opt = lib.optim.SGD([parameter], lr=0.1, momentum=0.9) if optimizer == "sgd" else lib.optim.Adam([parameter])
    scheduler = make(lib.optim.lr_scheduler, opt)
    rates = []
    for _ in range(steps):
        opt.step()
        scheduler.step()
        group = opt.param_groups[0]
        rates.append((group["lr"], group["momentum"] if "momentum" in group else group["betas"][0]))
    return np.array(rates), scheduler, opt


CASES = {
    "triangular": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=4),
    "triangular2": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3, step_size_down=5, mode="triangular2"),
    "exp_range": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.9),
    "custom": lambda s, o: s.CyclicLR(o, 0.01, 0.1, 2, scale_fn=lambda x: 0.5**x, scale_mode="iterations"),
    "no momentum": lambda s, o: s.CyclicLR(o, [0.02], 0.1, step_size_up=3, cycle_momentum=False),
    "warmup and decay": lambda s, o: s.ChainedScheduler(
        [s.ConstantLR(o, factor=0.1, total_iters=2), s.ExponentialLR(o, gamma=0.9)]
    ),
    "linear and steps": lambda s, o: s.ChainedScheduler([s.LinearLR(o, 0.2, total_iters=5), s.StepLR(o, 3, 0.5)]),
}


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("case", list(CASES))
def test_schedules_match_torch_step_by_step(case, optimizer):
    ours, _, _ = _schedule(lamina, CASES[case], optimizer)
    theirs, _, _ = _schedule(torch, CASES[case], optimizer)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", ["triangular2", "warmup and decay"])
def test_schedules_resume_exactly_from_a_state_dict(case):
    full, _, _ = _schedule(lamina, CASES[case], "sgd", steps=20)
    _, scheduler, optimizer = _schedule(lamina, CASES[case], "sgd", steps=8)
    saved_scheduler, saved_optimizer = scheduler.state_dict(), optimizer.state_dict()
    _, resumed, resumed_optimizer = _schedule(lamina, CASES[case], "sgd", steps=0)
    resumed_optimizer.load_state_dict(saved_optimizer)
    resumed.load_state_dict(saved_scheduler)
    rest = []
    for _ in range(12):
        resumed.step()
        rest.append(resumed_optimizer.param_groups[0]["lr"])
    np.testing.assert_allclose(rest, full[8:, 0], rtol=1e-12)


def test_bad_schedules_are_refused_clearly():
    parameter = lamina.nn.Parameter(lamina.zeros(1))
    optimizer = lamina.optim.SGD([parameter], lr=0.1)
    schedulers = lamina.optim.lr_scheduler
    with pytest.raises(ValueError, match="mode must be"):
        schedulers.CyclicLR(optimizer, 0.01, 0.1, mode="sine")
    with pytest.raises(ValueError, match="momentum or beta1"):
        schedulers.CyclicLR(lamina.optim.Adagrad([parameter]), 0.01, 0.1)
    with pytest.raises(TypeError, match="ReduceLROnPlateau"):
        schedulers.ChainedScheduler([schedulers.ReduceLROnPlateau(optimizer)])
    other = lamina.optim.SGD([lamina.nn.Parameter(lamina.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="same optimizer"):
        schedulers.ChainedScheduler([schedulers.StepLR(optimizer, 2), schedulers.StepLR(other, 2)])
