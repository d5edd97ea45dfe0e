//go:build !linux && !darwin

package main

// physicalMemory cannot read the machine's memory here: the budget is then
// $VIGOR_MEMORY or 8 GiB.
func physicalMemory() uint64 { return 0 }
