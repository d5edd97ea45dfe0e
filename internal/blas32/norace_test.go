//go:build !race

package blas32

const raceEnabled = false
