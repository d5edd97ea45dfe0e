// Package refprob holds reference problems with known answers, shared by the
// tests, examples and benchmarks: a conjugate Bayesian linear regression whose
// posterior is Gaussian in closed form, and a two-dimensional logistic regression
// whose posterior moments are computed by quadrature on a grid.
package refprob
