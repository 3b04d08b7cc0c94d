package gotrain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// baseFormat is bumped when the pretraining code changes what a recipe
// produces, so that old cache entries are not reused.
const baseFormat = 2

// Recipe is everything that determines a base model: its shape, the
// corpus, the tokenizer and the pretraining run. Its hash names the cache
// directory, so every trial that asks for the same recipe shares one base.
type Recipe struct {
	Format int          `json:"format"`
	Arch   trainer.Arch `json:"arch"`
	// Corpus: the training splits of these synthetic tasks, Size examples
	// each, generated from CorpusSeed.
	Tasks      []string `json:"tasks"`
	Size       int      `json:"size"`
	CorpusSeed int64    `json:"corpus_seed"`
	Steps      int      `json:"steps"`
	Batch      int      `json:"batch"`
	SeqLen     int      `json:"seq_len"`
	LR         float64  `json:"lr"`
	Warmup     int      `json:"warmup"`
	Seed       int64    `json:"seed"`
}

// CorpusTasks are the synthetic tasks whose text makes the pretraining
// corpus.
var CorpusTasks = []string{"syn-squad", "syn-dialogsum", "syn-hellaswag", "syn-iwslt", "syn-gsm8k"}

// DefaultRecipe is the pretraining run for an architecture: enough steps
// for a small model to learn the corpora's language in minutes on two
// cores. The hparams pretrain_steps, pretrain_lr, pretrain_batch,
// pretrain_size and pretrain_seed override it.
func DefaultRecipe(a trainer.Arch, s *trainer.Spec) Recipe {
	steps := 1500
	if a.Hidden*a.Layers > 128*4 {
		steps = 3000
	}
	r := Recipe{Format: baseFormat, Arch: a, Tasks: CorpusTasks, Size: 2000, CorpusSeed: 20240601,
		Steps: steps, Batch: 16, SeqLen: a.Context, LR: 3e-3, Seed: 1}
	if s != nil {
		r.Steps = s.HParamInt("pretrain_steps", r.Steps)
		r.LR = s.HParamFloat("pretrain_lr", r.LR)
		r.Batch = s.HParamInt("pretrain_batch", r.Batch)
		r.Size = s.HParamInt("pretrain_size", r.Size)
		r.Seed = int64(s.HParamInt("pretrain_seed", int(r.Seed)))
	}
	r.Warmup = r.Steps / 20
	return r
}

// Key is the recipe's content address.
func (r Recipe) Key() string {
	data, _ := json.Marshal(r) // a struct of plain fields always marshals
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:20]
}
