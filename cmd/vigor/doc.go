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
//	          [--family meanfield|fullrank] [--prior-scale S] [--noise-sd SIGMA]
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
//	model, family       as given
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
// # Adding a command
//
// A command is one entry of the table in main.go: a name, a one-line summary
// and a function func(args []string, e *env) int that parses its own FlagSet
// (ContinueOnError, printing its usage to stderr and returning 0 for -h) and
// returns the exit status.
package main
