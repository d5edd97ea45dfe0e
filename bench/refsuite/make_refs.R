# make_refs.R computes the NUTS references of Vigor's reference suite.
#
# From the repository root:
#
#   go run ./bench/refsuite -write-data bench/refsuite/data   # the data files (committed)
#   Rscript bench/refsuite/make_refs.R                        # every problem
#   Rscript bench/refsuite/make_refs.R mixture ar1            # some of them
#
# For each data file data/NAME.json (written by the Go command from the
# problem's definition in internal/refsuite), it compiles ref/<stan> with
# rstan, runs 4 chains of 2000 warmup and 5000 kept iterations with the
# problem's seed, one chain at a time, and writes ref/NAME.json: the names of
# the components in Vigor's order, the posterior means, sds, covariance and
# best mean-field sds 1/sqrt(diag(Sigma^-1)) in the constrained space and in
# the unconstrained one (log of a positive component, logit of an interval),
# the derived quantities, the NUTS diagnostics (split R-hat, bulk and tail
# ESS, divergences, tree-depth hits), the MD5 of the data file, and the R,
# rstan and Stan versions. Problems marked exact (the funnel, the banana) get
# their closed-form moments; NUTS is run on them for its diagnostics only.
# A problem with a stan_diag program (the centred eight schools) also gets
# that program's diagnostics under "diag".
#
# Needs: apt-get install -y r-cran-rstan r-cran-jsonlite. Compiled models are
# cached in the user's cache directory, not in the repository.

suppressPackageStartupMessages({
  library(rstan)
  library(jsonlite)
})
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
options(mc.cores = 1)

here <- "bench/refsuite"
if (!dir.exists(file.path(here, "data"))) stop("run from the repository root, after go run ./bench/refsuite -write-data bench/refsuite/data")
CHAINS <- 4
WARMUP <- 2000
DRAWS <- 5000
MAX_TREEDEPTH <- 12

u <- jsonlite::unbox

compiled <- list()
compile <- function(stan) {
  if (!is.null(compiled[[stan]])) return(compiled[[stan]])
  cache <- tools::R_user_dir("vigor-refsuite", "cache")
  dir.create(cache, recursive = TRUE, showWarnings = FALSE)
  src <- file.path(here, "ref", stan)
  f <- file.path(cache, stan)
  if (!file.exists(f) || !identical(readLines(f), readLines(src))) file.copy(src, f, overwrite = TRUE)
  message("compiling ", stan)
  sm <- stan_model(file = f, auto_write = TRUE)
  compiled[[stan]] <<- sm
  sm
}

# run samples a program and returns the draws of the wanted names (a matrix,
# one column per name, chains stacked) with the diagnostics.
run <- function(stan, spec, names) {
  sm <- compile(stan)
  t0 <- proc.time()[["elapsed"]]
  fit <- sampling(sm, data = spec$data, chains = CHAINS, warmup = WARMUP, iter = WARMUP + DRAWS,
                  seed = spec$seed, cores = 1, refresh = 0,
                  control = list(adapt_delta = spec$adapt_delta, max_treedepth = MAX_TREEDEPTH))
  secs <- proc.time()[["elapsed"]] - t0
  arr <- as.array(fit)[, , names, drop = FALSE] # iterations x chains x names
  mon <- monitor(arr, warmup = 0, print = FALSE)
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  diag <- list(
    stan = u(stan), chains = u(CHAINS), warmup = u(WARMUP), draws = u(DRAWS), seed = u(spec$seed),
    adapt_delta = u(spec$adapt_delta), max_treedepth = u(MAX_TREEDEPTH),
    max_rhat = u(max(mon$Rhat)), min_ess_bulk = u(min(mon$Bulk_ESS)), min_ess_tail = u(min(mon$Tail_ESS)),
    divergences = u(sum(sapply(sp, function(x) sum(x[, "divergent__"])))),
    treedepth_hits = u(sum(sapply(sp, function(x) sum(x[, "treedepth__"] >= MAX_TREEDEPTH)))),
    seconds = u(secs)
  )
  M <- matrix(arr, ncol = length(names))
  colnames(M) <- names
  list(M = M, diag = diag, mcse = unname(mon$se_mean))
}

moments <- function(M) {
  S <- cov(M)
  list(mean = unname(colMeans(M)), sd = unname(sqrt(diag(S))), cov = unname(S),
       mf_sd = unname(1 / sqrt(diag(solve(S)))))
}

unconstrain <- function(M, spec) {
  for (j in seq_along(spec$support)) {
    if (spec$support[j] == "positive") M[, j] <- log(M[, j])
    if (spec$support[j] == "interval") M[, j] <- qlogis((M[, j] - spec$lower[j]) / (spec$upper[j] - spec$lower[j]))
  }
  M
}

# exact returns the closed-form moments of the problems marked exact (all
# their components are real, so both spaces agree).
exact <- function(name) {
  if (name == "funnel") {
    # v ~ N(0, 3^2); x_i | v ~ N(0, e^v): Var x_i = E e^v = e^(9/2); all uncorrelated.
    sd <- c(3, rep(exp(9 / 4), 4))
    return(list(mean = rep(0, 5), sd = sd, cov = diag(sd^2), mf_sd = sd))
  }
  if (name == "banana") {
    # x1 ~ N(0, 2^2); x2 | x1 ~ N(x1^2/2, 1): E x2 = 2, Var x2 = 1 + Var(x1^2)/4 = 1 + 2*16/4 = 9,
    # Cov(x1, x2) = E[x1^3]/2 = 0.
    sd <- c(2, 3)
    return(list(mean = c(0, 2), sd = sd, cov = diag(sd^2), mf_sd = sd))
  }
  stop("no closed form for ", name)
}

make_ref <- function(file) {
  spec <- fromJSON(file, simplifyVector = TRUE)
  message(sprintf("== %s (%s): %s", spec$name, spec$id, spec$title))
  derived <- as.character(spec$derived)
  derived_stan <- as.character(spec$derived_stan)
  r <- run(spec$stan, spec, c(spec$stan_names, derived_stan))
  d <- length(spec$names)
  M <- r$M[, seq_len(d), drop = FALSE]
  out <- list(id = u(spec$id), name = u(spec$name), title = u(spec$title), stan = u(spec$stan),
              method = u(if (isTRUE(spec$exact)) "exact" else "nuts"),
              names = spec$names, support = spec$support)
  if (isTRUE(spec$exact)) {
    ex <- exact(spec$name)
    out <- c(out, ex, list(unconstrained = ex, mcse_mean = rep(0, d)))
    nuts <- moments(M)
    out$nuts_check <- list(mean = nuts$mean, sd = nuts$sd)
  } else {
    out <- c(out, moments(M), list(unconstrained = moments(unconstrain(M, spec)), mcse_mean = r$mcse[seq_len(d)]))
  }
  if (length(derived) > 0) {
    D <- r$M[, d + seq_along(derived), drop = FALSE]
    out$derived <- list(names = derived, mean = unname(colMeans(D)), sd = unname(apply(D, 2, sd)),
                        mcse_mean = r$mcse[d + seq_along(derived)])
  }
  out$nuts <- r$diag
  if (nzchar(spec$stan_diag)) {
    rd <- run(spec$stan_diag, spec, spec$stan_names)
    md <- moments(rd$M)
    out$diag <- c(rd$diag, list(mean = md$mean, sd = md$sd))
  }
  out$data_md5 <- u(unname(tools::md5sum(file)))
  out$r_version <- u(R.version.string)
  out$rstan_version <- u(as.character(packageVersion("rstan")))
  out$stan_version <- u(stan_version())
  dest <- file.path(here, "ref", paste0(spec$name, ".json"))
  writeLines(toJSON(out, digits = I(8), pretty = TRUE), dest)
  message(sprintf("   max Rhat %.4f, min bulk ESS %.0f, min tail ESS %.0f, %d divergences, %d tree-depth hits, %.0f s -> %s",
                  r$diag$max_rhat, r$diag$min_ess_bulk, r$diag$min_ess_tail, r$diag$divergences,
                  r$diag$treedepth_hits, r$diag$seconds, dest))
  if (!is.null(out$diag)) {
    message(sprintf("   %s (diagnostics only): max Rhat %.4f, min bulk ESS %.0f, %d divergences",
                    spec$stan_diag, out$diag$max_rhat, out$diag$min_ess_bulk, out$diag$divergences))
  }
}

args <- commandArgs(trailingOnly = TRUE)
files <- sort(Sys.glob(file.path(here, "data", "*.json")))
if (length(args) > 0) files <- file.path(here, "data", paste0(args, ".json"))
for (f in files) make_ref(f)
