package optim

import "math"

// Cosine is the learning rate at step (1-based) of steps: linear warmup
// from 0 over warmup steps, then a half cosine down to 0 at the last step
// (as transformers' get_cosine_schedule_with_warmup).
func Cosine(peak float64, step, warmup, steps int) float64 {
	if step <= warmup && warmup > 0 {
		return peak * float64(step) / float64(warmup)
	}
	if steps <= warmup {
		return peak
	}
	progress := float64(step-warmup) / float64(steps-warmup)
	return peak * 0.5 * (1 + math.Cos(math.Pi*min(progress, 1)))
}
