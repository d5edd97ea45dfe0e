#!/usr/bin/python3
"""PyTorch reference for the Vigor BBVI step benchmark (a benchmark tool only).

Bayesian logistic regression with N = 10,000 rows, D = 20 features plus an
intercept, Normal(0, 10²) priors, a mean-field Gaussian q, the reparameterized
ELBO with S = 8 draws and the closed-form entropy, all data every step, Adam
(lr 0.01). It times --steps steps after --warmup steps and prints JSON:
{"steps_per_second", "seconds", "elbo", "dtype", "threads"}.

usage: /usr/bin/python3 bench/torch_bbvi.py [--steps 500] [--threads 2] [--dtype float32|float64]
"""
import argparse
import json
import math
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dt = {"float32": torch.float32, "float64": torch.float64}[args.dtype]
    n, d, s = 10000, 20, 8
    beta = torch.randn(d, dtype=dt) * 0.5
    X = torch.randn(n, d, dtype=dt)
    p = torch.sigmoid(X @ beta + 0.2)
    y = torch.bernoulli(p)
    Xi = torch.cat([torch.ones(n, 1, dtype=dt), X], dim=1)  # intercept column
    dim = d + 1
    mu = torch.zeros(dim, dtype=dt, requires_grad=True)
    omega = torch.zeros(dim, dtype=dt, requires_grad=True)
    opt = torch.optim.Adam([mu, omega], lr=0.01, betas=(0.9, 0.99))
    prior_var = 100.0

    def step():
        opt.zero_grad()
        eps = torch.randn(s, dim, dtype=dt)
        z = mu + eps * torch.exp(omega)                      # (S, dim)
        eta = Xi @ z.T                                       # (N, S)
        loglik = (y[:, None] * eta - torch.nn.functional.softplus(eta)).sum(0)  # (S)
        logprior = (-0.5 * z * z / prior_var).sum(1) - dim * (0.5 * math.log(2 * math.pi * prior_var))
        entropy = omega.sum() + dim * 0.5 * (1 + math.log(2 * math.pi))
        elbo = (loglik + logprior).mean() + entropy
        (-elbo).backward()
        opt.step()
        return elbo.item()

    for _ in range(args.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        e = step()
    secs = time.perf_counter() - t0
    print(json.dumps({"steps_per_second": args.steps / secs, "seconds": secs, "elbo": e,
                      "dtype": args.dtype, "threads": args.threads}))


if __name__ == "__main__":
    main()
