package main

import (
	"fmt"
	"io"
	"os"
)

// env is what a command may touch: its output streams, whether stderr is a
// terminal (for progress bars) and, while a leaf command runs, its path for
// messages ("vigor vae train"). Tests build one by hand.
type env struct {
	stdout, stderr io.Writer
	isTTY          bool
	cmd            string
}

// commandTree returns vigor's commands. It is the one registry of commands:
// `vigor -h`, `vigor help`, the dispatch and the tests all walk it. To add a
// command, add an entry here (a leaf: its name, summary, flags summary, help
// text and options struct, see options in command.go) and put its options
// struct in a file of its own; doc.go documents every command, and a test
// checks that it does. A --model of `vigor fit` is an entry of the model
// registry instead (see fitModel).
func commandTree() *command {
	return &command{
		name:        "vigor",
		noun:        "command",
		listOnError: true,
		about:       "Vigor is black-box variational inference for Go.",
		subs: []*command{
			{name: "fit", summary: "fit a model to a CSV file: " + orList(modelNames()) + " (--model)",
				synopsis: fitSynopsis(), about: fitAbout(), opts: func() options { return newFitOptions() }},
			{name: "vae", noun: "command", about: vaeAbout, subs: []*command{
				{name: "train", summary: "train a VAE on MNIST, writing a run folder (checkpoint, metrics, pictures)",
					synopsis: vaeTrainSynopsis, about: vaeTrainAbout, opts: func() options { return &vaeTrainOptions{} }},
				{name: "eval", summary: "test ELBO and importance-sampled log-likelihood of a VAE checkpoint",
					synopsis: vaeEvalSynopsis, about: vaeEvalAbout, opts: func() options { return &vaeEvalOptions{} }},
				{name: "sample", summary: "decode draws from a VAE's prior into a PNG grid",
					synopsis: vaeSampleSynopsis, about: vaeSampleAbout, opts: func() options { return &vaeSampleOptions{} }},
			}},
			{name: "data", noun: "command", about: dataAbout, subs: []*command{
				{name: "fetch", noun: "dataset", about: dataFetchAbout, subs: []*command{
					{name: "mnist", summary: "fetch MNIST (11.5 MB) into the data directory, checksums verified",
						synopsis: fetchMNISTSynopsis, about: fetchMNISTAbout, opts: func() options { return &fetchMNISTOptions{} }},
				}},
				{name: "cache", summary: "build the binary column cache of a CSV file (what vigor fit --cache reads)",
					synopsis: dataCacheSynopsis, about: dataCacheAbout, opts: func() options { return &dataCacheOptions{} }},
			}},
			{name: "study", noun: "study", about: studyAbout, subs: []*command{
				{name: "variance", summary: "compare the variance of the ELBO gradient estimators against the number of draws",
					synopsis: studyVarianceSynopsis, about: studyVarianceAbout, opts: func() options { return &studyVarianceOptions{} }},
			}},
		},
	}
}

// write writes b to stdout. A failure (a full disk, a closed pipe) is an
// error, exit code 1, whose message says what was lost: lost describes the
// output ("the evaluation (ELBO ...)").
func (e *env) write(lost string, b []byte) error {
	if _, err := e.stdout.Write(b); err != nil {
		return fmt.Errorf("writing %s to stdout: %w", lost, err)
	}
	return nil
}

// printf is write of a formatted line.
func (e *env) printf(lost, format string, args ...any) error {
	return e.write(lost, fmt.Appendf(nil, format, args...))
}

// main runs the command named by the process arguments and exits with its
// code; a progress bar is drawn when stderr is a terminal.
func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr)))
}

// run is the whole program behind main, minus os.Exit: it runs the command
// that args name and returns the exit code.
func run(args []string, stdout, stderr io.Writer, isTTY bool) int {
	e := &env{stdout: stdout, stderr: stderr, isTTY: isTTY}
	return commandTree().exec("vigor", args, e)
}
