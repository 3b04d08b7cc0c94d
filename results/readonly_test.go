package results

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/internal/testenv"
)

// TestReaderOnReadOnlyFolder: status and report read a run folder on a
// read-only mount, where SQLite cannot make a WAL reader's -shm file.
func TestReaderOnReadOnlyFolder(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Skipf(t, "a read-only bind mount needs root")
	}
	src := t.TempDir()
	s, err := Open(filepath.Join(src, "sweep.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncTrials(context.Background(), SweepFile{Name: "ro", Hash: "h"}, []TrialRow{{ID: "t1", Seed: 1, HParams: "{}", Config: "{}"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro := t.TempDir()
	if out, err := exec.Command("mount", "--bind", src, ro).CombinedOutput(); err != nil {
		testenv.Skipf(t, "mount --bind: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", ro).Run() })
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", ro).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v: %s", err, out)
	}
	r, err := OpenReader(filepath.Join(ro, "sweep.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	st, err := r.Status(context.Background(), 5)
	if err != nil || st.Sweep != "ro" || st.Trials != 1 {
		t.Errorf("got %+v, %v; want sweep ro with 1 trial", st, err)
	}
}
