"""compare_layer: the same weights in a lamina layer and a torch layer give the same outputs and gradients."""

import numpy as np
import pytest
from device_helpers import extra_devices

import lamina

try:
    import torch
except ImportError:
    torch = None


def _flatten(output):
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _flatten(item)]
    return [] if output is None else [output]


def copy_weights_to_torch(ours, theirs):
    """Load lamina's state_dict into the torch layer: the keys and shapes must be PyTorch's."""
    state = {k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state, strict=True)


def compare_layer(make_ours, make_theirs, inputs, modes=("train", "eval"), atol=1e-7, rtol=1e-6, call=None):
    """Outputs, input gradients, parameter gradients (and buffers) agree in float64, per mode."""
    if torch is None:
        pytest.skip("torch not installed: layer comparisons need it (gradchecks in test_functional_nn still run)")
    call = call or (lambda layer, *xs: layer(*xs))
    ours, theirs = make_ours().double(), make_theirs().double()
    copy_weights_to_torch(ours, theirs)
    rng = np.random.default_rng(7)
    for mode in modes:
        ours.train(mode == "train")
        theirs.train(mode == "train")
        our_inputs = [lamina.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
        their_inputs = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
        our_out, their_out = _flatten(call(ours, *our_inputs)), _flatten(call(theirs, *their_inputs))
        assert len(our_out) == len(their_out)
        our_loss, their_loss = 0, 0
        for o, t in zip(our_out, their_out):
            np.testing.assert_allclose(o.numpy(), t.detach().numpy(), atol=atol, rtol=rtol, err_msg=f"{mode} output")
            if o.is_floating_point() and t.requires_grad:
                upstream = rng.standard_normal(tuple(t.shape))
                our_loss = our_loss + (o * lamina.tensor(upstream)).sum()
                their_loss = their_loss + (t * torch.from_numpy(upstream)).sum()
        our_loss.backward()
        their_loss.backward()
        for o, t in zip(our_inputs, their_inputs):
            if t.grad is not None:
                np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), atol=atol, rtol=rtol, err_msg="input grad")
        their_params = dict(theirs.named_parameters())
        for name, param in ours.named_parameters():
            expected = their_params[name].grad
            got = param.grad
            if expected is None:
                assert got is None or not np.any(got.numpy()), name
                continue
            np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=atol, rtol=rtol, err_msg=f"grad of {name}")
            param.grad = None
        theirs.zero_grad()
        their_buffers = dict(theirs.named_buffers())
        for name, buffer in ours.named_buffers():
            np.testing.assert_allclose(buffer.numpy(), their_buffers[name].numpy(), atol=atol, rtol=rtol, err_msg=name)
    compare_layer_on_devices(make_ours, inputs, modes, call)
    return ours, theirs


def run_layer(layer, inputs, modes, call, device):
    """Per mode, the layer's outputs, input gradients, parameter gradients and buffers, as host arrays."""
    layer.to(device)
    rng = np.random.default_rng(7)
    results = {}
    for mode in modes:
        layer.train(mode == "train")
        tensors = [lamina.tensor(x, device=device, requires_grad=x.dtype.kind == "f") for x in inputs]
        outputs = _flatten(call(layer, *tensors))
        loss = 0
        for i, o in enumerate(outputs):
            results[f"{mode} output {i}"] = o.numpy()
            if o.requires_grad:
                upstream = lamina.tensor(rng.standard_normal(o.shape), dtype=o.dtype, device=device)
                loss = loss + (o * upstream).sum()
        loss.backward()
        for i, t in enumerate(tensors):
            results[f"{mode} input grad {i}"] = None if t.grad is None else t.grad.numpy()
        for name, param in layer.named_parameters():
            results[f"{mode} grad of {name}"] = None if param.grad is None else param.grad.numpy()
            param.grad = None
        for name, buffer in layer.named_buffers():
            results[f"{mode} buffer {name}"] = buffer.numpy()
    return results


def compare_layer_on_devices(make_ours, inputs, modes=("train", "eval"), call=None):
    """The same layer (same weights) on every extra device gives the CPU's outputs, gradients and buffers."""
    call = call or (lambda layer, *xs: layer(*xs))
    reference = make_ours().double()
    state = {k: v.numpy().copy() for k, v in reference.state_dict().items()}
    expected = run_layer(reference, inputs, modes, call, "cpu")
    for device in extra_devices():
        layer = make_ours().double()
        layer.load_state_dict({k: lamina.tensor(v) for k, v in state.items()})
        got = run_layer(layer, inputs, modes, call, device)
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            if value is None:
                assert got[key] is None, f"{key}: a gradient on {device} where the CPU has none"
                continue
            np.testing.assert_allclose(got[key], value, atol=1e-9, rtol=1e-8, err_msg=f"{key} on {device}")
