package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stubNetworkFS makes every path's filesystem fs for the test, recording
// the paths asked about.
func stubNetworkFS(t *testing.T, fs string, asked *[]string) {
	t.Helper()
	old := networkFS
	t.Cleanup(func() { networkFS = old })
	networkFS = func(path string) string {
		*asked = append(*asked, path)
		return fs
	}
}

func writeTrueSweep(t *testing.T, dir string) string {
	t.Helper()
	file := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(file, []byte("name: apart\nworker: {kind: command, command: [\"true\"], report: exit-code}\nseeds: [1, 2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestRunDirApart: with --db and --run-dir the database stays where --db
// says, and the attempts and the run directory's marker go to --run-dir.
func TestRunDirApart(t *testing.T) {
	var asked []string
	stubNetworkFS(t, "", &asked)
	dir := t.TempDir()
	file := writeTrueSweep(t, dir)
	local, shared := filepath.Join(dir, "local"), filepath.Join(dir, "shared", "apart")
	db := filepath.Join(local, "apart.db")
	out, errOut, code := run(t, "run", file, "--db", db, "--run-dir", shared)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if strings.Contains(errOut, "network filesystem") {
		t.Errorf("a local database: got the warning %q", errOut)
	}
	if len(asked) != 1 || asked[0] != db {
		t.Errorf("asked about %q, want the database %s alone", asked, db)
	}
	if _, err := os.Stat(filepath.Join(shared, ".sweep-instance")); err != nil {
		t.Errorf("the run directory's marker: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(shared, "trials", "*", "1")); len(m) != 2 {
		t.Errorf("got attempt directories %q under --run-dir, want 2", m)
	}
	entries, _ := os.ReadDir(local)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "apart.db") {
			t.Errorf("beside the database: got %s, want only its files", e.Name())
		}
	}
	// A second run finds its marker and has nothing left to do.
	if out, errOut, code := run(t, "run", file, "--db", db, "--run-dir", shared); code != 0 || !strings.Contains(out, "2 succeeded") {
		t.Errorf("second run: exit %d, %s%s; want 2 succeeded", code, out, errOut)
	}
	// Another database with the same run directory is refused.
	if _, errOut, code := run(t, "run", file, "--db", filepath.Join(local, "other.db"), "--run-dir", shared); code == 0 || !strings.Contains(errOut, "belongs to another database") {
		t.Errorf("another database: exit %d, %q; want a refusal naming the other database", code, errOut)
	}
}

// TestRunWarnsNetworkDB: a database on a network filesystem is warned
// about once, with the reason and the fix, and the run goes on.
func TestRunWarnsNetworkDB(t *testing.T) {
	var asked []string
	stubNetworkFS(t, "NFS", &asked)
	dir := t.TempDir()
	file := writeTrueSweep(t, dir)
	db := filepath.Join(dir, "runs", "apart", "sweep.db")
	out, errOut, code := run(t, "run", file, "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if n := strings.Count(errOut, "warning: the database"); n != 1 {
		t.Errorf("got the warning %d times, want once: %q", n, errOut)
	}
	for _, want := range []string{db + " is on NFS", "WAL", "--db /local/disk/sweep.db --run-dir " + filepath.Dir(db), "docs/slurm.md"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the warning lacks %q: %q", want, errOut)
		}
	}
}
