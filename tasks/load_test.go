package tasks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	want := map[string]struct {
		metric string
		mode   Mode
		twin   string
	}{
		"squad":           {"squad", Generate, ""},
		"dialogsum":       {"rouge", Generate, ""},
		"hellaswag":       {"accuracy", Choice, ""},
		"iwslt2017-de-en": {"bleu", Generate, ""},
		"gsm8k":           {"gsm8k", Generate, ""},
		"syn-squad":       {"squad", Generate, "squad"},
		"syn-dialogsum":   {"rouge", Generate, "dialogsum"},
		"syn-hellaswag":   {"accuracy", Choice, "hellaswag"},
		"syn-iwslt":       {"bleu", Generate, "iwslt2017-de-en"},
		"syn-gsm8k":       {"gsm8k", Generate, "gsm8k"},
	}
	names := Names()
	if len(names) != len(want) || !sort.StringsAreSorted(names) {
		t.Fatalf("got names %v, want the %d tasks sorted", names, len(want))
	}
	for _, n := range names {
		info, ok := Lookup(n)
		w, known := want[n]
		if !ok || !known {
			t.Fatalf("Lookup(%q): got %v, in want: %v", n, ok, known)
		}
		if info.Metric != w.metric || info.Mode != w.mode || info.Twin != w.twin {
			t.Errorf("%s: got %s/%s/%q, want %s/%s/%q", n, info.Metric, info.Mode, info.Twin, w.metric, w.mode, w.twin)
		}
		if w.twin != "" {
			tw, _ := Lookup(w.twin)
			if info.Format != tw.Format || info.Prompt != tw.Prompt {
				t.Errorf("%s: got format %q prompt %q, want its twin's %q %q", n, info.Format, info.Prompt, tw.Format, tw.Prompt)
			}
		}
		if _, err := ParseTemplate(n, info.Prompt); err != nil {
			t.Errorf("%s: default prompt: %v", n, err)
		}
	}
	if _, ok := Lookup("squad2"); ok {
		t.Error("Lookup(squad2): got ok")
	}
}

func TestTemplate(t *testing.T) {
	tests := []struct {
		task, tmpl       string
		prompt, sep, err string
	}{
		{"squad", "Context: {context}\nQuestion: {question}\nAnswer: {answer}", "Context: C\nQuestion: Q\nAnswer:", " ", ""},
		{"squad", "{title} | {question}\n{answer}", "T | Q", "\n", ""},
		{"squad", "Q: { question } A:{answer}", "Q: Q A:", "", ""},
		{"squad", "{{literal}} {question}\t{answer}", "{literal} Q", "\t", ""},
		{"squad", "{question} {answer} ", "", "", `the target field {answer} must come last, found text " " after it`},
		{"squad", "{answer} {question}", "", "", `the target field {answer} must come last, found text " {question}" after it`},
		{"squad", "{answer}{question}", "", "", "the target field {answer} must come last, found {question} after it"},
		{"squad", "{question}", "", "", "the template must end with the target field {answer}"},
		{"squad", "{questio} {answer}", "", "", "unknown field {questio} for squad (fields: title, context, question; target {answer} last)"},
		{"squad", "{question {answer}", "", "", "unknown field {question {answer} for squad (fields: title, context, question; target {answer} last)"},
		{"squad", "{question} }{answer}", "", "", "unmatched } at byte 11 (write }} for a literal brace)"},
		{"squad", "{question} {answer", "", "", "unclosed { at byte 11"},
		{"gsm8k", "Q: {question}\nA: {answer}", "Q: Q\nA:", " ", ""},
	}
	for _, tt := range tests {
		tp, err := ParseTemplate(tt.task, tt.tmpl)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseTemplate(%q): got error %v, want %s", tt.tmpl, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTemplate(%q): %v", tt.tmpl, err)
			continue
		}
		vals := []string{"T", "C", "Q"}
		if tt.task == "gsm8k" {
			vals = []string{"Q"}
		}
		e := tp.example(&record{id: "1", vals: vals, target: "A", refs: []string{"A"}})
		if e.Prompt != tt.prompt || e.Target != tt.sep+"A" || tp.Separator() != tt.sep {
			t.Errorf("ParseTemplate(%q): got prompt %q target %q, want %q %q", tt.tmpl, e.Prompt, e.Target, tt.prompt, tt.sep+"A")
		}
	}
}

func TestCustomPrompt(t *testing.T) {
	cfg := Config{Name: "syn-hellaswag", Size: 20, Prompt: "Activity: {activity_label}\nStory: {ctx}\nNext:{ending}"}
	ex, err := Load(cfg, Test)
	if err != nil {
		t.Fatal(err)
	}
	e := ex[0]
	if !strings.HasPrefix(e.Prompt, "Activity: ") || !strings.Contains(e.Prompt, "\nStory: ") || !strings.HasSuffix(e.Prompt, "\nNext:") {
		t.Errorf("got prompt %q", e.Prompt)
	}
	if strings.HasPrefix(e.Choices[0], " ") || e.Target != e.Choices[e.Gold] {
		t.Errorf("got choices %q gold %d target %q, want no separator", e.Choices, e.Gold, e.Target)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Name: "syn-squad"}, ""},
		{Config{Name: "syn-squad", Size: 10, Seed: -3, Difficulty: 3, ValidationFraction: 0.2}, ""},
		{Config{Name: "squad", Data: map[string]string{"train": "a.json"}, MaxExamples: map[string]int{"train": 5}}, ""},
		{Config{Name: "squad"}, "data: squad reads its data from files; name them under data (train, validation, test)"},
		{Config{Name: "squad", Data: map[string]string{"dev": "b.json", "train": ""}, MaxExamples: map[string]int{"train": 0, "val": 3}},
			"data: unknown split \"dev\" (want train, validation or test)\ndata.train: empty path\nmax_examples.train: must be positive, got 0\nmax_examples: unknown split \"val\" (want train, validation or test)"},
		{Config{Name: "squad", Data: map[string]string{"test": "a.json"}, Size: 5, Seed: 1}, "size, seed: only synthetic tasks have them (squad is read from files)"},
		{Config{Name: "syn-squad", Data: map[string]string{"test": "a.json"}, Difficulty: 2}, "difficulty: no effect when data files are named"},
		{Config{Name: "syn-gsm8k", Difficulty: 9, Size: -1, ValidationFraction: 1}, "validation_fraction: must be in [0, 1), got 1\nsize: must be between 1 and 10000000, got -1\ndifficulty: must be between 1 and 3, got 9"},
		{Config{Name: "syn-gsm8k", Prompt: "{question}"}, "prompt: the template must end with the target field {answer}"},
		{Config{Name: "gsm9k"}, "unknown task \"gsm9k\" (known: dialogsum, gsm8k, hellaswag, iwslt2017-de-en, squad, syn-dialogsum, syn-gsm8k, syn-hellaswag, syn-iwslt, syn-squad)"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Validate(%+v):\ngot  %s\nwant %s", tt.cfg, got, tt.want)
		}
	}
	if err := (Config{Name: "x"}).Validate(); !errors.Is(err, ErrUnknownTask) {
		t.Errorf("got %v, want ErrUnknownTask", err)
	}
}

// writeGSM writes a GSM8K file of n problems with IDs p1..pn.
func writeGSM(t *testing.T, dir, name string, n int, order []int) string {
	t.Helper()
	var b strings.Builder
	for _, i := range order {
		fmt.Fprintf(&b, "{\"id\": \"p%d\", \"question\": \"What is %d + 1?\", \"answer\": \"%d + 1 = %d\\n#### %d\"}\n", i, i, i, i+1, i+1)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func ids(ex []Example) []string {
	out := make([]string, len(ex))
	for i, e := range ex {
		out[i] = e.ID
	}
	return out
}

func TestCarveValidation(t *testing.T) {
	dir := t.TempDir()
	n := 200
	fwd := make([]int, n)
	rev := make([]int, n)
	for i := range fwd {
		fwd[i] = i + 1
		rev[i] = n - i
	}
	a := writeGSM(t, dir, "a.jsonl", n, fwd)
	b := writeGSM(t, dir, "b.jsonl", n, rev)
	load := func(path, split string, cfg Config) []Example {
		t.Helper()
		cfg.Name = "gsm8k"
		cfg.Data = map[string]string{Train: path}
		ex, err := Load(cfg, split)
		if err != nil {
			t.Fatal(err)
		}
		return ex
	}
	train, val := load(a, Train, Config{}), load(a, Validation, Config{})
	if len(train) != 180 || len(val) != 20 {
		t.Fatalf("got %d train, %d validation, want 180, 20", len(train), len(val))
	}
	seen := map[string]bool{}
	for _, id := range append(ids(train), ids(val)...) {
		if seen[id] {
			t.Fatalf("%s in both splits", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Errorf("got %d distinct IDs, want %d", len(seen), n)
	}
	// The carve depends on the IDs, not on the order of the file.
	valB := ids(load(b, Validation, Config{}))
	sort.Strings(valB)
	valA := ids(val)
	sort.Strings(valA)
	if !reflect.DeepEqual(valA, valB) {
		t.Errorf("got validation %v from the reversed file, want %v", valB, valA)
	}
	// max_examples keeps the first N, after carving, in file order.
	first := load(a, Train, Config{MaxExamples: map[string]int{Train: 5, Validation: 3}})
	if !reflect.DeepEqual(ids(first), ids(train)[:5]) {
		t.Errorf("got %v, want %v", ids(first), ids(train)[:5])
	}
	if v := load(a, Validation, Config{MaxExamples: map[string]int{Validation: 3}}); !reflect.DeepEqual(ids(v), ids(val)[:3]) {
		t.Errorf("got %v, want %v", ids(v), ids(val)[:3])
	}
	if v := load(a, Validation, Config{ValidationFraction: 0.25}); len(v) != 50 {
		t.Errorf("got %d validation examples at 25%%, want 50", len(v))
	}
	// With a validation file, train is the whole train file.
	ex, err := Load(Config{Name: "gsm8k", Data: map[string]string{Train: a, Validation: b}}, Train)
	if err != nil || len(ex) != n {
		t.Errorf("got %d examples, %v; want %d", len(ex), err, n)
	}
}

func TestCarveSmall(t *testing.T) {
	tests := []struct{ n, train, val int }{{1, 1, 0}, {2, 1, 1}, {3, 2, 1}, {14, 13, 1}, {15, 13, 2}}
	for _, tt := range tests {
		recs := make([]record, tt.n)
		for i := range recs {
			recs[i].id = fmt.Sprint(i)
		}
		tr, va := carve(recs, 0.1)
		if len(tr) != tt.train || len(va) != tt.val {
			t.Errorf("carve(%d): got %d/%d, want %d/%d", tt.n, len(tr), len(va), tt.train, tt.val)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	one := writeGSM(t, dir, "one.jsonl", 1, []int{1})
	tests := []struct {
		cfg   Config
		split string
		want  string
	}{
		{Config{Name: "gsm8k", Data: map[string]string{Train: one}}, Test, "task gsm8k: no test data: name a file under data.test"},
		{Config{Name: "gsm8k", Data: map[string]string{Test: one}}, Train, "task gsm8k: no train data: name a file under data.train"},
		{Config{Name: "gsm8k", Data: map[string]string{Test: one}}, Validation, "task gsm8k: no validation data: name a file under data.validation"},
		{Config{Name: "gsm8k", Data: map[string]string{Train: one}}, Validation, one + ": cannot carve a validation split from 1 train example(s); name a validation file"},
		{Config{Name: "gsm8k", Data: map[string]string{Test: one}}, "dev", `unknown split "dev" (want train, validation or test)`},
		{Config{Name: "gsm8k", Data: map[string]string{Test: filepath.Join(dir, "missing.jsonl")}}, Test, "open " + filepath.Join(dir, "missing.jsonl") + ": no such file or directory"},
		{Config{Name: "gsm8k"}, Test, "task gsm8k: data: gsm8k reads its data from files; name them under data (train, validation, test)"},
	}
	for _, tt := range tests {
		_, err := Load(tt.cfg, tt.split)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Load(%v, %s): got %v, want %s", tt.cfg.Data, tt.split, err, tt.want)
		}
	}
}

// TestSyntheticFromFiles: a generated set written to disk and read back
// through Config.Data gives the same examples as the in-memory set, with
// the synthetic name and with the real twin's name.
func TestSyntheticFromFiles(t *testing.T) {
	for _, name := range synNames() {
		t.Run(name, func(t *testing.T) {
			cfg := Config{Name: name, Seed: 4, Size: 60, Difficulty: 2}
			mem, err := LoadAll(cfg)
			if err != nil {
				t.Fatal(err)
			}
			g, err := Synthesize(cfg)
			if err != nil {
				t.Fatal(err)
			}
			disk, err := g.WriteDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			info, _ := Lookup(name)
			for _, as := range []string{name, info.Twin} {
				disk.Name = as
				got, err := LoadAll(disk)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, mem) {
					t.Errorf("as %s: examples read from %v differ from the in-memory ones", as, disk.Data)
				}
			}
		})
	}
}

func TestLoadAllSplits(t *testing.T) {
	dir := t.TempDir()
	a := writeGSM(t, dir, "a.jsonl", 30, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30})
	all, err := LoadAll(Config{Name: "gsm8k", Data: map[string]string{Train: a}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(len(all[Train]), len(all[Validation]), len(all[Test])); got != "27 3 0" {
		t.Errorf("got %s, want 27 3 0", got)
	}
	if _, ok := all[Test]; ok {
		t.Error("got a test split without test data")
	}
}

func TestDataErrorFormat(t *testing.T) {
	tests := []struct {
		e    DataError
		want string
	}{
		{DataError{File: "a.jsonl", Line: 3, Msg: "bad"}, "a.jsonl:3: bad"},
		{DataError{File: "a.jsonl", Line: 3, Col: 7, Msg: "bad"}, "a.jsonl:3:7: bad"},
		{DataError{File: "a.json", Path: "$.data[3].paragraphs[0].qas[2]", Msg: "bad"}, "a.json: $.data[3].paragraphs[0].qas[2]: bad"},
		{DataError{File: "a.json", Msg: "bad"}, "a.json: bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestExampleJSON(t *testing.T) {
	gen := Example{ID: "1", Prompt: "Q: <<x>>", Target: " a", References: []string{"a"}}
	choice := Example{ID: "2", Prompt: "p", Target: " b", References: []string{"b"}, Choices: []string{" a", " b"}, Gold: 1}
	tests := []struct {
		e    Example
		want string
	}{
		{gen, `{"id":"1","prompt":"Q: <<x>>","target":" a","references":["a"]}`},
		{choice, `{"id":"2","prompt":"p","target":" b","references":["b"],"choices":[" a"," b"],"gold":1}`},
		{Example{ID: "3"}, `{"id":"3","prompt":"","target":"","references":[]}`},
	}
	for _, tt := range tests {
		b, err := tt.e.MarshalJSON()
		if err != nil || string(b) != tt.want {
			t.Errorf("got %s, %v; want %s", b, err, tt.want)
		}
	}
}
