package vae_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/vae"
)

// stripes returns n 4×4 images: a bright horizontal or vertical bar.
func stripes(n int) *datasets.ImageSet {
	s := &datasets.ImageSet{N: n, Rows: 4, Cols: 4, Pixels: make([]uint8, n*16), Labels: make([]uint8, n)}
	for i := 0; i < n; i++ {
		s.Labels[i] = uint8(i % 2)
		for j := 0; j < 4; j++ {
			p := (i%4)*4 + j // row i%4
			if i%2 == 1 {
				p = j*4 + i%4 // column i%4
			}
			s.Pixels[i*16+p] = 255
		}
	}
	return s
}

// Train a small VAE, then estimate the test log-likelihood by importance
// sampling and compare it with the ELBO.
func Example() {
	train, test := stripes(512), stripes(64)
	model, err := vae.New(vae.Config{Input: 16, Hidden: []int{32}, Latent: 2}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	tr, err := vae.NewTrainer(model, vae.TrainSettings{Batch: 32, LR: 0.01, Targets: datasets.StaticBinary}, rand.NewPCG(3, 4))
	if err != nil {
		panic(err)
	}
	defer tr.Close()
	first, _ := tr.TrainEpoch(train)
	var last float64
	for e := 0; e < 19; e++ {
		last, _ = tr.TrainEpoch(train)
	}
	fmt.Printf("%d weights, %d epochs\n", tr.Model().NumParams(), tr.Epoch())
	fmt.Println("training loss fell:", last < first/2)

	eval := vae.EvalSettings{Targets: datasets.StaticBinary}
	elbo, _ := vae.Bound(tr.Model(), test, eval, rand.New(rand.NewPCG(5, 6)))
	eval.K = 1000
	_, logp, _ := vae.LogLikelihood(tr.Model(), test, eval, rand.New(rand.NewPCG(7, 8)))
	fmt.Println("log p(x) estimate ≥ ELBO:", logp >= elbo)
	// Output:
	// 1300 weights, 20 epochs
	// training loss fell: true
	// log p(x) estimate ≥ ELBO: true
}

// Train a VAE with 3 binary latent units by NVIL's score-function gradients,
// and check its estimator against the exact ELBO gradient, which a model this
// small has by enumerating its 2³ codes.
func Example_bernoulliLatents() {
	train := stripes(512)
	cfg := vae.Config{Input: 16, Hidden: []int{16}, Latent: 3, Float64: true, Latents: vae.BernoulliLatent}
	model, err := vae.New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	set := vae.TrainSettings{Batch: 32, LR: 0.01, Targets: datasets.StaticBinary, Estimator: vae.NVIL}
	tr, err := vae.NewTrainer(model, set, rand.NewPCG(3, 4))
	if err != nil {
		panic(err)
	}
	defer tr.Close()
	idx := []int{0, 1, 2, 3, 4, 5, 6, 7}
	_, before, _ := vae.ExactGradient(tr.Model(), train, idx, datasets.StaticBinary)
	for e := 0; e < 10; e++ {
		if _, err := tr.TrainEpoch(train); err != nil {
			panic(err)
		}
	}
	exact, after, _ := vae.ExactGradient(tr.Model(), train, idx, datasets.StaticBinary)
	fmt.Println(tr.Model().Config)
	fmt.Println("exact ELBO rose:", after > before)

	// The mean of many NVIL estimates (on the same 8 images) is the exact
	// gradient: compare the first weight of the logits head (enc.logits.W).
	var sum, sumsq float64
	const n = 2000
	for r := 0; r < n; r++ {
		g, err := tr.Gradient(train, idx)
		if err != nil {
			panic(err)
		}
		sum += g[2][0]
		sumsq += g[2][0] * g[2][0]
	}
	mean := sum / n
	se := math.Sqrt((sumsq/n - mean*mean) / n)
	fmt.Println("NVIL mean within 4 standard errors of the exact gradient:", math.Abs(mean-exact[2][0]) < 4*se)
	// Output:
	// 16-16-3 relu bernoulli float64 bernoulli-latents
	// exact ELBO rose: true
	// NVIL mean within 4 standard errors of the exact gradient: true
}
