package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// TestCancelCallsScancel: sweep cancel hands the jobs of the running
// attempts, and only those, to one scancel call (a fake one on PATH).
func TestCancelCallsScancel(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	calls := filepath.Join(dir, "scancel.args")
	os.WriteFile(filepath.Join(bin, "scancel"), []byte("#!/bin/sh\necho \"$@\" >>"+calls+"\n"), 0o755)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	db := filepath.Join(dir, "sweep.db")
	st, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var rows []results.TrialRow
	for _, id := range []string{"t1", "t2", "t3", "t4"} {
		rows = append(rows, results.TrialRow{ID: id, HParams: "{}", Config: "{}"})
	}
	if _, err := st.SyncTrials(ctx, results.SweepFile{Name: "s", Path: "s.yaml", Text: "name: s", Hash: "h"}, rows); err != nil {
		t.Fatal(err)
	}
	for i, job := range []string{"101_0", "101_1", "102", ""} {
		executor := "slurm"
		if job == "" {
			executor = "local"
		}
		a, err := st.StartAttempt(ctx, rows[i].ID, executor, "slot", func(n int) string { return filepath.Join(dir, rows[i].ID) })
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetProcess(ctx, a.ID, 0, 0, "login1", job); err != nil {
			t.Fatal(err)
		}
		if job == "102" { // ended: not cancelled again
			st.FinishAttempt(ctx, a.ID, results.Finish{Status: results.AttemptSucceeded, TrialState: results.TrialSucceeded})
		}
	}
	st.Close()

	out, errOut, code := run(t, "cancel", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, _ := os.ReadFile(calls)
	if want := "101_0 101_1\n"; string(got) != want {
		t.Errorf("got scancel %q, want %q", got, want)
	}
	for _, want := range []string{"cancelled 2 Slurm jobs", "1 running attempts are local processes"} {
		if !strings.Contains(out, want) {
			t.Errorf("got output %q, want it to say %q", out, want)
		}
	}
}

func TestCancelBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"cancel"},
		{"cancel", "--db", filepath.Join(t.TempDir(), "none.db")},
	} {
		if _, _, code := run(t, args...); code != 2 {
			t.Errorf("%v: got exit %d, want 2", args, code)
		}
	}
}

// TestRunRefusesBadSlurmValues: a value that cannot go into a batch
// script is bad input, found before anything is submitted.
func TestRunRefusesBadSlurmValues(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	os.WriteFile(file, []byte(`name: s
worker: {kind: command, command: ["true"], report: exit-code}
executor: {kind: slurm, time: "12 hours"}
`), 0o644)
	db := filepath.Join(dir, "s.db")
	_, errOut, code := run(t, "run", file, "--db", db)
	if code != 2 || !strings.Contains(errOut, "executor.time") {
		t.Errorf("got exit %d, %q; want 2 and a word about executor.time", code, errOut)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("the database was made for a sweep file that was refused")
	}
}
