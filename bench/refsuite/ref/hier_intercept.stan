// Varying intercepts (problem j), sampled in the non-centred form; alpha, the
// centred intercepts that Vigor fits, is a transformed parameter.
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> g[N];
  vector[N] x;
  vector[N] y;
}
parameters {
  real mu;
  real<lower=0> tau;
  real beta;
  real<lower=0> sigma;
  vector[J] alpha_raw;
}
transformed parameters {
  vector[J] alpha = mu + tau * alpha_raw;
}
model {
  mu ~ normal(0, 5);
  tau ~ normal(0, 2);
  beta ~ normal(0, 5);
  sigma ~ normal(0, 2);
  alpha_raw ~ normal(0, 1);
  y ~ normal(alpha[g] + beta * x, sigma);
}
