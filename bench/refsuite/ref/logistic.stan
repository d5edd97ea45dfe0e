// Logistic regression (problem e).
data {
  int<lower=1> N;
  int<lower=1> K;
  matrix[N, K] X;
  int<lower=0, upper=1> y[N];
}
parameters {
  vector[K + 1] beta;
}
model {
  beta ~ normal(0, 5);
  y ~ bernoulli_logit(beta[1] + X * beta[2:(K + 1)]);
}
