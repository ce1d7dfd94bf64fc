"""Learning-rate schedules give torch's sequence, step by step."""

import pytest

import lamina
from lamina import nn, optim

SCHEDULES = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 6], gamma=0.3),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=4),
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda epoch: 1 / (1 + epoch)),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.4, total_iters=5),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=9, power=2.0),
    "PolynomialLR-linear": lambda s, o: s.PolynomialLR(o, total_iters=20),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda epoch: 0.9 if epoch % 2 else 0.97),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=15),
    "OneCycleLR-linear-3phase": lambda s, o: s.OneCycleLR(
        o, max_lr=0.5, total_steps=14, anneal_strategy="linear", three_phase=True, pct_start=0.25
    ),
    "SequentialLR": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.1, total_iters=3), s.CosineAnnealingLR(o, T_max=8)], milestones=[3]
    ),
}


def run(lib, make, steps=14, optimizer="SGD"):
    param = lib.nn.Parameter(lib.zeros(2))
    kwargs = {"lr": 0.1, "momentum": 0.9} if optimizer == "SGD" else {"lr": 0.1}
    opt = getattr(lib.optim, optimizer)([param], **kwargs)
    scheduler = make(lib.optim.lr_scheduler, opt)
    lrs, momenta = [], []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        momenta.append(opt.param_groups[0].get("momentum", opt.param_groups[0].get("betas", (None,))[0]))
        opt.step()
        scheduler.step()
    return lrs, momenta


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_torch(name):
    torch = pytest.importorskip("torch")
    for optimizer in ("SGD", "Adam"):
        ours, our_momenta = run(lamina, SCHEDULES[name], optimizer=optimizer)
        theirs, their_momenta = run(torch, SCHEDULES[name], optimizer=optimizer)
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)
        assert our_momenta == pytest.approx(their_momenta, rel=1e-9)


def test_closed_forms_by_hand():
    lrs, _ = run(lamina, SCHEDULES["StepLR"], steps=7)
    assert lrs == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])
    lrs, _ = run(lamina, SCHEDULES["LinearLR"], steps=6)
    assert lrs == pytest.approx([0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1])


def test_reduce_on_plateau_matches_torch():
    losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.85, 0.85, 0.85, 0.85, 0.85, 0.84]

    def run_plateau(lib):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
        seen = []
        for loss in losses:
            scheduler.step(loss)
            seen.append(opt.param_groups[0]["lr"])
        return seen

    ours = run_plateau(lamina)
    assert ours[0] == 1.0 and ours[-1] < 1.0
    torch = pytest.importorskip("torch")
    assert ours == pytest.approx(run_plateau(torch))


RESUMABLE = {
    **SCHEDULES,
    "CyclicLR": lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2),
    "SWALR": lambda s, o: optim.swa_utils.SWALR(o, swa_lr=0.05, anneal_epochs=4),
}


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(RESUMABLE))
def test_scheduler_state_dict_resumes_exactly(name, optimizer):
    """The optimizer's state_dict, with the keys its schedule added to the groups (OneCycleLR's max_lr and
    momenta, SWALR's swa_lr), loads into a fresh optimizer, and the schedule goes on where it was."""
    make = RESUMABLE[name]
    param = nn.Parameter(lamina.zeros(1))

    def fresh():
        return optim.SGD([param], lr=0.1, momentum=0.9) if optimizer == "SGD" else optim.Adam([param], lr=0.1)

    opt = fresh()
    scheduler = make(optim.lr_scheduler, opt)
    for _ in range(3):
        scheduler.step()
    saved_opt, saved = opt.state_dict(), scheduler.state_dict()
    expected = [scheduler.step() or opt.param_groups[0]["lr"] for _ in range(3)]
    opt2 = fresh()
    opt2.load_state_dict(saved_opt)
    resumed = make(optim.lr_scheduler, opt2)
    resumed.load_state_dict(saved)
    assert [resumed.step() or opt2.param_groups[0]["lr"] for _ in range(3)] == pytest.approx(expected)


def test_gradient_clipping_matches_torch():
    torch = pytest.importorskip("torch")
    grads = [[3.0, 4.0], [12.0]]
    ours = [nn.Parameter(lamina.zeros(len(g), dtype=lamina.float64)) for g in grads]
    theirs = [torch.nn.Parameter(torch.zeros(len(g), dtype=torch.float64)) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = lamina.tensor(g, dtype=lamina.float64), torch.tensor(g, dtype=torch.float64)
    total = nn.utils.clip_grad_norm_(ours, 1.0)
    assert total.item() == pytest.approx(torch.nn.utils.clip_grad_norm_(theirs, 1.0).item())
    for p, q in zip(ours, theirs):
        assert p.grad.tolist() == pytest.approx(q.grad.tolist())
    nn.utils.clip_grad_value_(ours, 0.1)
    torch.nn.utils.clip_grad_value_(theirs, 0.1)
    for p, q in zip(ours, theirs):
        assert p.grad.tolist() == pytest.approx(q.grad.tolist())


def test_multiplicative_lr_resumes_exactly_and_refuses_jumps():
    param = lamina.nn.Parameter(lamina.zeros(2))
    opt = lamina.optim.SGD([param], lr=0.1)
    factor = lambda epoch: 0.5 + 0.01 * epoch  # noqa: E731
    scheduler = lamina.optim.lr_scheduler.MultiplicativeLR(opt, factor)
    for _ in range(4):
        scheduler.step()
    saved = scheduler.state_dict()
    resumed = lamina.optim.lr_scheduler.MultiplicativeLR(lamina.optim.SGD([param], lr=0.1), factor)
    resumed.load_state_dict(saved)
    scheduler.step(), resumed.step()
    assert resumed.get_last_lr() == scheduler.get_last_lr()
    with pytest.raises(ValueError, match="MultiplicativeLR: steps one epoch at a time"):
        scheduler.step(10)
    with pytest.raises(ValueError, match="PolynomialLR: total_iters must be positive"):
        lamina.optim.lr_scheduler.PolynomialLR(opt, total_iters=0)
