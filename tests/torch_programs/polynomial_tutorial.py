"""'Learning PyTorch with Examples': fit a cubic to sin(x) with autograd and manual updates, then with LBFGS."""

import math

import torch

dtype = torch.float64
x = torch.linspace(-math.pi, math.pi, 200, dtype=dtype)
y = torch.sin(x)
a = torch.zeros((), dtype=dtype, requires_grad=True)
b = torch.zeros((), dtype=dtype, requires_grad=True)
c = torch.zeros((), dtype=dtype, requires_grad=True)
d = torch.zeros((), dtype=dtype, requires_grad=True)
learning_rate = 1e-6
for _ in range(300):
    y_pred = a + b * x + c * x**2 + d * x**3
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f"RESULT manual {loss.item():.8f} {b.item():.8f}")
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)).to(dtype)
with torch.no_grad():
    model[0].weight.zero_()
    model[0].bias.zero_()
optimizer = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=10)


def closure():
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(xx), y)
    loss.backward()
    return loss


for _ in range(3):
    optimizer.step(closure)
print(f"RESULT lbfgs {closure().item():.10f}")
print(
    "RESULT info", torch.finfo(torch.float32).eps, torch.get_default_dtype() == torch.float32, torch.cuda.is_available()
)
