package gotrain

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/optim"
)

// Progress receives training progress: the step done, the steps in all,
// and the mean loss since the last call.
type Progress func(step, steps int, loss float64)

// pretrain trains every base tensor with the language-model loss on
// windows of stream, drawn at random from a generator seeded by the
// recipe and the step.
func pretrain(ctx context.Context, m *model.Model[float32], stream []int32, r Recipe, progress Progress) error {
	t := r.SeqLen
	if len(stream) < t+2 {
		return fmt.Errorf("pretraining corpus has %d tokens, fewer than one window of %d", len(stream), t+1)
	}
	m.SetBaseTrainable(true)
	defer m.SetBaseTrainable(false)
	params := m.Trainable()
	tensors := make([]optim.Tensor[float32], len(params))
	for i, p := range params {
		tensors[i] = optim.Tensor[float32]{Data: p.Data, Grad: p.Grad, Decay: p.Decay}
	}
	opt := optim.NewAdamW(tensors, 0.1)
	ws := m.NewWorkspace()
	b := model.Batch{B: r.Batch, T: t, IDs: make([]int32, r.Batch*t), Targets: make([]int32, r.Batch*t)}
	var sum float64
	var count int
	every := max(1, r.Steps/50)
	for step := 1; step <= r.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(uint64(r.Seed), uint64(step)))
		for i := 0; i < r.Batch; i++ {
			at := rng.IntN(len(stream) - t - 1)
			copy(b.IDs[i*t:(i+1)*t], stream[at:at+t])
			copy(b.Targets[i*t:(i+1)*t], stream[at+1:at+t+1])
		}
		m.ZeroGrad()
		loss, n := m.Loss(b, ws, true, 1/float32(r.Batch*t), nil)
		optim.ClipGradNorm(tensors, 1)
		opt.Update(optim.Cosine(r.LR, step, r.Warmup, r.Steps))
		sum += loss / float64(n)
		count++
		if progress != nil && (step%every == 0 || step == r.Steps) {
			progress(step, r.Steps, sum/float64(count))
			sum, count = 0, 0
		}
	}
	return nil
}
