package trainer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPredictionsRoundTrip: what the writer writes, the reader reads back.
func TestPredictionsRoundTrip(t *testing.T) {
	want := []Prediction{Generated("a", "Paris <b>&</b>"), Choice("b", []float64{-1.5, -0.25, -3}), Generated("c", "")}
	path := filepath.Join(t.TempDir(), "predictions.jsonl")
	w, err := CreatePredictions(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range want {
		if err := w.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w2 := NewPredictionWriter(&buf)
	for _, p := range want {
		w2.Write(p)
	}
	w2.Close()
	if got := buf.String(); !strings.Contains(got, `"prediction":"Paris <b>&</b>"`) {
		t.Errorf("got %s, want HTML characters unescaped, as Python writes them", got)
	}
	r := NewPredictionReader(&buf, path)
	var got []Prediction
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestPredictionReaderErrors: a bad line is an error naming file:line;
// blank lines are skipped.
func TestPredictionReaderErrors(t *testing.T) {
	for _, tt := range []struct {
		name, text, want string
	}{
		{"not json", `{"id":"a","prediction":"x"}` + "\nnot json\n", "p.jsonl:2: not a prediction: "},
		{"neither", "\n\n" + `{"id":"a"}`, `p.jsonl:3: a prediction needs "prediction" or "choice_logprobs"`},
		{"both", `{"id":"a","prediction":"x","choice_logprobs":[-1]}`, `p.jsonl:1: a prediction has "prediction" or "choice_logprobs", not both`},
		{"no id", `{"prediction":"x"}`, `p.jsonl:1: a prediction needs an "id"`},
		{"empty choices", `{"id":"a","choice_logprobs":[]}`, `p.jsonl:1: "choice_logprobs" is empty`},
		{"wrong type", `{"id":"a","choice_logprobs":"x"}`, "p.jsonl:1: not a prediction: "},
		{"too long", `{"id":"a","prediction":""}` + "\n" + strings.Repeat("x", MaxPredictionLine+1), "p.jsonl:2: a line longer than"},
	} {
		r := NewPredictionReader(strings.NewReader(tt.text), "p.jsonl")
		var err error
		for err == nil {
			_, err = r.Next()
		}
		if err == io.EOF || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error starting %q", tt.name, err, tt.want)
		}
	}
}

// TestPredictionWriterRefuses: the writer writes no line the reader would
// reject.
func TestPredictionWriterRefuses(t *testing.T) {
	for _, p := range []Prediction{{ID: "a"}, Generated("", "x"), Choice("a", []float64{}), {ID: "a", Prediction: new(string), ChoiceLogprobs: []float64{1}}} {
		var buf bytes.Buffer
		w := NewPredictionWriter(&buf)
		err := w.Write(p)
		w.Close()
		if err == nil || buf.Len() != 0 {
			t.Errorf("%+v: got error %v and %q written, want an error and nothing written", p, err, buf.String())
		}
	}
}

// TestWriteJSONL: one value a line, and the file's error when it cannot
// be created.
func TestWriteJSONL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.jsonl")
	if err := WriteJSONL(path, []map[string]int{{"a": 1}, {"b": 2}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(string(b)), "\n")
	if want := []string{`{"a":1}`, `{"b":2}`}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := WriteJSONL(filepath.Join(dir, "missing", "x.jsonl"), []int{1}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}
