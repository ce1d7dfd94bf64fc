"""The zoo: output shapes, parameter counts (torchvision's where it has the model), a step lowers the loss."""

import numpy as np
import pytest

import lamina
from lamina import models, optim
from lamina.nn import functional as F


def count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    "build,expected",
    [
        (models.alexnet, 61_100_840),
        (models.googlenet, 6_624_904),
        (models.resnet18, 11_689_512),
        (models.resnet34, 21_797_672),
        (models.resnet50, 25_557_032),
    ],
    ids=["alexnet", "googlenet", "resnet18", "resnet34", "resnet50"],
)
def test_parameter_counts_equal_torchvision(build, expected):
    assert count(build()) == expected


def test_small_model_counts():
    assert count(models.resnet20()) == 269_722  # 0.27M, He et al. Table 6
    assert count(models.lenet5()) == 61_706
    assert 62e6 < count(models.transformer_base()) < 65e6
    config = models.GPTConfig(vocab_size=30, context=16, n_layer=2, n_head=2, d_model=16)
    assert count(models.gpt(config)) == models.parameter_count(config)
    assert round(models.parameter_count(models.GPT3_175B) / 1e9) == 175


@pytest.mark.parametrize(
    "build,shape",
    [
        (models.lenet1, (2, 1, 28, 28)),
        (models.lenet5, (2, 1, 28, 28)),
        (models.resnet20, (2, 3, 32, 32)),
        (lambda: models.alexnet(num_classes=10), (1, 3, 224, 224)),
        (lambda: models.googlenet(num_classes=10), (1, 3, 96, 96)),
        (lambda: models.resnet18(num_classes=10), (1, 3, 64, 64)),
    ],
    ids=["lenet1", "lenet5", "resnet20", "alexnet", "googlenet", "resnet18"],
)
def test_image_models_give_logits(build, shape):
    lamina.manual_seed(0)
    model = build().eval()
    with lamina.no_grad():
        out = model(lamina.randn(*shape))
    assert out.shape == (shape[0], 10) and np.isfinite(out.numpy()).all()


def test_training_steps_lower_the_loss_and_overfit_a_tiny_batch():
    lamina.manual_seed(0)
    model = models.lenet5()
    x, y = lamina.randn(8, 1, 28, 28), lamina.randint(0, 10, (8,))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(60):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[1] < losses[0] and losses[-1] < 0.05


def test_sequence_models():
    lamina.manual_seed(0)
    gpt = models.gpt(models.GPTConfig(vocab_size=11, context=8, n_layer=1, n_head=2, d_model=16))
    idx = lamina.randint(0, 11, (2, 8))
    assert gpt(idx).shape == (2, 8, 11)
    assert gpt.generate(idx[:, :3], 4).shape == (2, 7)
    with pytest.raises(ValueError, match="exceeds the context"):
        gpt(lamina.randint(0, 11, (1, 9)))
    seq2seq = models.transformer(
        12, 13, d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=32, dropout=0.0
    )
    assert seq2seq(lamina.randint(0, 12, (2, 5)), lamina.randint(0, 13, (2, 4))).shape == (2, 4, 13)


def test_classic_units():
    x = lamina.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert models.gate("and")(x).tolist() == [0, 0, 0, 1] and models.XorNet()(x).tolist() == [0, 1, 1, 0]
    hopfield = models.Hopfield(np.array([[1.0, -1.0, 1.0, -1.0, 1.0, -1.0]]))
    assert hopfield.recall(np.array([1.0, 1.0, 1.0, -1.0, 1.0, -1.0])).tolist() == [1, -1, 1, -1, 1, -1]
    assert set(models.ZOO) >= {"lenet5", "alexnet", "googlenet", "resnet18", "resnet20", "transformer", "gpt"}
