// Poisson regression with a log link and a log-exposure offset (problem i).
data {
  int<lower=1> N;
  int<lower=1> K;
  matrix[N, K] X;
  vector[N] offset;
  int<lower=0> y[N];
}
parameters {
  vector[K + 1] beta;
}
model {
  beta ~ normal(0, 2.5);
  y ~ poisson_log(offset + beta[1] + X * beta[2:(K + 1)]);
}
