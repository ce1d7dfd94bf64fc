"""The custom-Function tutorial, einsum attention with a causal tril mask (nanoGPT-style), hooks, gather/scatter."""

import math

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd=8, n_head=2, block_size=6):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head, self.n_embd = n_head, n_embd
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = torch.einsum("bhtd,bhsd->bhts", q, k) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


rng = np.random.default_rng(1)
x = torch.tensor(rng.standard_normal(5), dtype=torch.float64, requires_grad=True)
y = LegendrePolynomial3.apply(x).sum()
y.backward()
print("RESULT legendre_grad", " ".join(f"{v:.8f}" for v in x.grad.tolist()))
print("RESULT grad_fn", type(y.grad_fn).__name__ != "", y.grad_fn.next_functions is not None)

attention = CausalSelfAttention()
for p in attention.parameters():
    p.data = torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.2).astype(np.float32))
grads = {}


def record(module, grad_input, grad_output):
    grads["out"] = grad_output[0].abs().sum().item()


attention.c_proj.register_full_backward_hook(record)
x = torch.from_numpy(rng.standard_normal((2, 6, 8)).astype(np.float32)).requires_grad_()
out = attention(x)
loss = out.pow(2).mean()
loss.backward()
print(f"RESULT attention {loss.item():.6f} {x.grad.norm().item():.6f} {grads['out']:.6f}")
index = torch.tensor([[0, 2], [1, 0]])
src = torch.arange(1.0, 5.0).view(2, 2)
print("RESULT scatter", torch.zeros(2, 3).scatter_(1, index, src).tolist())
print("RESULT gather", torch.gather(src, 1, torch.tensor([[1], [0]])).view(-1).tolist())
values, indices = torch.topk(torch.tensor([3.0, 1.0, 4.0, 1.5]), 2)
print("RESULT topk", values.tolist(), indices.tolist())
print("RESULT cat_stack", torch.cat([src, src]).shape[0], tuple(torch.stack([src, src], 1).shape))
print("RESULT chunks", [c.tolist() for c in torch.arange(5).chunk(2)])
