"""summary(model, input_shape): each layer's output shape, parameters and multiply-add FLOPs."""

import lamina
from lamina import nn


def _flops(module, inputs, output) -> int:
    """Floating-point operations of one forward call (2 per multiply-add) for the layers that dominate."""
    if isinstance(module, nn.Linear):
        return 2 * module.in_features * output.numel()
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        kernel = 1
        for k in module.kernel_size:
            kernel *= k
        return 2 * (module.in_channels // module.groups) * kernel * output.numel()
    if isinstance(module, nn.ConvTranspose2d):
        kernel = module.kernel_size[0] * module.kernel_size[1]
        return 2 * (module.out_channels // module.groups) * kernel * inputs[0].numel()
    return 0


def summary(model, input_shape, dtype=None, print_table=True) -> str:
    """A table of the leaf layers run by one forward pass on zeros of `input_shape` (with the batch dim)."""
    rows, handles = [], []
    names = {id(m): name for name, m in model.named_modules()}

    def record(module, inputs, output):
        first = output[0] if isinstance(output, tuple) else output
        params = sum(p.numel() for p in module.parameters(recurse=False))
        rows.append(
            (
                names.get(id(module), "?"),
                type(module).__name__,
                tuple(first.shape),
                params,
                _flops(module, inputs, first),
            )
        )

    for module in model.modules():
        if not list(module.children()) or isinstance(module, nn.MultiheadAttention):
            handles.append(module.register_forward_hook(record))
    was_training = model.training
    model.eval()
    try:
        with lamina.no_grad():
            model(lamina.zeros(*input_shape, dtype=dtype or lamina.float32))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    total_params = sum(p.numel() for p in model.parameters())
    total_flops = sum(row[4] for row in rows)
    header = ("layer", "type", "output shape", "parameters", "FLOPs")
    lines = [header] + [(n, t, str(s), f"{p:,}", f"{f:,}") for n, t, s, p, f in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    text = "\n".join(
        "  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
        for line in lines
    )
    text += f"\ntotal: {total_params:,} parameters, {total_flops:,} FLOPs per forward pass (input {tuple(input_shape)})"
    if print_table:
        print(text)
    return text
