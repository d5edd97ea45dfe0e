# Stan's side of bench/vs_stan.sh: compile the logistic regression once, then
# fit it with ADVI (meanfield or fullrank, rstan's defaults) or NUTS, timing
# the fit alone, and write the posterior summary as JSON in the layout of
# bench/vsstan (method, mean, sd, seconds; intercept first).
#
#   Rscript bench/vsstan/stan.R compile DIR
#   Rscript bench/vsstan/stan.R meanfield|fullrank|nuts DIR FILE.csv TARGET PRIOR_SCALE SEED OUT.json
#
# DIR holds the compiled model (logistic.rds); compile prints its seconds.
# rstan 2.21 wants the old array syntax (int y[N]).
suppressMessages(library(rstan))
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
args <- commandArgs(trailingOnly = TRUE)
what <- args[1]
dir <- args[2]
rds <- file.path(dir, "logistic.rds")

code <- "
data {
  int<lower=1> N;
  int<lower=1> K;
  matrix[N, K] X;
  int<lower=0, upper=1> y[N];
  real<lower=0> s;
}
parameters {
  real alpha;
  vector[K] beta;
}
model {
  alpha ~ normal(0, s);
  beta ~ normal(0, s);
  y ~ bernoulli_logit(alpha + X * beta);
}
"

if (what == "compile") {
  t <- system.time(m <- stan_model(model_code = code, model_name = "logistic"))[["elapsed"]]
  saveRDS(m, rds)
  cat(sprintf("%.2f\n", t))
  quit(status = 0)
}

csv <- args[3]
target <- args[4]
s <- as.numeric(args[5])
seed <- as.integer(args[6])
out <- args[7]
m <- readRDS(rds)
d <- read.csv(csv)
y <- as.integer(d[[target]])
X <- as.matrix(d[, setdiff(names(d), target), drop = FALSE])
data <- list(N = nrow(X), K = ncol(X), X = X, y = y, s = s)
rm(d)

if (what == "nuts") {
  t <- system.time(fit <- sampling(m, data = data, chains = 4, cores = 2, iter = 4000,
                                   warmup = 2000, seed = seed, refresh = 0))[["elapsed"]]
} else {
  # rstan's ADVI defaults: iter 10000, eta adapted, tol_rel_obj 0.01,
  # 1000 approximate posterior draws.
  t <- system.time(fit <- vb(m, data = data, algorithm = what, seed = seed,
                             refresh = 0))[["elapsed"]]
}
draws <- as.matrix(fit, pars = c("alpha", "beta"))
res <- list(method = if (what == "nuts") "nuts" else paste0("advi-", what),
            names = c("intercept", colnames(X)),
            mean = unname(colMeans(draws)), sd = unname(apply(draws, 2, sd)),
            seconds = t)
writeLines(jsonlite::toJSON(res, auto_unbox = TRUE, digits = NA), out)
