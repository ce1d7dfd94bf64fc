"""word_language_model-style: Embedding + LSTM over packed sequences, clipping, a schedule, save/load to bytes."""

import io

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class RNNModel(nn.Module):
    def __init__(self, ntoken=11, ninp=6, nhid=5):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, num_layers=2, batch_first=True)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(self.encoder(tokens), lengths, batch_first=True, enforce_sorted=False)
        output, _ = self.rnn(packed)
        output, _ = pad_packed_sequence(output, batch_first=True)
        return self.decoder(output)


rng = np.random.default_rng(2)
model = RNNModel()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.4).astype(np.float32)))
tokens = torch.from_numpy(rng.integers(1, 11, (4, 7)))
lengths = torch.tensor([7, 3, 5, 2])
mask = torch.arange(7)[None, :] < lengths[:, None]
targets = torch.from_numpy(rng.integers(1, 11, (4, 7)))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=2)
criterion = nn.CrossEntropyLoss()
for step in range(4):
    optimizer.zero_grad()
    logits = model(tokens, lengths)
    loss = criterion(logits[mask], targets[mask])
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    optimizer.step()
    scheduler.step()
    print(f"RESULT step{step} {loss.item():.6f} {float(norm):.6f}")
buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
restored = RNNModel()
restored.load_state_dict(torch.load(buffer, weights_only=True))
print("RESULT restored", torch.equal(restored(tokens, lengths), model(tokens, lengths)))
