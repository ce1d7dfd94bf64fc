"""Everyday numerics of diffusion and count models: a DDPM noise schedule (linspace, cumprod, sqrt, gather),
a Poisson NLL with lgamma, digamma/erfinv, margin losses, unfold of an image into patches."""

import math

import numpy as np
import torch
import torch.nn.functional as F

betas = torch.linspace(1e-4, 0.02, 50)
alphas = 1.0 - betas
alphas_cumprod = torch.cumprod(alphas, dim=0)
sqrt_alphas_cumprod = torch.sqrt(alphas_cumprod)
t = torch.tensor([0, 10, 49])
print(f"RESULT schedule {alphas_cumprod[-1].item():.6f} {sqrt_alphas_cumprod.gather(-1, t).sum().item():.6f}")

rng = np.random.default_rng(0)
rates = torch.tensor(rng.uniform(0.5, 3.0, 6), requires_grad=True)
counts = torch.tensor(rng.integers(0, 5, 6).astype(np.float64))
nll = (rates - counts * torch.log(rates) + torch.lgamma(counts + 1)).mean()
nll.backward()
print(f"RESULT poisson {nll.item():.6f} {rates.grad.sum().item():.6f}")
print(f"RESULT builtin {F.poisson_nll_loss(torch.log(rates), counts, full=True).item():.6f}")
x = torch.tensor([0.3, 1.7, 4.0])
print(f"RESULT special {torch.digamma(x).sum().item():.6f} {torch.erfinv(torch.tensor(0.5)).item():.6f}")
print(f"RESULT gammaln {torch.special.gammaln(x).sum().item():.6f} {math.exp(torch.lgamma(x)[2].item()):.6f}")

a, b = torch.tensor(rng.standard_normal((5, 4))), torch.tensor(rng.standard_normal((5, 4)))
y = torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0])
print(
    f"RESULT margins {F.cosine_embedding_loss(a, b, y).item():.6f} {F.margin_ranking_loss(a[:, 0], b[:, 0], y).item():.6f}"
)
print(f"RESULT triplet {F.triplet_margin_loss(a, b, a.flip(0)).item():.6f}")
image = torch.tensor(rng.standard_normal((1, 2, 6, 6)))
patches = F.unfold(image, kernel_size=3, stride=3)
print(f"RESULT patches {tuple(patches.shape)} {patches.sum().item():.6f}")
print(f"RESULT folded {F.fold(patches, (6, 6), kernel_size=3, stride=3).sub(image).abs().max().item():.6f}")
