//go:build !race

package blas64

const raceEnabled = false
