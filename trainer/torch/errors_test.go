package torch

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// TestWorkerErrorKinds: the kinds the Python worker declares (errors.py,
// one NAME = "kind" line each) are trainer's worker kinds, both ways, so
// the two lists cannot drift apart.
func TestWorkerErrorKinds(t *testing.T) {
	src, err := os.ReadFile("tiedlora_worker/errors.py")
	if err != nil {
		t.Fatal(err)
	}
	var py []trainer.ErrorKind
	for _, m := range regexp.MustCompile(`(?m)^[A-Z][A-Z0-9_]* = "([^"]*)"$`).FindAllSubmatch(src, -1) {
		py = append(py, trainer.ErrorKind(m[1]))
	}
	goKinds := trainer.WorkerErrorKinds()
	if len(py) == 0 {
		t.Fatal(`errors.py: got no NAME = "kind" lines, want the worker's kinds`)
	}
	for _, k := range py {
		if !slices.Contains(goKinds, k) {
			t.Errorf("errors.py declares %q: got it missing from trainer.WorkerErrorKinds %q", k, goKinds)
		}
	}
	for _, k := range goKinds {
		if !slices.Contains(py, k) {
			t.Errorf("trainer.WorkerErrorKinds has %q: got it missing from errors.py's %q", k, py)
		}
	}
}
