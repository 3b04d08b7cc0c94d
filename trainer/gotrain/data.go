package gotrain

import (
	"math/rand/v2"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/nn"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/tokenizer"
)

// seq is one example as tokens: the prompt, then the answer ending in EOS,
// the only part the loss covers.
type seq struct {
	prompt, answer []int32
}

// encode tokenizes an example to at most maxLen tokens in all. A long
// answer is cut at its end (it keeps its first maxLen−1 tokens), then the
// prompt loses tokens from its start, so the text next to the answer
// stays.
func encode(tok *tokenizer.BPE, prompt, answer string, maxLen int) seq {
	return encodeParts(tok.Encode(prompt), append(tok.Encode(answer), tokenizer.EOS), maxLen)
}

// encodeParts truncates prompt and answer tokens as encode does.
func encodeParts(p, a []int32, maxLen int) seq {
	if len(a) > maxLen-1 {
		a = a[:maxLen-1]
	}
	if len(p)+len(a) > maxLen {
		p = p[len(p)-(maxLen-len(a)):]
	}
	return seq{prompt: p, answer: a}
}

// batchOf packs sequences into a right-padded batch: inputs are the
// sequence without its last token, targets the next tokens where they are
// answer tokens and nn.Ignore elsewhere.
func batchOf(seqs []seq) model.Batch {
	t := 0
	for _, s := range seqs {
		t = max(t, len(s.prompt)+len(s.answer)-1)
	}
	b := model.Batch{B: len(seqs), T: t, IDs: make([]int32, len(seqs)*t), Targets: make([]int32, len(seqs)*t)}
	for i, s := range seqs {
		full := append(append([]int32{}, s.prompt...), s.answer...)
		for j := 0; j < t; j++ {
			b.IDs[i*t+j], b.Targets[i*t+j] = tokenizer.EOS, nn.Ignore
			if j < len(full)-1 {
				b.IDs[i*t+j] = full[j]
				if j+1 >= len(s.prompt) {
					b.Targets[i*t+j] = full[j+1]
				}
			}
		}
	}
	return b
}

// sampler gives the training examples of each micro-batch: a fresh
// permutation every epoch, seeded by the trial seed and the epoch, so the
// batch of any step can be computed without replaying the ones before it
// (which is what makes a resumed run identical to an uninterrupted one).
type sampler struct {
	n, size int
	seed    int64
	epoch   int
	perm    []int
}

// micro returns the examples of micro-batch k (0-based, counted over the
// whole run).
func (s *sampler) micro(k int) []int {
	out := make([]int, s.size)
	for i := range out {
		pos := k*s.size + i
		epoch, at := pos/s.n, pos%s.n
		if s.perm == nil || epoch != s.epoch {
			s.epoch = epoch
			s.perm = rand.New(rand.NewPCG(uint64(s.seed), uint64(epoch))).Perm(s.n)
		}
		out[i] = s.perm[at]
	}
	return out
}

// answerOf is the training answer of an example: its target (the gold
// choice for a multiple-choice task).
func answerOf(e tasks.Example) string { return e.Target }
