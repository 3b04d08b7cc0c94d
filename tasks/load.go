package tasks

import (
	"fmt"
	"hash/fnv"
	"sort"
)

// Load returns the examples of one split ("train", "validation" or "test")
// of the task cfg names.
//
// A split named in cfg.Data is read from that file with the task's loader.
// Without a validation file, validation is carved from train: the
// cfg.ValidationFraction (default 10%) of train examples with the smallest
// hash of their ID, so the carve is deterministic and does not depend on
// file order; train is then the rest. A synthetic task with no data files
// generates its files in memory from cfg.Seed, cfg.Size and cfg.Difficulty
// and reads them back with its twin's loader. cfg.MaxExamples keeps the
// first N examples of a split. A split with no examples is an error.
func Load(cfg Config, split string) ([]Example, error) {
	if !validSplit(split) {
		return nil, fmt.Errorf("unknown split %q (want train, validation or test)", split)
	}
	s, err := open(cfg)
	if err != nil {
		return nil, err
	}
	return s.examples(split)
}

// LoadAll returns every split the task has: the splits with data files, a
// carved validation split when there is train data, and all three splits of
// a generated synthetic task. It reads each file once; use it to get the
// whole corpus (e.g. for tokenizer training).
func LoadAll(cfg Config) (map[string][]Example, error) {
	s, err := open(cfg)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Example)
	for _, split := range Splits() {
		if !s.has(split) {
			continue
		}
		ex, err := s.examples(split)
		if err != nil {
			return nil, err
		}
		out[split] = ex
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no data files; name them under data (train, validation, test)", cfg.Name)
	}
	return out, nil
}

// LoadFile reads one file as the given split of the task, with no carving:
// what `sweep tasks show --data` prints. cfg.Prompt and cfg.MaxExamples
// apply; cfg.Data is ignored.
func LoadFile(cfg Config, split, path string) ([]Example, error) {
	if !validSplit(split) {
		return nil, fmt.Errorf("unknown split %q (want train, validation or test)", split)
	}
	c := cfg
	c.Data = map[string]string{split: path}
	c.Size, c.Seed, c.Difficulty = 0, 0, 0
	s, err := open(c)
	if err != nil {
		return nil, err
	}
	s.noCarve = true
	return s.examples(split)
}

// session is one task config resolved to a template and readable files.
type session struct {
	cfg     Config
	t       *task
	tmpl    *Template
	f       files
	data    map[string]string
	noCarve bool
	cache   map[string][]record
}

func open(cfg Config) (*session, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("task %s: %w", cfg.Name, err)
	}
	t := registry[cfg.Name]
	text := cfg.Prompt
	if text == "" {
		text = t.info.Prompt
	}
	tmpl, err := parseTemplate(t.info, text)
	if err != nil {
		return nil, fmt.Errorf("task %s: prompt: %w", cfg.Name, err)
	}
	s := &session{cfg: cfg, t: t, tmpl: tmpl, f: osFiles{}, data: cfg.Data, cache: map[string][]record{}}
	if len(cfg.Data) == 0 && t.gen != nil {
		g, err := Synthesize(cfg)
		if err != nil {
			return nil, err
		}
		mem := memFiles{}
		for _, f := range g.Files {
			mem[f.Name] = f.Data
		}
		s.f = mem
		s.data = g.Data
	}
	return s, nil
}

func (s *session) has(split string) bool {
	if _, ok := s.data[split]; ok {
		return true
	}
	_, train := s.data[Train]
	return split == Validation && train && !s.noCarve
}

// file returns the records of the file named for split, reading it once.
func (s *session) file(split string) ([]record, error) {
	if recs, ok := s.cache[split]; ok {
		return recs, nil
	}
	path := s.data[split]
	recs, err := s.t.load(s.f, path, split)
	if err != nil {
		return nil, err
	}
	if err := checkIDs(path, recs); err != nil {
		return nil, err
	}
	s.cache[split] = recs
	return recs, nil
}

func (s *session) records(split string) ([]record, error) {
	path, named := s.data[split]
	if named {
		recs, err := s.file(split)
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, &DataError{File: path, Msg: fmt.Sprintf("no examples for the %s split", split)}
		}
		if split == Train && !s.noCarve && s.data[Validation] == "" {
			train, _ := carve(recs, s.fraction())
			return train, nil
		}
		return recs, nil
	}
	if split == Validation && !s.noCarve {
		if _, ok := s.data[Train]; ok {
			train, err := s.file(Train)
			if err != nil {
				return nil, err
			}
			_, val := carve(train, s.fraction())
			if len(val) == 0 {
				return nil, &DataError{File: s.data[Train], Msg: fmt.Sprintf(
					"cannot carve a validation split from %d train example(s); name a validation file", len(train))}
			}
			return val, nil
		}
	}
	return nil, fmt.Errorf("task %s: no %s data: name a file under data.%s", s.cfg.Name, split, split)
}

func (s *session) fraction() float64 {
	if s.cfg.ValidationFraction > 0 {
		return s.cfg.ValidationFraction
	}
	return DefaultValidationFraction
}

func (s *session) examples(split string) ([]Example, error) {
	recs, err := s.records(split)
	if err != nil {
		return nil, err
	}
	if n, ok := s.cfg.MaxExamples[split]; ok && n < len(recs) {
		recs = recs[:n]
	}
	out := make([]Example, len(recs))
	for i := range recs {
		out[i] = s.tmpl.example(&recs[i])
	}
	return out, nil
}

// carve splits train records into (train, validation): validation is the
// round(fraction*n) records with the smallest FNV-1a hash of their ID (at
// least one when n >= 2, never all), both kept in file order.
func carve(recs []record, fraction float64) (train, val []record) {
	n := len(recs)
	k := int(fraction*float64(n) + 0.5)
	if k < 1 && n >= 2 {
		k = 1
	}
	if k >= n {
		k = n - 1
	}
	if k <= 0 {
		return recs, nil
	}
	type hashed struct {
		h uint64
		i int
	}
	hs := make([]hashed, n)
	for i := range recs {
		h := fnv.New64a()
		h.Write([]byte(recs[i].id))
		hs[i] = hashed{h.Sum64(), i}
	}
	sort.Slice(hs, func(a, b int) bool {
		if hs[a].h != hs[b].h {
			return hs[a].h < hs[b].h
		}
		return hs[a].i < hs[b].i
	})
	inVal := make([]bool, n)
	for _, x := range hs[:k] {
		inVal[x.i] = true
	}
	train = make([]record, 0, n-k)
	val = make([]record, 0, k)
	for i := range recs {
		if inVal[i] {
			val = append(val, recs[i])
		} else {
			train = append(train, recs[i])
		}
	}
	return train, val
}
