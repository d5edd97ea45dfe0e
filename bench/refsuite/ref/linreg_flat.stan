// Linear regression with flat coefficients and p(sigma) ∝ 1/sigma (problem c).
data {
  int<lower=1> N;
  int<lower=1> K;
  matrix[N, K] X;
  vector[N] y;
}
parameters {
  vector[K + 1] beta;
  real<lower=0> sigma;
}
model {
  target += -log(sigma);
  y ~ normal(beta[1] + X * beta[2:(K + 1)], sigma);
}
