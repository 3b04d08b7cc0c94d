package tasks

import (
	"fmt"
	"hash/fnv"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
)

// Generated is a synthetic data set in its real twin's on-disk format: the
// files as bytes, and which file holds which split.
type Generated struct {
	Task       string `json:"task"`
	Seed       int64  `json:"seed"`
	Size       int    `json:"size"`
	Difficulty int    `json:"difficulty"`
	// Files in a fixed order; names are relative (e.g. "train-v1.1.json").
	Files []File `json:"-"`
	// Data maps each split to the file the twin's loader reads (for a
	// parallel-text pair, the German side).
	Data map[string]string `json:"data"`
	// Counts is the number of examples in each split.
	Counts map[string]int `json:"counts"`
}

// File is one generated file.
type File struct {
	Name string
	Data []byte
}

// genParams are a generator's inputs.
type genParams struct {
	task       string
	seed       int64
	size       int // train examples
	evalSize   int // validation and test examples each
	difficulty int // 1..MaxDifficulty
}

// genSplit is what a generator makes for one split.
type genSplit struct {
	split string
	files []File
	data  string // the file named in Config.Data
	count int
}

func (g genParams) count(split string) int {
	if split == Train {
		return g.size
	}
	return g.evalSize
}

// rand returns the split's random stream: independent of the other splits
// and of the sizes, so the test set does not change when size does.
func (g genParams) rand(split string) *rng {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s", g.task, split)
	return newRNG(uint64(g.seed) ^ h.Sum64())
}

// genOrder is the order splits are generated in: an example is kept out of
// a split when an earlier split has the same one, so test, then validation,
// stay disjoint from what is trained on.
var genOrder = []string{Test, Validation, Train}

// Synthesize makes the synthetic data set cfg names (a syn-* task) from
// cfg.Seed, cfg.Size (training examples; default DefaultSize; validation
// and test have min(size, DefaultEvalSize) each) and cfg.Difficulty
// (default 1). The same settings give the same bytes.
func Synthesize(cfg Config) (*Generated, error) {
	t, err := lookupTask(cfg.Name)
	if err != nil {
		return nil, err
	}
	if t.gen == nil {
		var syn []string
		for _, n := range Names() {
			if registry[n].gen != nil {
				syn = append(syn, n)
			}
		}
		return nil, fmt.Errorf("%s is not a synthetic task (synthetic: %s)", cfg.Name, strings.Join(syn, ", "))
	}
	if cfg.Size < 0 || cfg.Size > MaxSize {
		return nil, fmt.Errorf("size: must be between 1 and %d, got %d", MaxSize, cfg.Size)
	}
	if cfg.Difficulty < 0 || cfg.Difficulty > MaxDifficulty {
		return nil, fmt.Errorf("difficulty: must be between 1 and %d, got %d", MaxDifficulty, cfg.Difficulty)
	}
	p := genParams{task: cfg.Name, seed: cfg.Seed, size: cfg.Size, difficulty: cfg.Difficulty}
	if p.size == 0 {
		p.size = DefaultSize
	}
	if p.difficulty == 0 {
		p.difficulty = 1
	}
	p.evalSize = min(p.size, DefaultEvalSize)
	out := &Generated{Task: cfg.Name, Seed: p.seed, Size: p.size, Difficulty: p.difficulty,
		Data: map[string]string{}, Counts: map[string]int{}}
	splits := t.gen(p)
	for _, want := range Splits() {
		for _, s := range splits {
			if s.split != want {
				continue
			}
			out.Files = append(out.Files, s.files...)
			out.Data[s.split] = s.data
			out.Counts[s.split] = s.count
		}
	}
	return out, nil
}

// WriteDir writes the files into dir (created if needed) and returns the
// task config that reads them back.
func (g *Generated) WriteDir(dir string) (Config, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Config{}, err
	}
	for _, f := range g.Files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return Config{}, err
		}
	}
	cfg := Config{Name: g.Task, Data: map[string]string{}}
	for split, name := range g.Data {
		cfg.Data[split] = filepath.Join(dir, name)
	}
	return cfg, nil
}

// dedup makes n examples with gen, skipping any whose key an earlier call
// (sharing seen) already produced. When the generator's space is nearly
// exhausted (many misses in a row), it stops skipping rather than loop.
func dedup[T any](r *rng, n int, seen map[string]bool, gen func(r *rng) (T, string)) []T {
	out := make([]T, 0, n)
	misses := 0
	for len(out) < n {
		x, key := gen(r)
		if seen[key] && misses < 1000 {
			misses++
			continue
		}
		misses = 0
		seen[key] = true
		out = append(out, x)
	}
	return out
}

// rng is a small, fully specified random generator (xoshiro256** seeded by
// splitmix64), so generated data does not depend on the Go version.
type rng struct{ s [4]uint64 }

func newRNG(seed uint64) *rng {
	r := &rng{}
	for i := range r.s {
		seed += 0x9e3779b97f4a7c15
		z := seed
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		r.s[i] = z ^ (z >> 31)
	}
	return r
}

func (r *rng) uint64() uint64 {
	s := &r.s
	result := bits.RotateLeft64(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = bits.RotateLeft64(s[3], 45)
	return result
}

// intn returns a uniform integer in [0, n) (Lemire's method, unbiased).
func (r *rng) intn(n int) int {
	if n <= 0 {
		panic("rng.intn: n <= 0")
	}
	bound := uint64(n)
	hi, lo := bits.Mul64(r.uint64(), bound)
	if lo < bound {
		thresh := -bound % bound
		for lo < thresh {
			hi, lo = bits.Mul64(r.uint64(), bound)
		}
	}
	return int(hi)
}

// between returns a uniform integer in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance returns true with probability num/den.
func (r *rng) chance(num, den int) bool { return r.intn(den) < num }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// perm returns a random permutation of [0, n).
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// sample returns k distinct elements of xs in random order.
func sample[T any](r *rng, xs []T, k int) []T {
	p := r.perm(len(xs))
	out := make([]T, k)
	for i := range out {
		out[i] = xs[p[i]]
	}
	return out
}
