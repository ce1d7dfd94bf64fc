"""Mixed precision (issue 18, tested on the CPU in float16): autocast's casting lists and GradScaler's rules,
against torch's CPU autocast and GradScaler where torch is installed."""

import numpy as np
import pytest
from helpers import torch

import lamina
from lamina import nn


def test_autocast_lowers_products_and_keeps_losses_and_norms_in_float32():
    model = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 3))
    x, y = lamina.randn(5, 4), lamina.randint(0, 3, (5,))
    with lamina.autocast("cpu"):
        assert lamina.amp.is_autocast_enabled("cpu")
        hidden = model[0](x)
        assert hidden.dtype is lamina.float16
        assert model[1](hidden).dtype is lamina.float32  # layer norm in float32, as PyTorch's list
        logits = model(x)
        assert logits.dtype is lamina.float16 and (x @ x.T).dtype is lamina.float16
        assert nn.functional.softmax(logits, 1).dtype is lamina.float32
        loss = nn.functional.cross_entropy(logits, y)
        assert loss.dtype is lamina.float32
    assert not lamina.amp.is_autocast_enabled() and (x @ x.T).dtype is lamina.float32
    loss.backward()
    assert model[0].weight.grad.dtype is lamina.float32  # float32 parameters get float32 gradients


def test_autocast_refuses_bfloat16_and_disables_itself_for_an_absent_device():
    with pytest.raises(lamina.DTypeError, match="no bfloat16"):
        lamina.autocast("cpu", dtype="bfloat16")
    with pytest.warns(UserWarning, match="'cuda' is not available here; autocast is disabled"):
        region = lamina.autocast("cuda")
    with region:
        assert (lamina.ones(2, 2) @ lamina.ones(2, 2)).dtype is lamina.float32


@pytest.mark.skipif(torch is None, reason="compares with torch, which is not installed")
def test_autocast_values_match_torchs_cpu_float16_autocast():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((6, 5)), rng.standard_normal((3, 5)), rng.standard_normal(3)
    f32 = np.float32
    with lamina.autocast("cpu", dtype=lamina.float16):
        ours = nn.functional.linear(
            lamina.tensor(x.astype(f32)), lamina.tensor(w.astype(f32)), lamina.tensor(b.astype(f32))
        )
    with torch.autocast("cpu", dtype=torch.float16):
        theirs = torch.nn.functional.linear(torch.tensor(x, dtype=torch.float32), torch.tensor(w, dtype=torch.float32),
                                            torch.tensor(b, dtype=torch.float32))  # fmt: skip
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64), rtol=2e-3, atol=2e-3)


@pytest.mark.skipif(torch is None, reason="compares with torch, which is not installed")
def test_grad_scaler_follows_torchs_rules_over_steps_with_overflows():
    def run(lib):
        weight = (
            lib.nn.Parameter(lib.ones(3, dtype=lib.float32)) if lib is lamina else torch.nn.Parameter(torch.ones(3))
        )
        optimizer = lib.optim.SGD([weight], lr=0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=2)
        scales, weights = [], []
        for step in range(7):
            optimizer.zero_grad()
            loss = (weight * weight).sum() * (float("inf") if step in (2, 5) else 1.0)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scales.append(scaler.get_scale())
            weights.append(weight.detach().numpy().copy())
        return scales, np.array(weights)

    our_scales, our_weights = run(lamina)
    their_scales, their_weights = run(torch)
    assert our_scales == their_scales
    np.testing.assert_allclose(our_weights, their_weights, rtol=1e-6)


def test_grad_scaler_state_round_trips_and_checks_its_scale():
    scaler = lamina.amp.GradScaler(init_scale=8.0)
    other = lamina.amp.GradScaler()
    other.load_state_dict(scaler.state_dict())
    assert other.get_scale() == 8.0
    with pytest.raises(ValueError, match="positive finite"):
        other.load_state_dict({**scaler.state_dict(), "scale": float("nan")})
    assert lamina.amp.GradScaler(enabled=False).scale(lamina.ones(1)).item() == 1.0
