package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/vae"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: vigorbench vae|bbvi [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "vae":
		err = benchVAE(os.Args[2:])
	case "bbvi":
		err = benchBBVI(os.Args[2:])
	default:
		err = fmt.Errorf("unknown benchmark %q (want vae or bbvi)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vigorbench:", err)
		os.Exit(1)
	}
}

func emit(v any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func benchVAE(args []string) error {
	fs := flag.NewFlagSet("vae", flag.ExitOnError)
	epochs := fs.Int("epochs", 1, "epochs")
	dataDir := fs.String("data-dir", "", "MNIST directory")
	seed := fs.Uint64("seed", 1, "seed")
	fs.Parse(args)
	dir, err := datasets.DataDir(*dataDir)
	if err != nil {
		return err
	}
	mn, err := datasets.EnsureMNIST(context.Background(), dir, os.Stderr)
	if err != nil {
		return err
	}
	m, err := vae.New(vae.Config{}, rand.New(rand.NewPCG(*seed, 1)))
	if err != nil {
		return err
	}
	tr, err := vae.NewTrainer(m, vae.TrainSettings{}, rand.NewPCG(*seed, 2))
	if err != nil {
		return err
	}
	defer tr.Close()
	for e := 1; e <= *epochs; e++ {
		start := time.Now()
		loss, err := tr.TrainEpoch(&mn.Train)
		if err != nil {
			return err
		}
		secs := time.Since(start).Seconds()
		b, err := vae.Bound(tr.Model(), &mn.Test, vae.EvalSettings{}, rand.New(rand.NewPCG(*seed, 3)))
		if err != nil {
			return err
		}
		emit(map[string]any{"epoch": e, "seconds": secs, "train_loss": loss, "test_loss": -b, "blas": graph.BLASName()})
	}
	return nil
}

func benchBBVI(args []string) error {
	fs := flag.NewFlagSet("bbvi", flag.ExitOnError)
	steps := fs.Int("steps", 500, "timed steps")
	warmup := fs.Int("warmup", 100, "untimed steps first")
	dtype := fs.String("dtype", "float32", "float32 or float64")
	fs.Parse(args)
	dt := graph.Float32
	if *dtype == "float64" {
		dt = graph.Float64
	} else if *dtype != "float32" {
		return fmt.Errorf("--dtype %q", *dtype)
	}
	const n, d = 10000, 20
	rng := rand.New(rand.NewPCG(1, 1))
	beta := make([]float64, d)
	for j := range beta {
		beta[j] = rng.NormFloat64() * 0.5
	}
	X, y := datasets.LogisticData(rng, n, beta, 0.2, 0.3)
	feats := make([]string, d)
	for j := range feats {
		feats[j] = fmt.Sprintf("x%d", j)
	}
	model := &models.LogisticRegression{Features: feats, Intercept: true}
	data, err := model.Data(X, y)
	if err != nil {
		return err
	}
	// Evaluations (one graph run each) every warm-up-length steps: the first
	// marks the end of the warm-up, the others cost about 1% of the steps. The
	// steps alone are timed, as PyTorch's: the default start and no
	// diagnostics at the end.
	var t0 time.Time
	set := &bbvi.Settings{Draws: 8, MaxSteps: *warmup + *steps, Tol: -1, EvalEvery: *warmup, EvalDraws: 8,
		AverageSteps: -1, Dtype: dt, Start: "default", DiagnosticDraws: -1, Progress: func(p bbvi.Progress) {
			if p.Step == *warmup {
				t0 = time.Now()
			}
		}}
	post, err := bbvi.Fit(model, data, set, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		return err
	}
	secs := time.Since(t0).Seconds()
	emit(map[string]any{"steps_per_second": float64(*steps) / secs, "seconds": secs, "elbo": post.ELBO(),
		"dtype": *dtype, "blas": graph.BLASName()})
	return nil
}
