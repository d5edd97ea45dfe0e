#!/usr/bin/python3
"""PyTorch reference for the Vigor VAE benchmark (a benchmark tool only; Vigor
does not depend on PyTorch).

The model and training of PyTorch's examples/vae/main.py: 784-400-20 with ReLU,
Bernoulli decoder (sigmoid + summed binary cross-entropy) plus the analytic KL,
batch 128 (the last, smaller batch included), Adam 1e-3, continuous targets,
float32. It reads the same MNIST IDX files as Vigor (no torchvision needed),
trains for --epochs and prints one JSON line per epoch:
{"epoch", "seconds", "train_loss", "test_loss"}; the loss is per image.

usage: /usr/bin/python3 bench/torch_vae.py --data-dir DIR [--epochs 1] [--threads 2] [--seed 1]
"""
import argparse
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, path
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    d = args.data_dir
    train = torch.from_numpy(read_idx(os.path.join(d, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255)
    test = torch.from_numpy(read_idx(os.path.join(d, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255)
    model = VAE()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(train.shape[0])
        total = 0.0
        for i in range(0, train.shape[0], args.batch):
            x = train[perm[i:i + args.batch]]
            opt.zero_grad()
            recon, mu, logvar = model(x)
            loss = loss_function(recon, x, mu, logvar)
            loss.backward()
            total += loss.item()
            opt.step()
        secs = time.perf_counter() - t0
        model.eval()
        test_total = 0.0
        with torch.no_grad():
            for i in range(0, test.shape[0], args.batch):
                x = test[i:i + args.batch]
                recon, mu, logvar = model(x)
                test_total += loss_function(recon, x, mu, logvar).item()
        print(json.dumps({"epoch": epoch, "seconds": secs, "train_loss": total / train.shape[0],
                          "test_loss": test_total / test.shape[0]}), flush=True)


if __name__ == "__main__":
    main()
