// Package models holds ready-made Bayesian models for package bbvi: linear
// regression (noise sd known, or learned with a half-normal prior) and
// logistic regression, each with Normal(0, s²) priors on every coefficient.
// They are ordinary bbvi.Model values, written with the graph Builder the way
// a user would write their own:
//
//	m := &models.LogisticRegression{Features: names, Intercept: true}
//	data, err := m.Data(X, y)                    // X is N×D row-major, y 0/1
//	post, err := bbvi.Fit(m, data, nil, rng)     // mean-field, defaults
//
// Their likelihoods are graph.GLMLogLik's fused kernels: the linear
// predictor, the log-likelihood and its gradient in one pass over the data,
// on every core for large N, with the same bits on any number of cores.
//
// A new ready-made model is one file here implementing bbvi.Model (Latents,
// LogPrior, LogLikelihood) with a Data method that validates and packs the
// user's arrays.
package models
