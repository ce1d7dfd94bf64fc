"""torch.optim.swa_utils at lamina.optim.swa_utils (issue 17): AveragedModel (SWA and EMA), SWALR and
update_bn, each compared with torch over several steps from the same weights."""

import numpy as np
import pytest

import lamina

torch = pytest.importorskip("torch")


def _pair():
    ours = lamina.nn.Sequential(
        lamina.nn.Linear(4, 6), lamina.nn.BatchNorm1d(6), lamina.nn.ReLU(), lamina.nn.Linear(6, 2)
    )
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    with torch.no_grad():
        for key, value in ours.state_dict().items():
            theirs.state_dict()[key].copy_(torch.from_numpy(value.numpy()))
    return ours, theirs


def _train(lib, model, averaged, optimizer, scheduler, batches):
    for x, y in batches:
        optimizer.zero_grad()
        loss = (
            (
                model(lib.tensor(x) if lib is lamina else torch.from_numpy(x))
                - (lib.tensor(y) if lib is lamina else torch.from_numpy(y))
            )
            ** 2
        ).mean()
        loss.backward()
        optimizer.step()
        averaged.update_parameters(model)
        scheduler.step()


@pytest.mark.parametrize("kind", ["swa", "ema", "ema buffers"])
def test_averaged_model_swalr_and_update_bn_match_torch(kind):
    rng = np.random.default_rng(0)
    batches = [
        (rng.standard_normal((8, 4)).astype(np.float32), rng.standard_normal((8, 2)).astype(np.float32))
        for _ in range(6)
    ]
    results = []
    for lib, model in zip((lamina, torch), _pair()):
        utils = lib.optim.swa_utils
        if kind == "swa":
            averaged = utils.AveragedModel(model)
        else:
            averaged = utils.AveragedModel(
                model, multi_avg_fn=utils.get_ema_multi_avg_fn(0.9), use_buffers=kind == "ema buffers"
            )
        optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
        scheduler = utils.SWALR(
            optimizer, swa_lr=0.02, anneal_epochs=3, anneal_strategy="cos" if kind == "swa" else "linear"
        )
        _train(lib, model, averaged, optimizer, scheduler, batches)
        lr = optimizer.param_groups[0]["lr"]
        loader = [lib.tensor(x) if lib is lamina else torch.from_numpy(x) for x, _ in batches]
        if kind != "ema buffers":
            utils.update_bn(loader, averaged)
        state = {k: v.detach().numpy().copy() for k, v in averaged.state_dict().items()}
        results.append((lr, state))
    (our_lr, ours), (their_lr, theirs) = results
    assert our_lr == pytest.approx(their_lr, rel=1e-12)
    assert ours.keys() == theirs.keys() and "n_averaged" in ours and int(ours["n_averaged"]) == 6
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4, atol=1e-5, err_msg=key)


def test_swalr_with_no_annealing_jumps_to_swa_lr_and_refuses_bad_arguments():
    parameter = lamina.nn.Parameter(lamina.zeros(1))
    optimizer = lamina.optim.SGD([parameter], lr=0.5)
    theirs_optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    ours = lamina.optim.swa_utils.SWALR(optimizer, 0.05, anneal_epochs=0)
    theirs = torch.optim.swa_utils.SWALR(theirs_optimizer, 0.05, anneal_epochs=0)
    for _ in range(3):
        assert optimizer.param_groups[0]["lr"] == pytest.approx(theirs_optimizer.param_groups[0]["lr"])
        optimizer.step(), theirs_optimizer.step(), ours.step(), theirs.step()
    with pytest.raises(ValueError, match="anneal_strategy"):
        lamina.optim.swa_utils.SWALR(optimizer, 0.05, anneal_strategy="step")
    with pytest.raises(ValueError, match="not both"):
        lamina.optim.swa_utils.AveragedModel(
            lamina.nn.Linear(1, 1), avg_fn=lambda *a: a[0], multi_avg_fn=lambda *a: None
        )
