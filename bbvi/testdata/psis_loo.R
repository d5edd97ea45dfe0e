# Reference numbers for bbvi/psis_test.go (TestPSISReference), from R's loo
# package (version 2.5.1, r_eff = 1). Run from bbvi/testdata:
#   Rscript psis_loo.R > psis_loo.txt
# Output: for each case a line "case NAME S KHAT ESS", then S lines
# "LOG_RATIO LOG_WEIGHT" (the normalized smoothed log weight), all %.17g.
# (loo rejects -Inf log ratios, so no case has them.)
suppressMessages(library(loo))
set.seed(20240601)
lt3 <- function(z) dt(z, df = 3, log = TRUE) - dnorm(z, log = TRUE)
cases <- list(
  "normal-t3-1000" = lt3(rnorm(1000)),
  "exp-k0.5-200" = { z <- rexp(200); log(0.5) + 0.5 * z },
  "exp-k0.9-2000" = { z <- rexp(2000); log(0.1) + 0.9 * z },
  "narrow-500" = { z <- rnorm(500); dnorm(z, sd = 0.8, log = TRUE) - dnorm(z, log = TRUE) },
  "wide-offset-800" = { z <- rnorm(800); -5000 + dnorm(z, sd = 1.5, log = TRUE) - dnorm(z, log = TRUE) },
  "tail5-25" = rnorm(25),
  "tail6-26" = rnorm(26)
)
for (name in names(cases)) {
  lr <- cases[[name]]
  ps <- suppressWarnings(psis(lr, r_eff = 1))
  lw <- as.vector(weights(ps, log = TRUE, normalize = TRUE))
  cat(sprintf("case %s %d %.17g %.17g\n", name, length(lr), pareto_k_values(ps), psis_n_eff_values(ps)))
  cat(sprintf("%.17g %.17g\n", lr, lw), sep = "")
}
