// AR(1), conditional on the first value (problem g); phi has a flat prior on
// (-1, 1).
data {
  int<lower=1> N;
  vector[N] y;
  vector[N] ylag;
}
parameters {
  real mu;
  real<lower=-1, upper=1> phi;
  real<lower=0> sigma;
}
model {
  mu ~ normal(0, 10);
  sigma ~ normal(0, 2);
  y ~ normal(mu + phi * (ylag - mu), sigma);
}
