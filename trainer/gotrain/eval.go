package gotrain

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
	"github.com/tiedlora/tiedlora-sweep/trainer"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/tokenizer"
)

// meanLoss is the mean answer-token loss over seqs, in batches.
func meanLoss(m *model.Model[float32], ws *model.Workspace[float32], seqs []seq, batch int) float64 {
	var sum float64
	var n int
	for i := 0; i < len(seqs); i += batch {
		l, c := m.Loss(batchOf(seqs[i:min(i+batch, len(seqs))]), ws, false, 1, nil)
		sum += l
		n += c
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// generate greedily completes each prompt, at most maxNew tokens and
// within the context, on one decoder per core. Results are placed by
// index, so they do not depend on scheduling.
func generate(m *model.Model[float32], tok *tokenizer.BPE, exs []tasks.Example, maxLen, maxNew int) []string {
	out := make([]string, len(exs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dec := m.NewDecoder()
			for i := range next {
				p := tok.Encode(exs[i].Prompt)
				room := max(1, min(maxNew, maxLen-1))
				if len(p) > maxLen-room {
					p = p[len(p)-(maxLen-room):]
				}
				out[i] = strings.TrimSpace(tok.Decode(dec.Greedy(p, room, tokenizer.EOS)))
			}
		}()
	}
	for i := range exs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// choiceLogprobs is, for each example, the summed log-likelihood of each
// choice's tokens after the prompt (lm-evaluation-harness's loglikelihood).
func choiceLogprobs(m *model.Model[float32], ws *model.Workspace[float32], tok *tokenizer.BPE, exs []tasks.Example, maxLen, batch int) [][]float64 {
	type ref struct{ ex, choice int }
	var seqs []seq
	var refs []ref
	out := make([][]float64, len(exs))
	for i, e := range exs {
		out[i] = make([]float64, len(e.Choices))
		for j, c := range e.Choices {
			// No end-of-text: only the choice's own tokens are scored.
			s := encodeParts(tok.Encode(e.Prompt), tok.Encode(c), maxLen)
			seqs = append(seqs, s)
			refs = append(refs, ref{i, j})
		}
	}
	for i := 0; i < len(seqs); i += batch {
		part := seqs[i:min(i+batch, len(seqs))]
		b := batchOf(part)
		m.Loss(b, ws, false, 1, nil)
		rows := ws.RowLoss()
		for k := range part {
			var nll float64
			for _, l := range rows[k*b.T : (k+1)*b.T] {
				nll += l
			}
			r := refs[i+k]
			out[r.ex][r.choice] = -nll
		}
	}
	return out
}

// writePredictions writes a predictions file: preds for a generation
// task, logprobs for a multiple-choice one.
func writePredictions(path string, exs []tasks.Example, preds []string, logprobs [][]float64) error {
	w, err := trainer.CreatePredictions(path)
	if err != nil {
		return err
	}
	for i, e := range exs {
		var p trainer.Prediction
		if logprobs != nil {
			p = trainer.Choice(e.ID, logprobs[i])
		} else {
			p = trainer.Generated(e.ID, preds[i])
		}
		if err := w.Write(p); err != nil {
			return errors.Join(fmt.Errorf("%s: %w", path, err), w.Close())
		}
	}
	return w.Close()
}

// score computes the task metric with tasks/metrics, as the runner will.
func score(metric string, exs []tasks.Example, preds []string, logprobs [][]float64) (map[string]float64, error) {
	cases := make([]metrics.Case, len(exs))
	for i, e := range exs {
		c := e.MetricCase()
		if logprobs != nil {
			c.Logprobs = logprobs[i]
		} else {
			c.Prediction = preds[i]
		}
		cases[i] = c
	}
	// ROUGE with the Porter stemmer, as the paper reports it.
	res, err := metrics.Score(metric, cases, metrics.Options{Stemmer: true})
	if err != nil {
		return nil, fmt.Errorf("scoring %s: %w", metric, err)
	}
	return res.Values(), nil
}

// evalExamples is what a split is evaluated on: eval_examples (limit > 0)
// caps the validation split, evaluated at every evaluation; the test split
// is always scored whole, since the report compares methods on it example
// by example.
func evalExamples(split string, exs []tasks.Example, limit int) []tasks.Example {
	if split == tasks.Validation && limit > 0 && len(exs) > limit {
		return exs[:limit]
	}
	return exs
}
