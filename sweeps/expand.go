package sweeps

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// Axis names as trials and exclude rules know them.
const (
	AxisTask   = "task"
	AxisMethod = "method"
	AxisRank   = "rank"
	AxisSeed   = "seed"
)

// axisAliases lets zip and exclude name an axis by its sweep-file key.
var axisAliases = map[string]string{"tasks": AxisTask, "methods": AxisMethod, "ranks": AxisRank, "seeds": AxisSeed}

// MaxTrials bounds a sweep's size, so a typo in a range fails fast.
const MaxTrials = 10_000_000

// axisDef is one resolved axis.
type axisDef struct {
	name     string
	path     string   // where the file sets it ("" for a default)
	values   []any    // what exclude rules match: names, ints, floats…
	frags    [][]byte // each value's canonical JSON
	implicit bool     // a default hyper-parameter, not written in the file
	// partial: some of the file's values were refused, so counts and
	// matches against this axis would only echo those errors.
	partial bool
	// derived: a default computed per trial from another axis (from), not
	// crossed: values are only what it takes, for plans.
	derived *derivedHParam
	from    int
	// perMethod: the values of each method (by_method; ByMethodDefault
	// for the others); values is then their union.
	perMethod map[string][]any
	// sampled: the values are drawn from this distribution; the sampled
	// axes vary together, point by point.
	sampled *Distribution
}

// rule is one exclude entry: a trial matching every clause is left out.
type rule []struct {
	axis  int
	match []bool // by value index
}

// buildAxes checks the axes and builds them in the order trials vary:
// task, method, rank, hyper-parameters in file order, then seed.
func (l *loader) buildAxes() {
	f, s := &l.s.File, l.s
	add := func(a *axisDef) {
		for _, v := range a.values {
			a.frags = append(a.frags, canonical(v))
		}
		s.axes = append(s.axes, a)
	}
	if len(s.Tasks) > 0 {
		a := &axisDef{name: AxisTask, path: "tasks"}
		for i := range s.Tasks {
			a.values = append(a.values, s.Tasks[i].Name)
		}
		add(a)
		for i := range s.Tasks {
			a.frags[i] = canonical(s.Tasks[i])
		}
	}
	if len(s.Methods) > 0 {
		a := &axisDef{name: AxisMethod, path: "methods"}
		for _, m := range s.Methods {
			a.values = append(a.values, m.Name)
		}
		add(a)
		for i := range s.Methods {
			a.frags[i] = canonical(s.Methods[i])
		}
	}
	needs := l.needsAxes()
	switch {
	case f.Ranks.Set:
		a := &axisDef{name: AxisRank, path: "ranks"}
		a.values, a.partial = l.intAxis(f.Ranks, "ranks", 1)
		add(a)
	case l.broken("ranks"):
	case needs || len(s.Methods) > 0:
		l.errAt("", "ranks is required when the sweep has methods (e.g. [2, 8, 32], or {from: 2, to: 128, step: 2})")
	}
	rules := map[string]hparamRule{}
	if needs {
		rules = hparamsFor(f.Worker.Kind)
	}
	known := sortedKeys(rules)
	samples := l.buildSamples(rules, needs)
	seenH := map[string]bool{}
	for _, h := range f.HParams {
		at := "hparams." + h.Name
		if _, reserved := axisAliases[h.Name]; reserved || h.Name == AxisTask || h.Name == AxisMethod || h.Name == AxisRank || h.Name == AxisSeed {
			l.errAt(at+"#key", "%s is an axis of its own, not a hyper-parameter", h.Name)
			continue
		}
		r, ok := rules[h.Name]
		if needs && !ok {
			l.errAt(at+"#key", "unknown hyper-parameter %q for the %s worker%s; known: %s", h.Name, f.Worker.Kind, didYouMean(h.Name, known), strings.Join(known, ", "))
			continue
		}
		seenH[h.Name] = true
		a := &axisDef{name: h.Name, path: at, partial: l.broken(at)}
		if h.Sample != nil {
			if sp := samples[h.Name]; sp != nil && len(sp.values) > 0 {
				a.values, a.sampled = sp.values, h.Sample
				add(a)
			}
			continue
		}
		if h.PerMethod {
			if l.perMethodAxis(h, a, r, ok) {
				add(a)
				l.restrictByMethod(a, len(s.axes)-1)
			}
			continue
		}
		if len(h.Axis.Values) == 0 {
			if !a.partial {
				l.errAt(at, "hparams.%s is empty; give at least one value", h.Name)
			}
			continue
		}
		var bad bool
		a.values, bad = l.hparamValues(h.Name, at, h.Axis, r, ok)
		a.partial = a.partial || bad
		l.checkDuplicates(a)
		add(a)
	}
	if needs {
		defs := defaultHParams[f.Worker.Kind]
		for _, name := range sortedKeys(defs) {
			if !seenH[name] {
				add(&axisDef{name: name, values: []any{defs[name]}, implicit: true})
			}
		}
		for _, d := range derivedHParams[f.Worker.Kind] {
			from := s.axisIndex(d.from)
			if seenH[d.name] || from < 0 {
				continue
			}
			a := &axisDef{name: d.name, implicit: true, derived: &d, from: from}
			seen := map[int64]bool{}
			for _, v := range s.axes[from].values {
				if x, ok := v.(int64); ok && !seen[x/d.div] {
					seen[x/d.div] = true
					a.values = append(a.values, x/d.div)
				}
			}
			add(a)
		}
	}
	a := &axisDef{name: AxisSeed, path: "seeds"}
	a.values, a.partial = l.intAxis(f.Seeds, "seeds", 0)
	add(a)
	l.buildGroups()
	l.buildExclude()
}

// hparamValues checks a hyper-parameter's values (when its rule is known)
// and returns them as the worker receives them; partial says some were
// refused.
func (l *loader) hparamValues(name, at string, ax Axis, r hparamRule, known bool) (values []any, partial bool) {
	for i, v := range ax.Values {
		if known {
			x, err := r.check(v)
			if err != nil {
				l.errAt(l.valuePath(at, ax.item(i)), "hparams.%s: %v", name, err)
				partial = true
				continue
			}
			v = x
		}
		values = append(values, v)
	}
	return values, partial
}

// perMethodAxis checks a hyper-parameter given per method (by_method) and
// makes its axis the union of the lists, in file order; false when no
// axis can be made. Which values each method takes is a.perMethod, applied
// by restrictByMethod.
func (l *loader) perMethodAxis(h HParam, a *axisDef, r hparamRule, known bool) bool {
	s := l.s
	at := a.path
	bm := at + ".by_method"
	if s.axisIndex(AxisMethod) < 0 {
		if !l.broken("methods") && !l.broken(bm) {
			l.errAt(bm+"#key", "hparams.%s.by_method: the sweep has no methods to give values for", h.Name)
		}
		return false
	}
	var names []string
	for _, m := range s.Methods {
		names = append(names, m.Name)
	}
	lists := h.ByMethod
	if h.Axis.Set {
		lists = append([]MethodAxis{{Method: ByMethodDefault, Axis: h.Axis}}, lists...)
	}
	a.perMethod = map[string][]any{}
	given := map[string]bool{}
	seen := map[string]bool{}
	for _, ml := range lists {
		p := bm + "." + ml.Method
		given[ml.Method] = true
		if ml.Method != ByMethodDefault && !contains(names, ml.Method) {
			if !l.broken("methods") {
				l.errAt(p+"#key", "hparams.%s.by_method: method %q is not among the sweep's methods%s; methods: %s", h.Name, ml.Method,
					didYouMean(ml.Method, names), strings.Join(names, ", "))
			}
			a.partial = true
			continue
		}
		if len(ml.Axis.Values) == 0 {
			if !l.broken(p) {
				l.errAt(p, "hparams.%s.by_method.%s is empty; give at least one value", h.Name, ml.Method)
			}
			a.partial = true
			continue
		}
		values, bad := l.hparamValues(h.Name, p, ml.Axis, r, known)
		a.partial = a.partial || bad
		l.checkDuplicates(&axisDef{name: h.Name, path: p, values: values})
		a.perMethod[ml.Method] = values
		for _, v := range values {
			if k := valueKey(v); !seen[k] {
				seen[k] = true
				a.values = append(a.values, v)
			}
		}
	}
	if !given[ByMethodDefault] {
		var missing []string
		for _, n := range names {
			if !given[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 && !l.broken(bm) {
			l.errAt(bm+"#key", "hparams.%s.by_method: no values for %s and no default; give %s a list or add default: [...]", h.Name,
				strings.Join(missing, ", "), map[bool]string{true: "it", false: "them"}[len(missing) == 1])
			a.partial = true
		}
	}
	return len(a.values) > 0
}

// restrictByMethod leaves out the combinations of each method with the
// values of axis ai that its list (or the default) does not hold.
func (l *loader) restrictByMethod(a *axisDef, ai int) {
	s := l.s
	mi := s.axisIndex(AxisMethod)
	for m, meth := range s.Methods {
		allowed, ok := a.perMethod[meth.Name]
		if !ok {
			allowed = a.perMethod[ByMethodDefault]
		}
		keep := map[string]bool{}
		for _, v := range allowed {
			keep[valueKey(v)] = true
		}
		drop := make([]bool, len(a.values))
		some := false
		for vi, v := range a.values {
			drop[vi] = !keep[valueKey(v)]
			some = some || drop[vi]
		}
		if !some {
			continue
		}
		only := make([]bool, len(s.Methods))
		only[m] = true
		s.restrict = append(s.restrict, rule{{axis: mi, match: only}, {axis: ai, match: drop}})
	}
}

// valuePath is where the i-th value of an axis is: its list item, or the
// axis itself for a single value or a range.
func (l *loader) valuePath(at string, i int) string {
	if p := indexPath(at, i); l.posKnown(p) {
		return p
	}
	return at
}

// intAxis checks that every value is an integer of at least min, once;
// partial says some of the file's values were refused.
func (l *loader) intAxis(ax Axis, at string, min int64) (values []any, partial bool) {
	partial = l.broken(at)
	if len(ax.Values) == 0 {
		if !partial {
			l.errAt(at, "%s is empty; give at least one value", at)
		}
		return nil, true
	}
	for i, v := range ax.Values {
		x, ok := v.(int64)
		switch {
		case !ok:
			l.errAt(l.valuePath(at, ax.item(i)), "%s: want an integer, got %s", at, quoteIfString(v))
			partial = true
		case x < min:
			l.errAt(l.valuePath(at, ax.item(i)), "%s: %d is not allowed; the smallest is %d", at, x, min)
			partial = true
		default:
			values = append(values, x)
		}
	}
	l.checkDuplicates(&axisDef{name: at, path: at, values: values})
	return values, partial
}

func quoteIfString(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return FormatValue(v)
}

func (l *loader) checkDuplicates(a *axisDef) {
	seen := make(map[string]bool, len(a.values))
	for _, v := range a.values {
		k := valueKey(v)
		if seen[k] {
			l.errAt(a.path, "%s lists %s twice", axisLabel(a), FormatValue(v))
			return
		}
		seen[k] = true
	}
}

// valueKey is equal for values that sameValue calls the same.
func valueKey(v any) string {
	if f, ok := number(v); ok {
		return "n" + strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprintf("%T:%s", v, FormatValue(v))
}

func axisLabel(a *axisDef) string {
	if a.path != "" {
		return a.path
	}
	return a.name
}

func sameValue(a, b any) bool { return valueKey(a) == valueKey(b) }

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// axisIndex finds an axis by name or alias.
func (s *Sweep) axisIndex(name string) int {
	if a, ok := axisAliases[name]; ok {
		name = a
	}
	for i, a := range s.axes {
		if a.name == name {
			return i
		}
	}
	return -1
}

func (s *Sweep) axisNames() []string {
	var out []string
	for _, a := range s.axes {
		if !a.implicit {
			out = append(out, a.name)
		}
	}
	return out
}

func (l *loader) buildGroups() {
	s, f := l.s, &l.s.File
	group := make([]int, len(s.axes)) // axis → its zip group + 1, or 0
	for gi, names := range f.Zip {
		at := indexPath("zip", gi)
		if len(names) < 2 {
			l.errAt(at, "a zip group needs at least two axes, got %d", len(names))
			continue
		}
		n := -1
		partial := false // a member lost values to errors reported already
		for i, name := range names {
			if l.broken(indexPath(at, i)) {
				continue
			}
			ai := s.axisIndex(name)
			switch {
			case ai < 0 && l.sampledName(name):
				l.errAt(indexPath(at, i), "zip: hparams.%s is sampled; the sampled hyper-parameters vary together already (point i gives each its i-th value), and zip is for lists", name)
				continue
			case ai < 0 && l.broken("hparams."+name):
				continue
			case ai < 0:
				l.errAt(indexPath(at, i), "zip: no axis %q%s; axes: %s", name, didYouMean(name, s.axisNames()), strings.Join(s.axisNames(), ", "))
				continue
			case s.axes[ai].perMethod != nil:
				l.errAt(indexPath(at, i), "zip: hparams.%s has values per method (by_method); it cannot be zipped", name)
				continue
			case s.axes[ai].sampled != nil:
				l.errAt(indexPath(at, i), "zip: hparams.%s is sampled; the sampled hyper-parameters vary together already (point i gives each its i-th value), and zip is for lists", name)
				continue
			case s.axes[ai].derived != nil:
				l.errAt(indexPath(at, i), "zip: %s is not set in the file (its default is %s); give its values under hparams", name, s.axes[ai].derived.Formula())
				continue
			case s.axes[ai].implicit:
				l.errAt(indexPath(at, i), "zip: %s is not set in the file; give its values under hparams", name)
				continue
			case group[ai] != 0:
				l.errAt(indexPath(at, i), "zip: %s is already in zip group %d", name, group[ai]-1)
				continue
			}
			group[ai] = gi + 1
			partial = partial || s.axes[ai].partial
			if n >= 0 && len(s.axes[ai].values) != n && !partial {
				l.errAt(at, "zip: the axes of a group need as many values each; %s has %d, %s has %d", names[0], n, name, len(s.axes[ai].values))
			}
			if n < 0 {
				n = len(s.axes[ai].values)
			}
		}
	}
	// The sampled axes are one more zip group.
	for ai, a := range s.axes {
		if a.sampled != nil {
			group[ai] = len(f.Zip) + 1
		}
	}
	// Groups in axis order: a zip group stands where its first axis does.
	// A derived default follows its axis and crosses nothing.
	placed := map[int]bool{}
	for ai := range s.axes {
		if s.axes[ai].derived != nil {
			continue
		}
		g := group[ai]
		if g == 0 {
			s.groups = append(s.groups, []int{ai})
			continue
		}
		if placed[g] {
			continue
		}
		placed[g] = true
		var members []int
		for aj := range s.axes {
			if group[aj] == g {
				members = append(members, aj)
			}
		}
		s.groups = append(s.groups, members)
	}
}

func (l *loader) buildExclude() {
	s, f := l.s, &l.s.File
	for ri, m := range f.Exclude {
		at := indexPath("exclude", ri)
		if len(m) == 0 {
			if !l.broken(at) {
				l.errAt(at, "an exclude rule needs at least one axis: value")
			}
			continue
		}
		var r rule
		for _, name := range sortedKeys(m) {
			p := at + "." + name
			if l.broken(p) {
				continue
			}
			ai := s.axisIndex(name)
			if ai < 0 && l.sampledName(name) {
				l.errAt(p+"#key", "exclude: hparams.%s is sampled; exclude rules match the values of lists, not drawn ones (narrow the distribution instead)", name)
				continue
			}
			if ai < 0 && l.broken("hparams."+name) {
				continue
			}
			if ai < 0 {
				l.errAt(p+"#key", "exclude: no axis %q%s; axes: %s", name, didYouMean(name, s.axisNames()), strings.Join(s.axisNames(), ", "))
				continue
			}
			a := s.axes[ai]
			if a.sampled != nil {
				l.errAt(p+"#key", "exclude: hparams.%s is sampled; exclude rules match the values of lists, not drawn ones (narrow the distribution instead)", name)
				continue
			}
			if a.derived != nil {
				l.errAt(p+"#key", "exclude: %s is not set in the file (its default is %s of each trial); give its values under hparams", name, a.derived.Formula())
				continue
			}
			match := make([]bool, len(a.values))
			for _, v := range m[name].Values {
				found := false
				for vi, av := range a.values {
					if sameValue(v, av) {
						match[vi], found = true, true
					}
				}
				if !found && !a.partial {
					l.errAt(p, "exclude: %s %s is not among the sweep's values", a.name, quoteIfString(v))
				}
			}
			r = append(r, struct {
				axis  int
				match []bool
			}{ai, match})
		}
		s.exclude = append(s.exclude, r)
	}
}

// checkCombinations bounds the sweep and makes sure something is left
// after the exclude rules.
func (l *loader) checkCombinations() {
	s := l.s
	total := 1.0
	for _, g := range s.groups {
		total *= float64(len(s.axes[g[0]].values))
	}
	if total > MaxTrials {
		l.errAt("", "the sweep has %.0f trials; at most %d", total, MaxTrials)
		return
	}
	if len(s.exclude) == 0 {
		return
	}
	n := 0
	s.each(func([]int) { n++ })
	if n == 0 {
		l.errAt("exclude", "every trial is excluded")
	}
}

// each calls fn with the value index of every axis, for every trial that
// no exclude rule removes, in a stable order (the last group varies
// fastest). fn must not keep idx.
func (s *Sweep) each(fn func(idx []int)) { s.walk(s.excluded, fn) }

// walk calls fn for every combination of the axes' values that skip does
// not leave out, in each's order.
func (s *Sweep) walk(skip func(idx []int) bool, fn func(idx []int)) {
	if len(s.groups) == 0 {
		return
	}
	idx := make([]int, len(s.axes))
	point := make([]int, len(s.groups))
	sizes := make([]int, len(s.groups))
	for g, members := range s.groups {
		sizes[g] = len(s.axes[members[0]].values)
		if sizes[g] == 0 {
			return
		}
	}
	for {
		for g, members := range s.groups {
			for _, ai := range members {
				idx[ai] = point[g]
			}
		}
		if !skip(idx) {
			fn(idx)
		}
		g := len(point) - 1
		for ; g >= 0; g-- {
			point[g]++
			if point[g] < sizes[g] {
				break
			}
			point[g] = 0
		}
		if g < 0 {
			return
		}
	}
}

func (s *Sweep) excluded(idx []int) bool {
	return s.restricted(idx) || s.ruledOut(idx)
}

// restricted says a combination pairs a method with a value its own list
// (by_method) does not have: not a trial of the grid at all.
func (s *Sweep) restricted(idx []int) bool {
	for _, r := range s.restrict {
		if r[0].match[idx[r[0].axis]] && r[1].match[idx[r[1].axis]] {
			return true
		}
	}
	return false
}

// ruledOut says one of the file's exclude rules removes a combination.
func (s *Sweep) ruledOut(idx []int) bool {
	for _, r := range s.exclude {
		all := true
		for _, c := range r {
			if !c.match[idx[c.axis]] {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// Trial is one fully resolved training configuration.
type Trial struct {
	// ID is the first 16 hex digits of the SHA-256 of the trial's
	// canonical JSON (model, targets, task, method, rank, seed, hparams;
	// keys sorted), so the same configuration has the same ID whatever
	// the order of keys and axes in the file.
	ID     string
	Task   *tasks.Config   // nil for a command worker without tasks
	Method *trainer.Method // nil without methods
	Rank   int             // 0 without ranks
	Seed   int64
	// HParams are sorted by name.
	HParams []HParamValue
	// Params is the exact parameter budget (nil without a model).
	Params *trainer.Count
}

// HParamValue is one hyper-parameter of a trial.
type HParamValue struct {
	Name  string
	Value any // int64, float64, string or bool
}

// HParam returns a hyper-parameter's value.
func (t *Trial) HParam(name string) (any, bool) {
	i := sort.Search(len(t.HParams), func(i int) bool { return t.HParams[i].Name >= name })
	if i < len(t.HParams) && t.HParams[i].Name == name {
		return t.HParams[i].Value, true
	}
	return nil, false
}

// TaskName and MethodName are "" when the sweep has no such axis.
func (t *Trial) TaskName() string {
	if t.Task == nil {
		return ""
	}
	return t.Task.Name
}

func (t *Trial) MethodName() string {
	if t.Method == nil {
		return ""
	}
	return t.Method.Name
}

// MarshalJSON writes a trial with its hyper-parameters as one object.
func (t Trial) MarshalJSON() ([]byte, error) {
	type out struct {
		ID      string          `json:"id"`
		Task    *tasks.Config   `json:"task,omitempty"`
		Method  *trainer.Method `json:"method,omitempty"`
		Rank    int             `json:"rank,omitempty"`
		Seed    int64           `json:"seed"`
		HParams json.RawMessage `json:"hparams"`
		Params  *trainer.Count  `json:"params,omitempty"`
	}
	return json.Marshal(out{t.ID, t.Task, t.Method, t.Rank, t.Seed, hparamsJSON(t.HParams), t.Params})
}

func hparamsJSON(hs []HParamValue) []byte {
	b := []byte{'{'}
	for i, h := range hs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, canonical(h.Name)...)
		b = append(b, ':')
		b = append(b, canonical(h.Value)...)
	}
	return append(b, '}')
}

// Trials expands the sweep. The work per trial is a few appends of
// pre-encoded JSON and one SHA-256, so large sweeps plan quickly.
func (s *Sweep) Trials() []Trial {
	var (
		taskAxis, methodAxis, rankAxis, seedAxis = s.axisIndex(AxisTask), s.axisIndex(AxisMethod), s.axisIndex(AxisRank), s.axisIndex(AxisSeed)
		hAxes                                    []int
	)
	for ai := range s.axes {
		if ai != taskAxis && ai != methodAxis && ai != rankAxis && ai != seedAxis {
			hAxes = append(hAxes, ai)
		}
	}
	sort.Slice(hAxes, func(i, j int) bool { return s.axes[hAxes[i]].name < s.axes[hAxes[j]].name })
	hKeys := make([][]byte, len(hAxes)) // `"name":`
	for i, ai := range hAxes {
		hKeys[i] = append(canonical(s.axes[ai].name), ':')
	}
	// The parts of every ID that do not vary.
	var model, targets []byte
	if s.HasModel() {
		// init: random only confirms what a model without path is for the
		// torch worker (random weights), so it leaves the trial the same.
		spec := s.File.Model
		spec.Init = ""
		model = canonical(map[string]any{"arch": s.Arch, "spec": spec})
		targets = canonical(s.File.Targets)
	}
	counts := map[[2]int]*trainer.Count{}
	var trials []Trial
	buf := make([]byte, 0, 1024)
	s.each(func(idx []int) {
		t := Trial{HParams: make([]HParamValue, len(hAxes))}
		buf = append(buf[:0], `{"hparams":{`...)
		for i, ai := range hAxes {
			a := s.axes[ai]
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, hKeys[i]...)
			if d := a.derived; d != nil {
				x := s.axes[a.from].values[idx[a.from]].(int64) / d.div
				t.HParams[i] = HParamValue{a.name, x}
				buf = strconv.AppendInt(buf, x, 10)
				continue
			}
			t.HParams[i] = HParamValue{a.name, a.values[idx[ai]]}
			buf = append(buf, a.frags[idx[ai]]...)
		}
		buf = append(buf, '}')
		if methodAxis >= 0 {
			t.Method = &s.Methods[idx[methodAxis]]
			buf = append(append(buf, `,"method":`...), s.axes[methodAxis].frags[idx[methodAxis]]...)
		}
		if model != nil {
			buf = append(append(buf, `,"model":`...), model...)
		}
		if rankAxis >= 0 {
			t.Rank = int(s.axes[rankAxis].values[idx[rankAxis]].(int64))
			buf = append(append(buf, `,"rank":`...), s.axes[rankAxis].frags[idx[rankAxis]]...)
		}
		t.Seed = s.axes[seedAxis].values[idx[seedAxis]].(int64)
		buf = append(append(buf, `,"seed":`...), s.axes[seedAxis].frags[idx[seedAxis]]...)
		if targets != nil {
			buf = append(append(buf, `,"targets":`...), targets...)
		}
		if taskAxis >= 0 {
			t.Task = &s.Tasks[idx[taskAxis]]
			buf = append(append(buf, `,"task":`...), s.axes[taskAxis].frags[idx[taskAxis]]...)
		}
		buf = append(buf, '}')
		sum := sha256.Sum256(buf)
		t.ID = hex.EncodeToString(sum[:8])
		if s.HasModel() && t.Method != nil {
			key := [2]int{idx[methodAxis], t.Rank}
			c, ok := counts[key]
			if !ok {
				cnt, err := trainer.CountParams(s.Arch, *t.Method, t.Rank, s.File.Targets)
				if err == nil { // targets and rank were checked when loading
					c = &cnt
				}
				counts[key] = c
			}
			t.Params = c
		}
		trials = append(trials, t)
	})
	return trials
}

// canonical is v's JSON with object keys sorted and no spaces: the form
// that trial IDs hash.
func canonical(v any) []byte {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(nil, x, 10)
	case string, float64, bool:
		b, _ := json.Marshal(x) // scalars have one spelling already
		return b
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sweeps: canonical JSON of %T: %v", v, err))
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		panic(err)
	}
	if f, ok := generic.(float64); ok && !math.IsInf(f, 0) {
		return b // a number keeps its own spelling
	}
	out, _ := json.Marshal(generic) // maps marshal with sorted keys
	return out
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
