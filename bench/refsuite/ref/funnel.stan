// Neal's funnel in five dimensions (problem k). Its reference moments are
// exact; NUTS is run on this centred form for its diagnostics.
parameters {
  real v;
  vector[4] x;
}
model {
  v ~ normal(0, 3);
  x ~ normal(0, exp(v / 2));
}
