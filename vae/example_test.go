package vae_test

import (
	"fmt"
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
