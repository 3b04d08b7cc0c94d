package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
)

// TestMethodsStatus: each method's status line says what is verified and
// by what source; base has no components to show.
func TestMethodsStatus(t *testing.T) {
	out, _, code := run(t, "methods")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	tests := []struct {
		method string
		want   string // in the method's status line under the table
	}{
		{"lora", "verified (HF PEFT"},
		{"vera", "verified (HF PEFT 0.12"},
		{"tl1", "pattern: reconstructed (the paper's Table 1 unread); init: authors' code"},
		{"tl6", "pattern: verified (paper; NeMo VeraAdapter); init: authors' code (VeraAdapter defaults)"},
		{"tl6-kaiming", "init: LoRA-style"},
		{"base", "reference: the frozen base model, no adapter"},
	}
	_, notes, ok := strings.Cut(out, "Status, what is verified and by what source:\n")
	if !ok {
		t.Fatalf("got\n%s\nwant a status section under the table", out)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(notes, "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			lines[f[0]] = l
		}
	}
	for _, tt := range tests {
		if !strings.Contains(lines[tt.method], tt.want) {
			t.Errorf("%s: got status line %q, want it to contain %q", tt.method, lines[tt.method], tt.want)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "base ") && !strings.Contains(l, "reference") {
			t.Errorf("got table row %q, want base's status reference", l)
		}
	}

	out, _, _ = run(t, "methods", "--json")
	var rows []struct{ Name, Status, Notes, Formula string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Notes == "" {
			t.Errorf("%s: got no notes in --json, want them", r.Name)
		}
		if r.Name == "base" && (r.Status != "reference" || r.Formula != "0") {
			t.Errorf("base: got status %q, formula %q; want reference, 0", r.Status, r.Formula)
		}
	}
}

// TestBaseSweepGoWorker runs a tiny sweep with the Go trainer through
// `sweep run`: base is trained for no step, evaluated at step 0 and
// scored by the runner like LoRA next to it.
func TestBaseSweepGoWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a base model and two trials")
	}
	// The test binary is the sweep command for the workers it starts.
	t.Setenv("SWEEP_TEST_CLI", "1")
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	os.WriteFile(file, []byte(`name: base-ref
model: go-micro
executor: {kind: local, slots: 1, threads_per_trial: 1}
tasks:
  - {name: syn-squad, size: 64, max_examples: {validation: 8, test: 8}}
methods: [lora, base]
ranks: [2]
hparams:
  steps: 4
  batch_size: 4
  eval_every: 2
  checkpoint_every: 2
  eval_examples: 8
  max_new_tokens: 6
  pretrain_steps: 10
  pretrain_size: 100
  pretrain_batch: 4
`), 0o644)
	db := filepath.Join(dir, "s.db")
	out, errOut, code := run(t, "run", file, "--db", db, "--runs", filepath.Join(dir, "runs"), "--cache", filepath.Join(dir, "cache"), "--progress=false")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	// The store keeps a trainable count of 0 as no count (NULL), so base's
	// 0 shows as a params event that matches the analytic count.
	type row struct {
		status                   string
		trainable, steps         int64
		params, mismatch, scores int
	}
	got := map[string]row{}
	rows, err := testenv.DB(t, db).Query(`SELECT t.method, a.status, coalesce(a.params_trainable, 0), coalesce(a.last_step, 0),
		(SELECT count(*) FROM events e WHERE e.attempt = a.id AND e.kind = 'params'), a.params_mismatch,
		(SELECT count(*) FROM scores s WHERE s.attempt = a.id AND s.source = 'runner' AND s.split = 'test')
		FROM attempts a JOIN trials t ON t.id = a.trial`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var r row
		if err := rows.Scan(&m, &r.status, &r.trainable, &r.steps, &r.params, &r.mismatch, &r.scores); err != nil {
			t.Fatal(err)
		}
		got[m] = r
	}
	if b := got["base"]; b.status != "succeeded" || b.trainable != 0 || b.steps != 0 || b.params != 1 || b.mismatch != 0 || b.scores == 0 {
		t.Errorf("base: got %+v, want succeeded, 0 trainable as counted, no step taken, scored on test", b)
	}
	if l := got["lora"]; l.status != "succeeded" || l.trainable <= 0 || l.steps != 4 || l.mismatch != 0 || l.scores == 0 {
		t.Errorf("lora: got %+v, want succeeded, trained for 4 steps, scored on test", l)
	}
}
