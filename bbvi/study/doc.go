// Package study measures gradient estimators of package bbvi against exact
// gradients: RunVarianceStudy estimates the mean, variance and mean squared
// error of each estimator's gradient (pathwise with i.i.d. or quasi-Monte
// Carlo draws, sticking the landing, score function with and without control
// variates, NVIL) at fixed variational parameters, on a
// one-dimensional toy problem whose ELBO gradient is known by quadrature
// (ToyExactGradient) and on a 10-dimensional logistic regression with a
// precise pathwise reference. The vigor command's `study variance` prints
// its table and draws its picture.
//
// Every estimator is named as in bbvi.EstimatorByName; the study runs each
// cell (problem, estimator, draws) from its own PCG stream, so adding an
// estimator does not change the others' numbers.
package study
