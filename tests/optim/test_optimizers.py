"""Each optimizer, 20 steps on the same problem as torch.optim, ends with the same parameters."""

import numpy as np
import pytest
from device_helpers import extra_devices

import lamina
from lamina import nn, optim

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("Adadelta", {"lr": 1.0, "rho": 0.95, "weight_decay": 0.01}),
    ("Adamax", {"lr": 0.02}),
    ("Adamax", {"lr": 0.02, "betas": (0.8, 0.95), "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.02}),
    ("NAdam", {"lr": 0.02, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.02}),
    ("RAdam", {"lr": 0.02, "betas": (0.5, 0.6), "weight_decay": 0.1}),  # rho_t > 5 from step 5 on
    ("RAdam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Rprop", {"lr": 0.01}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True}),
    ("ASGD", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 5, "weight_decay": 0.1}),  # averaging from step 6
]


def problem(lib, model):
    rng = np.random.default_rng(1)
    x = lib.tensor(rng.standard_normal((16, 5)))
    y = lib.tensor(rng.standard_normal((16, 2)))
    return lambda: ((model(x) - y) ** 2).mean()


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_optimizer_matches_torch_over_20_steps(name, kwargs):
    torch = pytest.importorskip("torch", reason="torch is the oracle; the update rules are also tested below")
    ours = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    our_opt = getattr(optim, name)(ours.parameters(), **kwargs)
    their_opt = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    our_loss, their_loss = problem(lamina, ours), problem(torch, theirs)
    for _ in range(20):
        our_opt.zero_grad()
        our_loss().backward()
        our_opt.step()
        their_opt.zero_grad()
        their_loss().backward()
        their_opt.step()
    for (name_ours, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name_ours)


def train_20_steps(name, kwargs, device):
    lamina.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 2)).double().to(device)
    optimizer = getattr(optim, name)(model.parameters(), **kwargs)
    rng = np.random.default_rng(1)
    x = lamina.tensor(rng.standard_normal((16, 5)), device=device)
    y = lamina.tensor(rng.standard_normal((16, 2)), device=device)
    for _ in range(20):
        optimizer.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        optimizer.step()
    state = optimizer.state_dict()["state"]
    return [p.numpy() for p in model.parameters()], [v.numpy() for s in state.values() for v in s.values()
                                                      if isinstance(v, lamina.Tensor)]  # fmt: skip


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_optimizer_on_every_device_matches_the_cpu(name, kwargs):
    params, state = train_20_steps(name, kwargs, "cpu")
    for device in extra_devices():
        got_params, got_state = train_20_steps(name, kwargs, device)
        assert len(got_state) == len(state)
        for got, expected in zip(got_params + got_state, params + state):
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14, err_msg=f"{name} on {device}")


def test_sgd_rule_by_hand():
    w = nn.Parameter(lamina.tensor([1.0, -2.0]))
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    # step 1: b = 2w = [2, -4], w = [0.8, -1.6]; step 2: b = 0.9 b + 2w = [3.4, -6.8], w -= 0.1 b
    np.testing.assert_allclose(w.numpy(), [0.46, -0.92], rtol=1e-6)


def test_training_lowers_the_loss_with_every_optimizer():
    for name, kwargs in CONFIGS:
        if kwargs.get("maximize"):
            continue
        lamina.manual_seed(0)
        model = nn.Linear(5, 2)
        loss = problem(lamina, lambda x, m=model: m(x.float()))
        opt = getattr(optim, name)(model.parameters(), **kwargs)
        first = loss().item()
        for _ in range(30):
            opt.zero_grad()
            loss().backward()
            opt.step()
        assert loss().item() < first, name


def test_param_groups_closure_and_state_dict():
    a, b = nn.Parameter(lamina.ones(2)), nn.Parameter(lamina.ones(3))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]

    def closure():
        opt.zero_grad()
        loss = (a * a).sum() + (b * b).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 5.0
    state = opt.state_dict()
    assert state["param_groups"][1]["params"] == [1] and set(state["state"]) == {0, 1}
    c = nn.Parameter(lamina.ones(1))
    opt.add_param_group({"params": [c], "lr": 1.0})
    assert opt.param_groups[2]["momentum"] == 0.9


def test_row_28_bad_hyperparameters_and_foreign_state():
    w = nn.Parameter(lamina.ones(2))
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.0"):
        optim.Adam([w], betas=(1.0, 0.999))
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    big = optim.SGD(nn.Linear(3, 3).parameters(), lr=0.1)
    small = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict contains a parameter group that doesn't match the size"):
        small.load_state_dict(big.state_dict())
