// A banana, x1 ~ N(0, 2^2), x2 ~ N(x1^2 / 2, 1) (problem l). Its reference
// moments are exact; NUTS is run for its diagnostics.
parameters {
  vector[2] x;
}
model {
  x[1] ~ normal(0, 2);
  x[2] ~ normal(0.5 * square(x[1]), 1);
}
