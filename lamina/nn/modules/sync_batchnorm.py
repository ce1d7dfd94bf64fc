"""SyncBatchNorm's training step as one autograd Function: statistics summed over the ranks forward, and
the two sums its input gradient needs summed over the ranks backward.

    forward:  mean, var from sum(x), sum(x^2), count over every rank;  y = (x - mean) / sqrt(var + eps) w + b
    backward: dx = w / sqrt(var + eps) * (dy - sum(dy) / n - xhat * sum(dy xhat) / n), the sums over every rank;
              dw = sum(dy xhat), db = sum(dy) over this rank only (DistributedDataParallel averages them)
"""

from lamina import distributed
from lamina.autograd.custom import Function
from lamina.autograd.grad_mode import no_grad
from lamina.ops.movement import cat


def _channel_dims(x):
    return (0, *range(2, x.ndim))


def _per_channel(t, x):
    return t.reshape(1, -1, *([1] * (x.ndim - 2)))


class _SyncBatchNorm(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps, momentum):
        dims = _channel_dims(x)
        channels = x.shape[1]
        count = x.numel() // channels
        stats = cat([x.sum(dims), (x * x).sum(dims), x.new_full((1,), float(count))])  # (2C + 1,)
        distributed.all_reduce(stats)
        total = stats[2 * channels].item()
        mean = stats[:channels] / total
        var = (stats[channels : 2 * channels] / total - mean * mean).clamp(min=0.0)  # biased, as BatchNorm's
        invstd = (var + eps).rsqrt()
        xhat = (x - _per_channel(mean, x)) * _per_channel(invstd, x)
        if running_mean is not None:
            with no_grad():  # the running variance is unbiased, as PyTorch's
                running_mean.mul_(1 - momentum).add_(mean * momentum)
                running_var.mul_(1 - momentum).add_(var * (total / max(total - 1, 1)) * momentum)
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.total = total
        out = xhat * _per_channel(weight, x) if weight is not None else xhat
        return out + _per_channel(bias, x) if bias is not None else out

    @staticmethod
    def backward(ctx, grad_out):
        xhat, invstd, weight = ctx.saved_tensors
        dims = _channel_dims(xhat)
        channels = xhat.shape[1]
        local = cat([grad_out.sum(dims), (grad_out * xhat).sum(dims)])
        grad_bias, grad_weight = local[:channels], local[channels:]
        sums = local.clone()
        distributed.all_reduce(sums)
        mean_dy, mean_dy_xhat = sums[:channels] / ctx.total, sums[channels:] / ctx.total
        scale = invstd * weight if weight is not None else invstd
        grad_x = _per_channel(scale, xhat) * (
            grad_out - _per_channel(mean_dy, xhat) - xhat * _per_channel(mean_dy_xhat, xhat)
        )
        return (
            grad_x,
            grad_weight if weight is not None else None,
            grad_bias if weight is not None else None,
            None,
            None,
            None,
            None,
        )


def sync_batch_norm(x, weight, bias, running_mean, running_var, eps, momentum):
    return _SyncBatchNorm.apply(x, weight, bias, running_mean, running_var, eps, momentum)
