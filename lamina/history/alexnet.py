"""2012, Krizhevsky, Sutskever & Hinton: AlexNet, and why ReLU: it reaches a training-error target
several times faster than tanh (their Figure 1, a 4-layer CNN on CIFAR-10; here on the shipped digits)."""

import lamina
from lamina import nn, optim
from lamina.history.milestone import Result
from lamina.history.plots import curves
from lamina.history.training import accuracy, count_parameters, digits_arrays, fit_classifier
from lamina.models import alexnet

TORCHVISION_ALEXNET = 61_100_840


def small_cnn(activation):
    """A 4-layer CNN in the spirit of the paper's Figure 1 experiment."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), activation(), nn.Conv2d(16, 16, 3, padding=1), activation(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 4 * 4, 32), activation(), nn.Linear(32, 10))


def steps_to_target(activation, x, y, target_error, seed, max_epochs):
    lamina.manual_seed(seed)
    model = small_cnn(activation)
    errors = []

    def stop(epoch, loss):
        errors.append(1 - accuracy(model, x, y))
        return errors[-1] <= target_error

    fit_classifier(model, x, y, epochs=max_epochs, batch_size=32, seed=seed, on_epoch=stop,
                   optimizer=optim.SGD(model.parameters(), lr=0.01, momentum=0.0))
    reached = next((i + 1 for i, e in enumerate(errors) if e <= target_error), None)
    return reached, errors


def run(quick=True, out_dir=None, seed=0):
    count = count_parameters(alexnet())
    x, y, _, _ = digits_arrays()
    target = 0.25  # the paper's: 25 % training error
    relu_epochs, relu_errors = steps_to_target(nn.ReLU, x, y, target, seed, 60)
    tanh_epochs, tanh_errors = steps_to_target(nn.Tanh, x, y, target, seed, 60)
    speedup = (tanh_epochs or 61) / relu_epochs if relu_epochs else 0.0
    pictures = []
    if out_dir is not None:
        pictures.append(curves({"ReLU": relu_errors, "tanh": tanh_errors}, out_dir / "alexnet_relu_vs_tanh.png",
                               "epoch", "training error", "ReLU vs tanh (4-layer CNN, plain SGD)"))
    return [
        Result("alexnet", 2012, "AlexNet's parameter count equals torchvision's", f"{count:,}",
               f"{TORCHVISION_ALEXNET:,}", count == TORCHVISION_ALEXNET),
        Result("alexnet", 2012, "ReLU reaches 25% training error several times faster than tanh",
               f"ReLU {relu_epochs} epochs, tanh {tanh_epochs or '>60'} epochs ({speedup:.1f}x)", "about 6x",
               speedup >= 2.0, pictures),
    ]
