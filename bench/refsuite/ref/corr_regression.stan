// Linear regression with 25 strongly correlated predictors (problem f).
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
  beta ~ normal(0, 10);
  sigma ~ normal(0, 5);
  y ~ normal(beta[1] + X * beta[2:(K + 1)], sigma);
}
