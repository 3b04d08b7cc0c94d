package metrics

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The vectors in testdata/ were computed with the reference Python tools
// (see testdata/README.md); tests read them from there, never from outside
// the module.

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// close reports whether got is within 1e-9 of want (sacreBLEU's log and exp
// may differ from Go's in the last bit).
func closeTo(got, want float64) bool { return math.Abs(got-want) <= 1e-9 }
