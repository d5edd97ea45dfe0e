package bbvi

import "math/rand/v2"

// SetStreamSizes makes the windows of streamed fits about window bytes and
// the chunks of their Laplace start chunk rows, for tests of small data; the
// returned function restores the defaults.
func SetStreamSizes(window, chunk int) (restore func()) {
	w, c := windowBytes, chunkRows
	windowBytes, chunkRows = window, chunk
	return func() { windowBytes, chunkRows = w, c }
}

// StreamBatches draws batches of bsz rows from src as a streamed fit does
// and returns, per batch, each array's values and the rows they came from.
func StreamBatches(src RowSource, bsz, batches int, rng *rand.Rand) ([][][]float64, [][]int, error) {
	schema, err := sourceSchema(src)
	if err != nil {
		return nil, nil, err
	}
	s := newStream(src, schema, src.N(), bsz)
	var vals [][][]float64
	var rows [][]int
	for i := 0; i < batches; i++ {
		b, r, err := s.batch(rng)
		if err != nil {
			return nil, nil, err
		}
		c := make([][]float64, len(b))
		for k := range b {
			c[k] = append([]float64(nil), b[k]...)
		}
		vals = append(vals, c)
		rows = append(rows, append([]int(nil), r...))
	}
	return vals, rows, nil
}

// LaplaceAndRatios builds the fit of m to data, or to src when it is not
// nil (streamed, whatever its size), with the default start, and returns
// its Laplace mode and precision and the log importance ratios of n draws
// from its initial q, drawn with a PCG seeded by seed.
func LaplaceAndRatios(m Model, data Data, src RowSource, s *Settings, n int, seed uint64) (mode, prec, logw []float64, err error) {
	set := s.withDefaults()
	if src != nil {
		if data, err = sourceSchema(src); err != nil {
			return nil, nil, nil, err
		}
		set.source = src
	}
	f, err := newFitter(m, data, set, rand.New(rand.NewPCG(seed, seed)))
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.m.Close()
	if mode, prec, err = f.laplace(); err != nil {
		return nil, nil, nil, err
	}
	logw, _, _, err = f.importanceRatios(n)
	return mode, prec, logw, err
}
