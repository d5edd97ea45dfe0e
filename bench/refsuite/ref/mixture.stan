// Two-normal mixture with ordered means mu1 < mu2 = mu1 + gap (problem h).
data {
  int<lower=1> N;
  vector[N] y;
}
parameters {
  real mu1;
  real<lower=0> gap;
  real<lower=0, upper=1> w;
  vector<lower=0>[2] sigma;
}
transformed parameters {
  real mu2 = mu1 + gap;
}
model {
  mu1 ~ normal(0, 5);
  gap ~ normal(0, 5);
  w ~ beta(2, 2);
  sigma ~ lognormal(0, 1);
  for (n in 1:N)
    target += log_mix(w, normal_lpdf(y[n] | mu1, sigma[1]), normal_lpdf(y[n] | mu2, sigma[2]));
}
