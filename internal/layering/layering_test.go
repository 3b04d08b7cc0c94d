package layering

import (
	"encoding/json"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tiedlora/tiedlora-sweep"

// allowed lists, for each package of the library, the packages of this
// module it may import (docs/design.md), besides those under itself. A
// package not listed (cmd/sweep, bench, internal helpers) is wiring and may
// import anything; a sub-package not listed takes its nearest listed
// parent's row, and may import anything under that parent.
var allowed = map[string][]string{
	"trainer":          {},
	"trainer/gotrain":  {"trainer", "tasks", "tasks/metrics"},
	"trainer/torch":    {"trainer", "tasks", "internal/benchpy"},
	"tasks/metrics":    {},
	"tasks":            {"tasks/metrics", "trainer"},
	"results/fixture":  {"results", "trainer"},
	"sweeps":           {"trainer", "tasks", "tasks/metrics"},
	"results":          {},
	"analysis":         {"results", "tasks/metrics"},
	"trialframe":       {"results"},
	"plots":            {"analysis", "results", "trialframe"},
	"runner/earlystop": {},
	"runner":           {"sweeps", "trainer", "tasks", "tasks/metrics", "results", "trainer/torch", "internal/benchpy"},
	"serve":            {"analysis", "plots", "results", "tasks", "trainer"},
	"serve/servebench": {"serve", "runner", "sweeps", "results"},
}

func TestImportsFollowTheMap(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		root, rule, ok := ruleOf(name)
		if !ok {
			continue
		}
		seen++
		for _, imp := range p.Imports {
			dep, ours := strings.CutPrefix(imp, module+"/")
			if !ours || dep == root || strings.HasPrefix(dep, root+"/") {
				continue
			}
			if !slices.Contains(rule, dep) {
				t.Errorf("%s imports %s, which docs/design.md does not allow (allowed: %v)", name, dep, rule)
			}
		}
	}
	if seen < len(allowed) {
		t.Errorf("got %d packages under the rules, want at least %d", seen, len(allowed))
	}
}

// ruleOf finds the listed package that rules name (itself or its nearest
// listed parent) and that package's row.
func ruleOf(name string) (string, []string, bool) {
	for p := name; p != "." && p != "/"; p = path.Dir(p) {
		if r, ok := allowed[p]; ok {
			return p, r, true
		}
	}
	return "", nil, false
}
