package runner

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
	"github.com/tiedlora/tiedlora-sweep/results"
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

// A progress event names a phase before training; once training steps
// come, or the phase reaches its total, progress is in steps again.
func TestIngesterProgress(t *testing.T) {
	const pre = `{"t":"2026-01-01T00:00:00Z","event":"progress","phase":"pretraining the base model","step":%d,"total":300}`
	tests := []struct {
		name  string
		lines []string
		want  Progress
	}{
		{"nothing yet", nil, Progress{Step: 0, Total: 50}},
		{"in the phase", []string{fmt.Sprintf(pre, 30), fmt.Sprintf(pre, 60)}, Progress{Phase: "pretraining the base model", Step: 60, Total: 300}},
		{"phase done", []string{fmt.Sprintf(pre, 300)}, Progress{Step: 0, Total: 50}},
		{"training began", []string{fmt.Sprintf(pre, 60), `{"t":"2026-01-01T00:00:00Z","event":"metric","step":5,"values":{"loss":1}}`}, Progress{Step: 5, Total: 50}},
	}
	for _, tt := range tests {
		in := &ingester{spec: &trainer.Spec{}}
		var lines [][]byte
		for _, l := range tt.lines {
			lines = append(lines, []byte(l))
		}
		b := in.batch(lines, nil)
		in.lastStep = max(in.lastStep, b.LastStep)
		if got := in.progress(50); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
		if len(b.Metrics) > 1 || len(b.Events) != 0 {
			t.Errorf("%s: progress events were stored: %+v", tt.name, b)
		}
	}
}

func TestLogReporterPhase(t *testing.T) {
	var buf bytes.Buffer
	l := &LogReporter{W: &buf}
	a := results.Attempt{ID: 1, Trial: "abc", Number: 1}
	for step := 0; step <= 100; step += 10 {
		l.Progress(a, Progress{Phase: "pretraining", Step: step, Total: 100})
	}
	l.Progress(a, Progress{Step: 3, Total: 50})
	got := strings.Count(buf.String(), "abc attempt 1: pretraining, step")
	if got != 5 { // the start, then each quarter
		t.Errorf("got %d lines, want 5:\n%s", got, buf.String())
	}
}

// TestIngesterStart: the start event's provenance is kept as JSON, and a
// worker that speaks another protocol than its spec's fails the attempt
// at once; one that does not say is not checked.
func TestIngesterStart(t *testing.T) {
	const start = `{"t":"2026-01-01T00:00:00Z","event":"start","pid":7,"host":"h"%s}`
	metric := []byte(`{"t":"2026-01-01T00:00:00Z","event":"metric","step":1,"values":{"loss":1}}`)
	tests := []struct {
		name, fields       string
		specProtocol       int
		worker, done, kind string
		metrics            int
	}{
		{"no protocol", ``, 1, "", "", "", 1},
		{"same protocol", `,"protocol":1`, 1, "", "", "", 1},
		{"unreadable spec", `,"protocol":1`, 0, "", "", "", 1},
		{"provenance", `,"protocol":1,"worker":{"torch":"2.3.0","gpu":"H100","cuda":null}`, 1, `{"cuda":null,"gpu":"H100","torch":"2.3.0"}`, "", "", 1},
		{"other protocol", `,"protocol":2,"worker":{"go":"go1.23"}`, 1, `{"go":"go1.23"}`, trainer.StatusFailed, KindConfig, 0},
	}
	for _, tt := range tests {
		in := &ingester{spec: &trainer.Spec{Protocol: tt.specProtocol}}
		b := in.batch([][]byte{[]byte(fmt.Sprintf(start, tt.fields)), metric, []byte(`{"t":"2026-01-01T00:00:00Z","event":"done","status":"ok"}`)}, nil)
		if b.Host != "h" || b.Worker != tt.worker {
			t.Errorf("%s: got host %q, worker %s; want h and %s", tt.name, b.Host, b.Worker, tt.worker)
		}
		wantDone := tt.done
		if wantDone == "" {
			wantDone = trainer.StatusOK
		}
		if in.done != wantDone || in.doneKind != tt.kind || b.DoneStatus != wantDone || len(b.Metrics) != tt.metrics {
			t.Errorf("%s: got done %q, kind %q, stored %q, %d metrics; want %q, %q, %q, %d",
				tt.name, in.done, in.doneKind, b.DoneStatus, len(b.Metrics), wantDone, tt.kind, wantDone, tt.metrics)
		}
		if tt.kind != "" && in.doneErr != "the worker speaks protocol 2, its spec protocol 1" {
			t.Errorf("%s: got error %q, want one naming both versions", tt.name, in.doneErr)
		}
	}
}

// TestRunRecordsWorker: a run stores each attempt's worker provenance from
// its start event, and fails the attempt whose worker speaks another
// protocol version than its spec's, naming both, stops that worker rather
// than wait for it, and does not retry it: the same worker would speak the
// same version again.
func TestRunRecordsWorker(t *testing.T) {
	dir := t.TempDir()
	script := `ev() { printf '{"t":"2026-01-01T00:00:00Z","event":%s}\n' "$1" >> "$SWEEP_EVENTS"; }
ev '"start","pid":1,"host":"h","protocol":'"$1"',"worker":{"shell":"sh","gpu":"none"}'
[ "$1" = 2 ] && sleep 120 # stopped at its start event, or the test times out
ev '"metric","step":1,"values":{"loss":1}'
ev '"done","status":"ok"'
`
	if err := os.WriteFile(filepath.Join(dir, "w.sh"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	sweep := `name: provenance
worker:
  kind: command
  command: [sh, "{sweep_dir}/w.sh", "{proto}"]
executor: {kind: local, slots: 2}
hparams:
  proto: [1, 2]
max_retries: 2
`
	file := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(file, []byte(sweep), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "sweep.db")
	runSweep(t, file, db)
	st, err := results.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := testenv.DB(t, st.Path()).Query(`SELECT json_extract(t.hparams, '$.proto'), a.status, coalesce(a.error_kind, ''),
		coalesce(a.error, ''), coalesce(a.worker, '') FROM attempts a JOIN trials t ON t.id = a.trial ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := []struct{ status, kind, err string }{
		{results.AttemptSucceeded, "", ""},
		{results.AttemptFailed, KindConfig, "the worker speaks protocol 2, its spec protocol 1"},
	}
	n := 0
	for ; rows.Next(); n++ {
		var proto int
		var status, kind, msg, worker string
		if err := rows.Scan(&proto, &status, &kind, &msg, &worker); err != nil {
			t.Fatal(err)
		}
		if n >= len(want) {
			continue // counted: a retry
		}
		w := want[n]
		if status != w.status || kind != w.kind || msg != w.err {
			t.Errorf("protocol %d: got %s/%q %q, want %s/%q %q", proto, status, kind, msg, w.status, w.kind, w.err)
		}
		if worker != `{"gpu":"none","shell":"sh"}` {
			t.Errorf("protocol %d: got worker %q, want the start event's provenance", proto, worker)
		}
	}
	if n != len(want) {
		t.Errorf("got %d attempts, want %d", n, len(want))
	}
}
