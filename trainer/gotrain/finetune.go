package gotrain

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/optim"
)

// fineTune trains the adapters of m on train, evaluating on val every
// EvalEvery steps, checkpointing every CheckpointEvery steps into dir,
// and resuming from resume when it is set. It leaves the best tensors (by
// validation loss) in the model and returns the last step taken.
func fineTune(ctx context.Context, m *model.Model[float32], train, val []seq, h HParams, seed int64, dir, resume string, emit func(trainer.Event) error) (int, error) {
	params := m.Trainable()
	tensors := make([]optim.Tensor[float32], len(params))
	for i, p := range params {
		tensors[i] = optim.Tensor[float32]{Data: p.Data, Grad: p.Grad, Decay: p.Decay}
	}
	opt := optim.NewAdamW(tensors, h.WeightDecay)
	st := &state{bestLoss: math.Inf(1)}
	if resume != "" {
		var err error
		if st, err = loadCheckpoint(resume, params, opt); err != nil {
			return 0, fmt.Errorf("resume: %w", err)
		}
	}
	m.Dropout = h.Dropout
	ws := m.NewWorkspace()
	smp := &sampler{n: len(train), size: h.BatchSize, seed: seed}
	evalBatch := 2 * h.BatchSize
	var lossSum float64
	var lossSteps, tokens int
	var lastNorm float64
	tick := time.Now()
	prevCkpt := ""
	evaluate := func(step int) (stop bool, err error) {
		loss := meanLoss(m, ws, val, evalBatch)
		if err := emit(trainer.Event{Event: trainer.EventEval, Step: step, Split: "validation", Values: map[string]float64{"loss": loss}}); err != nil {
			return false, err
		}
		if loss < st.bestLoss {
			st.bestLoss, st.bestStep, st.bad = loss, step, 0
			st.best = make([][]float32, len(params))
			for i, p := range params {
				st.best[i] = append([]float32(nil), p.Data...)
			}
			return false, nil
		}
		st.bad++
		return h.Patience > 0 && st.bad >= h.Patience, nil
	}
	step := st.step
	// save checkpoints the state after step and drops the one before.
	save := func() error {
		st.step = step
		path := filepath.Join(dir, fmt.Sprintf("step-%d.safetensors", step))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := saveCheckpoint(path, params, opt, st); err != nil {
			return err
		}
		if err := emit(trainer.Event{Event: trainer.EventCheckpoint, Step: step, Path: path}); err != nil {
			return err
		}
		if prevCkpt != "" && prevCkpt != path {
			os.Remove(prevCkpt)
		}
		prevCkpt = path
		return nil
	}
	for step < h.Steps {
		if err := ctx.Err(); err != nil {
			// Asked to stop (SIGTERM: a user's Ctrl-C, or an early-stopping
			// rule pausing the trial): keep the steps since the last
			// checkpoint, so that a resumed attempt loses nothing.
			if step > st.step {
				if serr := save(); serr != nil {
					return step, errors.Join(err, serr)
				}
			}
			return step, err
		}
		step++
		m.ZeroGrad()
		micro := make([]model.Batch, h.GradAccum)
		total := 0
		for a := range micro {
			idx := smp.micro((step-1)*h.GradAccum + a)
			seqs := make([]seq, len(idx))
			for i, j := range idx {
				seqs[i] = train[j]
			}
			micro[a] = batchOf(seqs)
			for _, t := range micro[a].Targets {
				if t != nn.Ignore {
					total++
				}
			}
		}
		var stepLoss float64
		for a, b := range micro {
			var rng *rand.Rand
			if h.Dropout > 0 {
				rng = rand.New(rand.NewPCG(uint64(seed)^0x5eed, uint64((step-1)*h.GradAccum+a)))
			}
			l, _ := m.Loss(b, ws, true, 1/float32(max(total, 1)), rng)
			stepLoss += l
			tokens += b.B * b.T
		}
		lastNorm = optim.ClipGradNorm(tensors, h.GradClip)
		lr := optim.Cosine(h.LR, step, h.Warmup, h.Steps)
		opt.Update(lr)
		lossSum += stepLoss / float64(max(total, 1))
		lossSteps++
		if step%h.LogEvery == 0 || step == h.Steps {
			el := time.Since(tick).Seconds()
			vals := map[string]float64{"loss": lossSum / float64(lossSteps), "lr": lr, "grad_norm": lastNorm, "tokens_per_s": float64(tokens) / el}
			if err := emit(trainer.Event{Event: trainer.EventMetric, Step: step, Values: vals}); err != nil {
				return step, err
			}
			lossSum, lossSteps, tokens, tick = 0, 0, 0, time.Now()
		}
		stop := false
		if (h.EvalEvery > 0 && step%h.EvalEvery == 0) || step == h.Steps {
			var err error
			if stop, err = evaluate(step); err != nil {
				return step, err
			}
		}
		if (h.CheckpointEvery > 0 && step%h.CheckpointEvery == 0) || stop || step == h.Steps {
			if err := save(); err != nil {
				return step, err
			}
		}
		if stop {
			break
		}
	}
	if st.best != nil {
		for i, p := range params {
			copy(p.Data, st.best[i])
		}
	}
	return step, nil
}
