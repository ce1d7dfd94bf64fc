"""pytorch/examples reinforcement_learning/reinforce.py's update on a 3-armed bandit (no gym): a policy
network, Categorical(probs), m.sample(), m.log_prob(action) weighted by normalised returns, eps from finfo."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

torch.manual_seed(543)
eps = np.finfo(np.float32).eps.item()
payouts = torch.tensor([0.2, 0.5, 0.9])


class Policy(nn.Module):
    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(3, 32)
        self.dropout = nn.Dropout(p=0.6)
        self.affine2 = nn.Linear(32, 3)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


policy = Policy()
optimizer = optim.Adam(policy.parameters(), lr=1e-2)


def select_action(state):
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode():
    returns = torch.tensor(policy.rewards)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    policy_loss = []
    for log_prob, R in zip(policy.saved_log_probs, returns):
        policy_loss.append(-log_prob * R)
    optimizer.zero_grad()
    policy_loss = torch.cat(policy_loss).sum()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]


state = np.ones(3, dtype=np.float32)
for episode in range(60):
    for t in range(16):
        action = select_action(state)
        policy.rewards.append(float(torch.rand(1).item() < payouts[action].item()))
    finish_episode()
    if episode % 20 == 0:
        with torch.no_grad():
            policy.eval()
            print("episode {}\tpreferred arm {}".format(episode, policy(torch.ones(1, 3)).argmax(1).item()))
            policy.train()
