package sweeps

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .want files of testdata/bad")

// TestBadFiles loads every malformed sweep file in testdata/bad and checks
// the whole message list against the .want file beside it.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("got %d malformed files, want at least 20", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			_, err := Load(file)
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, want an ErrorList", err)
			}
			got := list.Error() + "\n"
			wantFile := strings.TrimSuffix(file, ".yaml") + ".want"
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestPython: worker.python is a path from the sweep file's directory
// when it has a separator, else a name for PATH.
func TestPython(t *testing.T) {
	tests := []struct{ dir, python, want string }{
		{"examples", "", ""},
		{"examples", "python3.11", "python3.11"},
		{"examples", "/usr/bin/python3", "/usr/bin/python3"},
		{"examples", ".venv/bin/python", "examples/.venv/bin/python"},
		{"/srv/sweeps", "../env/bin/python", "/srv/env/bin/python"},
		{".", "./py", "py"},
	}
	for _, tt := range tests {
		s := &Sweep{Dir: tt.dir, File: File{Worker: Worker{Kind: WorkerTorch, Python: tt.python}}}
		if got := s.Python(); got != tt.want {
			t.Errorf("dir %q, python %q: got %q, want %q", tt.dir, tt.python, got, tt.want)
		}
	}
}
