// Vigor is the command-line face of the vigor library: black-box variational
// inference for Go on Gorgonia.
//
// Usage:
//
//	vigor <command> [flags]
//
// The commands are:
//
//	fit    fit a Bayesian linear or logistic regression to a CSV file
//	study  run an empirical study (variance: the ELBO gradient estimators compared)
//
// "vigor help" (or "vigor -h") lists the commands; "vigor help <command>" and
// "vigor <command> -h" describe one. Flags may be spelled with one or two
// dashes. Results go to stdout or to the file named by --out; progress and
// messages go to stderr.
//
// # Exit status
//
// 0 on success; 1 when the computation or writing the output fails (for
// example a fit that meets a NaN); 2 for a usage error or bad input. Every
// error is one line on stderr, "vigor <command>: <message>", and bad input
// names the file and, where there is one, the line and column:
//
//	vigor fit: data.csv:7:3 (column "x2"): "abc" is not a number
//
// Output files are written atomically: after a failure an existing file is
// left as it was and no partial or empty file is created.
//
// # vigor fit
//
//	vigor fit --model linear|logistic --data FILE.csv --target COL [--features a,b,...] [--no-intercept]
//	          [--family meanfield|fullrank] [--estimator NAME] [--prior-scale S] [--noise-sd SIGMA]
//	          [--samples S] [--batch B] [--steps N] [--optimizer adam|rmsprop|adagrad|sgd] [--lr ETA]
//	          [--tol T] [--seed K] [--quiet] [--out post.json] [--draws N --draws-out draws.csv]
//	          [--float32]
//
// Fit reads a numeric CSV file with a header row (every cell a finite number)
// and fits, by black-box variational inference (ADVI-style, reparameterization
// gradients), the posterior of
//
//	linear:    y_i ~ Normal(a + x_i·β, σ²)
//	logistic:  y_i ~ Bernoulli(sigmoid(a + x_i·β)),   y_i ∈ {0, 1}
//	prior:     a, β_j ~ Normal(0, S²),   σ ~ HalfNormal(10) unless --noise-sd is given
//
// where y is the --target column and x_i holds the --features columns (by
// default every other column, in file order). --no-intercept drops a.
//
// The flags:
//
//	--model       linear or logistic (required)
//	--data        the CSV file (required)
//	--target      the column to predict (required); 0 or 1 for logistic
//	--features    comma-separated feature columns; default all but the target
//	--no-intercept  fit no intercept
//	--family      meanfield (default) or fullrank Gaussian in the unconstrained space
//	--estimator   the ELBO gradient estimator: reparam (default, pathwise),
//	              reparam-mcentropy, or the score function, score[-rb][-decay|-loo|-optimal]
//	              (with Rao-Blackwellization and a control variate: see
//	              bbvi.EstimatorByName); it is reported as "estimator"
//	--prior-scale S, the prior sd of the coefficients (default 10; must be > 0)
//	--noise-sd    known noise sd for linear; 0 or absent learns sigma (not for logistic)
//	--samples     Monte Carlo draws per step (default 8)
//	--batch       rows per step; the likelihood is scaled by N/B (default 0: all rows)
//	--steps       maximum optimizer steps (default 20000)
//	--optimizer   adam (default), rmsprop, adagrad or sgd
//	--lr          learning rate; 0 means the optimizer's default
//	--tol         relative ELBO tolerance (default 0.001); 0 or negative runs all steps
//	--seed        random seed (default 1): the same seed gives the same output
//	--quiet       no progress bar or summary line on stderr
//	--out         write the JSON there instead of stdout ("-" is stdout)
//	--draws N --draws-out FILE
//	              write N joint posterior draws as CSV, one column per name
//	--float32     compute in float32
//
// While fitting, a terminal gets a progress bar on stderr (step, ELBO,
// relative change, elapsed time), redrawn in place after every ELBO
// evaluation. When stderr is not a terminal, fit prints only one summary line
// at the end:
//
//	fit: 2400 steps, converged, ELBO -231.4, 1.2 s
//
// The output is one indented JSON object. All the posterior summaries are in
// the constrained space (sigma > 0) and in the order of "names":
//
//	model, family       as given; estimator, the gradient estimator's name
//	names               "intercept" (unless --no-intercept), the features, then
//	                    "sigma" when the noise sd is learned
//	mean, sd            posterior means and standard deviations
//	cov                 posterior covariance, a list of rows
//	quantiles           {"5": [...], "50": [...], "95": [...]}, the marginal quantiles
//	elbo                the ELBO at the reported parameters
//	elbo_trace          [{"step": s, "elbo": e}, ...], every ELBO evaluation
//	steps, converged    optimizer steps taken, whether the tolerance was met
//	seconds             wall time of the fit (the only field that varies between
//	                    runs with the same flags and data)
//	optimizer           the optimizer's name; optimizer_settings spells out its settings
//	samples, batch      draws per step and the effective rows per step
//	seed, n             the seed and the number of data rows
//	data, target, features, intercept, prior_scale, noise_sd (when known),
//	max_steps, tol, dtype  the rest of the settings
//
// The fit uses a random stream derived from --seed; the --draws-out draws use
// a second, independent stream, so asking for draws does not change the fit.
//
// # vigor fit --model gmm
//
//	vigor fit --model gmm --k K --data FILE.csv [--method bbvi-marginal|bbvi|em] [--columns a,b,...]
//	          [--assignments FILE.csv] [--family meanfield|fullrank] [--samples S] [--batch B]
//	          [--steps N] [--optimizer NAME] [--lr ETA] [--tol T] [--seed K] [--quiet] [--out gmm.json]
//	          [--float32]
//
// With --model gmm, fit reads the --columns of the CSV file (default: every
// column) as N points in D dimensions and fits a mixture of K Gaussians with
// diagonal covariances (mixture.GaussianMixture),
//
//	x_i | z_i = k ~ Normal(μ_k, diag(σ_k²)),   z_i ~ Categorical(w),
//	(μ_kd - x̄_d)/s_d ~ Normal(0, 10²),   σ_kd/s_d ~ HalfNormal(5),   w ~ Dirichlet(1, ..., 1),
//
// where x̄_d and s_d are the mean and sd of column d. --method chooses how:
//
//	bbvi-marginal  (default) BBVI with the assignments summed out of the likelihood,
//	               reparameterization gradients; the weights live on the simplex
//	               through a stick-breaking bijector
//	bbvi           BBVI with the discrete assignments kept, score-function gradients
//	               Rao-Blackwellized over the assignments (mixture.GaussianMixture.FitScore)
//	em             maximum likelihood by expectation-maximization (the priors are not used)
//
// --k (required) is the number of components, 1 ≤ K ≤ N. The BBVI flags
// (--family, --samples, --batch, --steps, --optimizer, --lr, --tol, --float32)
// mean what they mean for the regressions. For em, --steps is the iteration
// limit (default 1000) and --tol the relative log-likelihood tolerance
// (default 1e-8; 0 or negative runs all --steps), each only when given; the
// other BBVI flags are ignored. The regression-only flags (--target,
// --features, --no-intercept, --prior-scale, --noise-sd, --draws, --draws-out)
// are refused with --model gmm, and --k, --method, --columns and --assignments
// without it. Both methods start from k-means++ centres drawn with --seed.
//
// The components are reported sorted by their means (by the first column,
// then the second, ...), which removes the labels' arbitrary order. The JSON
// object has:
//
//	model, method         "gmm" and the method
//	k, columns            the number of components and the data columns, in order
//	means, scales         K lists of D values: component means and sds (posterior
//	                      means for BBVI), in the data's units
//	weights               K mixture weights (posterior means for BBVI)
//	log_likelihood        Σ_i log Σ_k w_k N(x_i; μ_k, σ_k²) at those values
//	elbo, elbo_trace      BBVI only: as for the regressions
//	log_likelihood_trace  EM only: the log-likelihood after each iteration
//	iterations, converged optimizer steps (BBVI) or EM iterations, and whether
//	                      the tolerance was met
//	seconds               wall time of the fit
//	family, optimizer, optimizer_settings, samples, batch, dtype   BBVI only
//	em_settings           EM only: the iteration limit, tolerance and sd floor
//	max_steps, tol, seed, n, data, assignments (when written)
//
// --assignments FILE.csv writes, atomically, one row per data row in the
// file's order with the probabilities p1..pK (in the sorted component order)
// that the row belongs to each component, at the reported parameters. Bad
// input exits with code 2 as for the regressions; so do a --k larger than the
// number of rows and a constant column, which no mixture can be fitted to.
//
// # vigor study variance
//
//	vigor study variance [--out DIR] [--reps N] [--burn N] [--draws 1,2,4,...]
//	                     [--problems toy,logistic10] [--estimators pathwise,score,...]
//	                     [--seed K] [--exact-draws N] [--quiet]
//
// Variance compares the ELBO gradient estimators empirically (see
// study.VarianceStudy and study.RunVarianceStudy): the pathwise
// (reparameterization) estimator, the score-function estimator, and the score
// function with a decaying-average baseline, a leave-one-out baseline and the
// optimal control variate. Two Bayesian logistic regressions with a mean-field
// Gaussian q are studied at fixed variational parameters: "toy" (one data point,
// x = 2, y = 1, prior N(0, 1), q = N(-0.5, 1); exact gradient by Gauss–Hermite
// quadrature) and "logistic10" (an intercept and 9 correlated features, 100
// rows; exact gradient from a pathwise estimate with --exact-draws draws). For
// every number of draws S in --draws (default 1, 2, 4, ..., 256) each
// estimator computes --reps gradient estimates (default 1000, after --burn
// dropped ones, default 50, while the stateful control variates warm up); all
// estimators of a problem and S see the same random draws.
//
// The results go into the existing directory --out (default "."), each file
// written atomically:
//
//	variance.csv   problem, estimator, draws, param, exact, exact_se, mean,
//	               variance, error, se, mse: one row per gradient component
//	               ("mu", "logsd", or "mu[j]", "logsd[j]") and a "total" row
//	               per cell (norms of the exact, mean and error vectors; summed
//	               variances and mean squared errors)
//	variance.png   the total variance against S on log-log axes, one line per
//	               estimator, one panel per problem
//
// A terminal gets a progress bar on stderr; otherwise one summary line is
// printed at the end (none with --quiet). The same --seed gives the same CSV.
// The full study takes one to two minutes.
//
// # Adding a command
//
// A command is one entry of the table in main.go: a name, a one-line summary
// and a function func(args []string, e *env) int that parses its own FlagSet
// (ContinueOnError, printing its usage to stderr and returning 0 for -h) and
// returns the exit status.
package main
