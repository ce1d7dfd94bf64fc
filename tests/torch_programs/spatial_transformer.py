"""The official spatial-transformer tutorial's model, small: a localisation net regresses an affine map,
affine_grid + grid_sample warp the input, a classifier reads the warped image; trained a few SGD steps."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3)
        self.fc = nn.Linear(4 * 3 * 3, 3)
        self.localization = nn.Sequential(nn.Conv2d(1, 4, kernel_size=3), nn.MaxPool2d(2, stride=2), nn.ReLU(True))
        self.fc_loc = nn.Sequential(nn.Linear(4 * 3 * 3, 8), nn.ReLU(True), nn.Linear(8, 3 * 2))

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 4 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)

    def forward(self, x):
        x = self.stn(x)
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return F.log_softmax(self.fc(x.view(-1, 4 * 3 * 3)), dim=1)


rng = np.random.default_rng(0)
model = Net()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.3).astype(np.float32)))
    model.fc_loc[2].weight.zero_()  # the tutorial's start: the identity transform
    model.fc_loc[2].bias.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))
images = torch.from_numpy(rng.standard_normal((12, 1, 8, 8)).astype(np.float32))
labels = torch.from_numpy(rng.integers(0, 3, 12)).long()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for step in range(4):
    optimizer.zero_grad()
    loss = F.nll_loss(model(images), labels)
    loss.backward()
    optimizer.step()
    print(f"RESULT step{step} {loss.item():.6f}")
with torch.no_grad():
    theta = model.fc_loc(model.localization(images).view(-1, 4 * 3 * 3)).view(-1, 2, 3)
print(f"RESULT theta {theta[0, 0, 0].item():.6f} {theta[0, 1, 2].item():.6f}")
