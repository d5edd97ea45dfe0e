// Regression with an interaction, predictors on very different scales
// (problem d). X holds x1, x2 and x1*x2.
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
  beta ~ normal(0, 1e4);
  sigma ~ exponential(1);
  y ~ normal(beta[1] + X * beta[2:(K + 1)], sigma);
}
