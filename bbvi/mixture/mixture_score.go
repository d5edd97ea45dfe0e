package mixture

import (
	"errors"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// mixAssign is the name of the local assignment latent of FitScore's model.
const mixAssign = "z"

// mixtureScoreModel is the Bayesian Gaussian mixture of mixtureModel with the
// assignments kept as local categorical latents z_i (for K > 1), the Model of
// FitScore. It is a PointwiseModel: row i's term is
//
//	ℓ_i = Σ_k z_ik [log w_k + Σ_d log N(x_id; μ_kd, σ_kd²)] - Σ_d log s_d,
//
// so that the score-function estimator gives z_i the learning signal
// ℓ_i - log q(z_i) (Rao-Blackwellization).
type mixtureScoreModel struct {
	*mixtureModel
}

// Latents implements Model: the global latents of mixtureModel, then the
// assignments (K > 1 only).
func (m mixtureScoreModel) Latents() []bbvi.Latent {
	ls := m.mixtureModel.Latents()
	if m.k > 1 {
		ls = append(ls, bbvi.Latent{Name: mixAssign, Support: bbvi.Categorical(m.k), Local: true})
	}
	return ls
}

// PointLogLikelihood implements PointwiseModel, shape (S, B).
func (m mixtureScoreModel) PointLogLikelihood(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
	xs := x["x"]
	lp := m.componentLogProbs(b, z, xs) // (B, S, K)
	if lp == nil {
		return nil
	}
	lp = b.SwapLeading(lp) // (S, B, K)
	s, bsz := lp.Shape()[0], lp.Shape()[1]
	var pts *graph.Node
	if m.k == 1 {
		pts = b.Reshape(lp, s, bsz)
	} else {
		pts = b.Sum(b.Mul(z[mixAssign], lp), 2)
	}
	return b.Shift(pts, -m.logSDSum)
}

// LogLikelihood implements Model: the row sum of PointLogLikelihood, shape (S).
func (m mixtureScoreModel) LogLikelihood(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
	return b.Sum(m.PointLogLikelihood(b, z, x), 1)
}

// initLogits returns the initial logits of q(z): the log of the assignment
// probabilities at the parameters of the unconstrained initial mean init
// (means, log sds, stick-breaking values), tempered halfway towards uniform,
// p = (resp + 1/K)/2, so that no assignment starts nearly certain (the
// score-function gradient of a logit is proportional to p(1-p): near-certain
// starts barely move and can trap the fit in a poor optimum); nil if init does
// not have the right length.
func (m mixtureScoreModel) initLogits(md *mixtureData, init []float64) []float64 {
	k, d := m.k, m.d
	kd := k * d
	if len(init) != 2*kd+k-1 {
		return nil
	}
	means := make([][]float64, k)
	scales := make([][]float64, k)
	for c := 0; c < k; c++ {
		means[c] = init[c*d : (c+1)*d]
		scales[c] = make([]float64, d)
		for j := range scales[c] {
			scales[c][j] = math.Exp(init[kd+c*d+j])
		}
	}
	w := make([]float64, k)
	graph.StickBreaking{}.Forward64(w, init[2*kd:])
	_, resp := LogLik(md.std, means, scales, w)
	out := make([]float64, 0, md.n*k)
	for _, row := range resp {
		for _, p := range row {
			out = append(out, math.Log(0.5*p+0.5/float64(k)))
		}
	}
	return out
}

// FitScore fits the Bayesian mixture of m (see GaussianMixture) by black-box
// variational inference with the discrete assignments kept: the latents are the
// global means, sds and weights, as in FitMarginal, and one categorical z_i per
// row, with q(μ, σ, v) Gaussian (Settings' Family) times a mean-field
// categorical q(z_i) with logits per row. The objective is the mixed one of
// ScoreFunction{Pathwise: true}: pathwise gradients for the globals,
// score-function gradients for the assignments, Rao-Blackwellized — the
// learning signal of z_i is its own row's term,
//
//	f_i = log w_{z_i} + log N(x_i; μ_{z_i}, σ_{z_i}²) - log q(z_i),
//
// not the whole joint — with a leave-one-out baseline across the draws.
//
// set is used as in FitMixed (nil means defaults; its Estimator must handle
// discrete latents, nil meaning ScoreFunction{Pathwise: true, RaoBlackwell:
// true, Control: LeaveOneOut{}}). Every step uses all the data (local latents
// rule out minibatches: a BatchSize below N is an error). InitMean nil means
// the k-means++ start of FitMarginal; the logits of q(z) start, unless
// InitLogits gives them, at the assignment probabilities under the initial
// parameters (an E-step) tempered halfway towards uniform, and the Gaussian q
// starts with sd 0.1 as in FitMarginal. set is not modified.
//
// The result has Method "bbvi" and is reported as FitMarginal's: posterior
// means of the means, sds and weights in the data's units, Resp and LogLik at
// those means, the ELBO trace and the Posterior over the globals (the fitted
// q(z) probabilities are not reported: Resp is recomputed from the
// parameters). Errors are as for FitMarginal.
func (m GaussianMixture) FitScore(x [][]float64, set *bbvi.Settings, rng *rand.Rand) (*Result, error) {
	if rng == nil {
		return nil, errors.New("bbvi: gaussian mixture: nil *rand.Rand (randomness must be explicit)")
	}
	md, err := m.prepare(x)
	if err != nil {
		return nil, err
	}
	mm, err := m.model(md)
	if err != nil {
		return nil, err
	}
	model := mixtureScoreModel{mm}
	var s bbvi.Settings
	if set != nil {
		s = *set
	}
	if s.BatchSize > 0 && s.BatchSize < md.n {
		return nil, mixtureErrorf("BatchSize %d < N = %d: the assignments are local latents, so FitScore uses all the data at every step", s.BatchSize, md.n)
	}
	if s.Estimator == nil {
		s.Estimator = bbvi.ScoreFunction{Pathwise: true, RaoBlackwell: true, Control: bbvi.LeaveOneOut{}}
	}
	if s.InitMean == nil {
		s.InitMean = mm.initMean(md, rng)
	}
	if s.Family == nil {
		s.Family = bbvi.MeanField{}
	}
	if s.InitSD == 0 {
		s.InitSD = mixtureInitSD
	}
	if md.k > 1 && s.InitLogits[mixAssign] == nil {
		if l := model.initLogits(md, s.InitMean); l != nil {
			init := map[string][]float64{mixAssign: l}
			for name, v := range s.InitLogits {
				init[name] = v
			}
			s.InitLogits = init
		}
	}
	flat := make([]float64, 0, md.n*md.d)
	for _, row := range md.std {
		flat = append(flat, row...)
	}
	post, err := bbvi.FitMixed(model, bbvi.Data{{Name: "x", Cols: md.d, Values: flat}}, &s, rng)
	if post == nil || post.Continuous == nil {
		return nil, err
	}
	return md.summarize("bbvi", post.Continuous, rng), err
}
