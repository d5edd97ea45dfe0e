// Command refsuite fits the posteriors of Vigor's reference suite
// (internal/refsuite: twelve models, from the eight schools to Neal's funnel)
// with every registered variational family and compares each fit with a NUTS
// reference computed by Stan, one line per model and family:
//
//	go run ./bench/refsuite [-families meanfield,fullrank] [-models a,b] [-seed 1] [-json out.json]
//	go run ./bench/refsuite -write-data bench/refsuite/data
//
// Every fit is bbvi.Fit with default settings (only the family changes) and a
// PCG seed from -seed. The families default to bbvi.FamilyNames(), so a family
// registered later is fitted too. The line reports:
//
//	max|Δμ|/sd  the worst |fitted mean - reference mean| / reference sd over the
//	            components (constrained space), and the component
//	sd ratio    the range of fitted sd / target sd over the components, and the
//	            target: "nuts" (the posterior sds, constrained space) for every
//	            family but mean-field; "mf" for mean-field, whose target is the
//	            best mean-field Gaussian, sd_j = 1/sqrt((Σ⁻¹)_jj), taken in the
//	            unconstrained space where q is Gaussian (Σ the posterior
//	            covariance of log σ, logit of an interval, ...)
//	drv         the worst mean error of the derived quantities (the second mean
//	            of the ordered mixture, the centred effects of the non-centred
//	            eight schools), estimated from 4000 draws of q and compared in
//	            the reference's own parameterization; reported, not judged
//	result      PASS when every mean error is at most 0.25 and every sd ratio
//	            is within [0.75, 1.33] (the targets; for mean-field,
//	            within 25% of the best mean-field sds: [0.75, 1.25])
//	status      post.Status, then the steps, the seconds, Pareto k̂ ("-" until
//	            the library provides it: see paretoK) and post.Reason
//
// A summary follows: the fits that passed, and whether the status agrees with
// the accuracy (a fit that says "converged" should pass; one that fails should
// not say "converged"). A fit that returns an error prints it on its line and
// the run goes on.
//
// The references are embedded from ref/NAME.json; each records the MD5 of
// the data file it was computed from, and a reference that does not match the
// data the Go code generates today is reported as stale. To recompute them,
// write the data files with -write-data and run make_refs.R (it needs rstan).
package main
