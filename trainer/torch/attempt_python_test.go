package torch

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAttemptPython: export reuses the interpreter the worker named in its
// start event, and finds none where the worker named none.
func TestAttemptPython(t *testing.T) {
	for _, c := range []struct {
		name, events, want string
	}{
		{"named", `{"t":"2026-01-01T00:00:00Z","event":"start","pid":7,"python":"/opt/venv/bin/python"}` + "\n" + `{"t":"2026-01-01T00:00:01Z","event":"heartbeat"}` + "\n", "/opt/venv/bin/python"},
		{"not named", `{"t":"2026-01-01T00:00:00Z","event":"start","pid":7}` + "\n", ""},
		{"no start", `{"t":"2026-01-01T00:00:00Z","event":"heartbeat"}` + "\n", ""},
		{"garbage first", "not json\n" + `{"t":"2026-01-01T00:00:00Z","event":"start","python":"/usr/bin/python3"}` + "\n", "/usr/bin/python3"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(c.events), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := AttemptPython(dir); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if got := AttemptPython(t.TempDir()); got != "" {
		t.Errorf("no events file: got %q, want \"\"", got)
	}
}
