// Package models holds ready-made Bayesian regressions for package bbvi:
// linear (noise sd known, or learned with a half-normal prior), logistic,
// Poisson, negative binomial and binomial, each with Normal(0, s²) priors on
// every coefficient and, optionally, varying intercepts by group (Groups):
//
//	η_i = a + x_i·β + τ·η_g[i],   η_g ~ Normal(0, 1),   τ ~ HalfNormal(s)
//
// (non-centred), with each group's deviation τ·η_g reported as a derived
// quantity. They are ordinary bbvi.Model values, written with the graph
// Builder the way a user would write their own, and they are also
// bbvi.Derivers and bbvi.Predictors (posterior predictive draws with
// bbvi.Predict):
//
//	m := &models.PoissonRegression{Features: names, Intercept: true,
//	    Group: &models.Groups{Name: "county", Levels: counties}}
//	data, err := m.DataRows(models.Rows{X: X, Y: y, Group: g}) // X is N×D row-major
//	post, err := bbvi.Fit(m, data, nil, rng)                    // mean-field, defaults
//	post.Derived                                                 // county[...]: τ·η_g
//
// Without groups, the linear, logistic and Poisson likelihoods are
// graph.GLMLogLik's fused kernels: the linear predictor, the log-likelihood
// and its gradient in one pass over the data, on every core for large N,
// with the same bits on any number of cores. With groups, each row's group
// deviation is picked with graph's Gather from the integer index array
// "group".
//
// A new ready-made model is one file here implementing bbvi.Model (Latents,
// LogPrior, LogLikelihood) with a method that validates and packs the user's
// arrays.
package models
