// Command vigorbench times Vigor on the two workloads of bench/vs_torch.sh and
// prints one JSON line per measurement, like the PyTorch scripts beside it.
//
//	go run ./bench/vigorbench vae [--epochs 1] [--data-dir DIR]
//	go run ./bench/vigorbench bbvi [--steps 500] [--dtype float32|float64]
//
// vae trains the default VAE (784-400-20, ReLU, batch 128, Adam 1e-3,
// continuous targets, float32) and reports each epoch's seconds and losses.
// bbvi runs reparameterized BBVI steps on a logistic regression with
// N = 10,000, D = 20 (+ intercept), S = 8, mean-field, Adam, and reports steps
// per second after a warm-up.
package main
