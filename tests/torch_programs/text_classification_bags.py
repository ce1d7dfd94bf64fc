"""The official text-classification tutorial's model (text_sentiment_ngrams): nn.EmbeddingBag over token
bags cut by offsets (made with cumsum in a collate_fn), a Linear head, SGD with StepLR and clip_grad_norm_."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

rng = np.random.default_rng(0)
vocab_size, embed_dim, num_class = 30, 6, 4
texts = [rng.integers(0, vocab_size, rng.integers(2, 7)).tolist() for _ in range(24)]
labels = rng.integers(0, num_class, 24).tolist()
dataset = list(zip(labels, texts))


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for label, text in batch:
        label_list.append(label)
        processed = torch.tensor(text, dtype=torch.int64)
        text_list.append(processed)
        offsets.append(processed.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    return label_list, torch.cat(text_list), offsets


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        with torch.no_grad():
            self.embedding.weight.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, (vocab_size, embed_dim))).float())
            self.fc.weight.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, (num_class, embed_dim))).float())
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        return self.fc(self.embedding(text, offsets))


model = TextClassificationModel(vocab_size, embed_dim, num_class)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.5)
loader = DataLoader(dataset, batch_size=8, shuffle=False, collate_fn=collate_batch)
for epoch in range(3):
    model.train()
    total_acc, total_count = 0, 0
    for label, text, offsets in loader:
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
    scheduler.step()
    print(f"RESULT epoch{epoch} {loss.item():.6f} {total_acc}/{total_count}")
