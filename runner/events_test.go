package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

func TestTailerPartialAndLongLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	f, _ := os.Create(path)
	defer f.Close()
	tl := &tailer{path: path}
	defer tl.close()
	next := func() ([]string, []string) {
		lines, warns, err := tl.next()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range lines {
			out = append(out, string(l))
		}
		return out, warns
	}
	f.WriteString("one\ntw")
	if got, _ := next(); strings.Join(got, "|") != "one" {
		t.Errorf("got %q, want the complete line only", got)
	}
	f.WriteString("o\r\nthree\n")
	if got, _ := next(); strings.Join(got, "|") != "two|three" {
		t.Errorf("got %q, want the completed line and the next", got)
	}
	// A line over the limit, written in pieces, is skipped with a warning.
	long := strings.Repeat("x", maxLine+10)
	f.WriteString(long[:maxLine/2])
	next()
	f.WriteString(long[maxLine/2:] + "\nfour\n")
	got, warns := next()
	if strings.Join(got, "|") != "four" || len(warns) != 1 {
		t.Errorf("got %q and warnings %q, want four and one warning", got, warns)
	}
}

func TestIngesterBatch(t *testing.T) {
	in := &ingester{spec: &trainer.Spec{Params: &trainer.Count{Trainable: 10}}}
	lines := [][]byte{
		[]byte(`{"t":"2026-01-01T00:00:00Z","event":"metric","step":3,"values":{"loss":2.5,"lr":0.1}}`),
		[]byte(`not json`),
		[]byte(`{"t":"2026-01-01T00:00:00Z","event":"eval","step":3,"split":"validation","values":{"f1":50}}`),
		[]byte(`{"t":"2026-01-01T00:00:00Z","event":"params","trainable":11,"total":20}`),
		[]byte(`{"t":"2026-01-01T00:00:00Z","event":"checkpoint","step":3,"path":"checkpoints/3"}`),
		[]byte(`{"t":"2026-01-01T00:00:00Z","event":"done","status":"ok"}`),
		[]byte(`{"t":"2026-01-01T00:00:00Z","event":"metric","step":4,"values":{"loss":1}}`),
	}
	b := in.batch(lines, nil)
	if len(b.Metrics) != 2 || b.Metrics[0].Name != "loss" || b.Metrics[0].Value != 2.5 {
		t.Errorf("got metrics %+v", b.Metrics)
	}
	if len(b.Scores) != 1 || b.Scores[0].Metric != "f1" || b.Scores[0].Source != "worker" {
		t.Errorf("got scores %+v", b.Scores)
	}
	if !b.ParamsMismatch || b.ParamsTrainable != 11 || b.Checkpoint != "checkpoints/3" || b.DoneStatus != "ok" || b.LastStep != 3 {
		t.Errorf("got %+v", b)
	}
	var warnings []string
	for _, e := range b.Events {
		if e.Kind == "warning" {
			warnings = append(warnings, e.Body)
		}
	}
	want := []string{"not an event", "params mismatch", "after done"}
	if len(warnings) != len(want) {
		t.Fatalf("got warnings %q", warnings)
	}
	for i, w := range want {
		if !strings.Contains(warnings[i], w) {
			t.Errorf("warning %d: got %q, want %q", i, warnings[i], w)
		}
	}
}

func TestSubstitute(t *testing.T) {
	vals := map[string]string{"a": "{b}", "b": "x"}
	tests := map[string]string{
		"{a}":       "{b}", // a value is never expanded again
		"--{b}={a}": "--x={b}",
		"{c}":       "{c}",
		"{":         "{",
		"}{b":       "}{b",
		`{"k": 1}`:  `{"k": 1}`,
	}
	for in, want := range tests {
		if got := substitute(in, vals); got != want {
			t.Errorf("substitute(%q): got %q, want %q", in, got, want)
		}
	}
}
