package sweeps

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Distributions of a sampled hyper-parameter.
const (
	DistUniform       = "uniform"         // [a, b]: a number, uniform
	DistLogUniform    = "log_uniform"     // [a, b], a > 0: uniform on the log scale
	DistIntUniform    = "int_uniform"     // [a, b]: an integer, each equally likely
	DistLogIntUniform = "log_int_uniform" // [a, b], a ≥ 1: an integer, uniform on the log scale
	DistChoice        = "choice"          // [v1, v2, …]: one of the values, each equally likely
)

var distKinds = []string{DistUniform, DistLogUniform, DistIntUniform, DistLogIntUniform, DistChoice}

// Sampling methods.
const (
	SampleSobol  = "sobol"
	SampleRandom = "random"
)

// Samples is the top-level samples key: how many points to draw for the
// sampled hyper-parameters, and how.
type Samples struct {
	N      int    `yaml:"n" json:"n"`
	Method string `yaml:"method" json:"method"`
	Seed   int64  `yaml:"seed" json:"seed"`
}

func (s *Samples) decodeNode(d *decoder, n *yaml.Node, path string) {
	switch {
	case n.Kind == yaml.ScalarNode:
		if x, ok := d.integer(n, path); ok {
			s.N = int(min(max(x, -1), math.MaxInt32))
		} else {
			d.markBad(path)
		}
	case n.Kind == yaml.MappingNode:
		type plain Samples
		d.decode(n, reflectValue((*plain)(s)), path)
		if _, ok := d.pos[path+".n"]; !ok && !d.bad[path] {
			d.errorf(n, "samples: want n, the number of points to draw (samples: {n: 16, method: sobol, seed: 0}, or samples: 16)")
			d.markBad(path)
		}
	default:
		d.errorf(n, "samples: want a number of points or {n, method, seed}, got %s", shape(n))
		d.markBad(path)
	}
}

// Distribution is a sampled hyper-parameter's distribution as the file
// gives it.
type Distribution struct {
	Kind string `json:"kind"`
	// Low and High bound uniform, log_uniform, int_uniform and
	// log_int_uniform (inclusive; int64 for the integer ones).
	Low  any `json:"low,omitempty"`
	High any `json:"high,omitempty"`
	// Choices are choice's values.
	Choices []any `json:"choices,omitempty"`
}

// String writes the distribution as the file does: log_uniform [1e-05, 0.01].
func (d Distribution) String() string {
	vals := d.Choices
	if d.Kind != DistChoice {
		vals = []any{d.Low, d.High}
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = FormatValue(v)
	}
	return d.Kind + " [" + strings.Join(parts, ", ") + "]"
}

func (d Distribution) integer() bool { return d.Kind == DistIntUniform || d.Kind == DistLogIntUniform }

// distNode reports whether a hyper-parameter's mapping is a distribution:
// a mapping without the keys of a range or of by_method.
func distNode(n *yaml.Node) bool {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "from", "to", "step", "by_method":
			return false
		}
	}
	return true
}

// decodeDist reads {kind: [...]}; nil when it is not one distribution.
func decodeDist(d *decoder, n *yaml.Node, path string) *Distribution {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	var dist *Distribution
	bad := false
	d.mappingPairs(n, path, func(key string, k, val *yaml.Node) {
		p := path + "." + key
		d.pos[p+"#key"] = posOf(k)
		d.pos[p] = posOf(val)
		if !contains(distKinds, key) {
			d.errorf(k, "unknown key %q in %s%s; a mapping here is a distribution (%s), a range {from, to, step} or by_method", key, path,
				didYouMean(key, append(distKinds, "from", "to", "step", "by_method")), strings.Join(distKinds, ", "))
			bad = true
			return
		}
		if dist != nil {
			d.errorf(k, "%s: one distribution per hyper-parameter, got %s and %s", path, dist.Kind, key)
			bad = true
			return
		}
		dist = &Distribution{Kind: key}
		for val.Kind == yaml.AliasNode {
			val = val.Alias
		}
		if val.Kind != yaml.SequenceNode {
			want := "[low, high]"
			if key == DistChoice {
				want = "a list of values"
			}
			d.errorf(val, "%s: want %s, got %s", p, want, shape(val))
			bad = true
			return
		}
		if key == DistChoice {
			if len(val.Content) == 0 {
				d.errorf(val, "%s is empty; give at least one value", p)
				bad = true
			}
			for i, c := range val.Content {
				for c.Kind == yaml.AliasNode {
					c = c.Alias
				}
				d.pos[indexPath(p, i)] = posOf(c)
				if x, ok := d.value(c, indexPath(p, i)); ok {
					dist.Choices = append(dist.Choices, x)
				} else {
					bad = true
				}
			}
			return
		}
		if len(val.Content) != 2 {
			d.errorf(val, "%s: want [low, high], got %d %s", p, len(val.Content), plural(len(val.Content), "value", "values"))
			bad = true
			return
		}
		var lo, hi float64
		for i, c := range val.Content {
			for c.Kind == yaml.AliasNode {
				c = c.Alias
			}
			d.pos[indexPath(p, i)] = posOf(c)
			var x any
			var f float64
			var ok bool
			if dist.integer() {
				var xi int64
				xi, ok = d.integer(c, indexPath(p, i))
				x, f = xi, float64(xi)
			} else {
				f, ok = d.float(c, indexPath(p, i))
				x = f
			}
			if !ok {
				bad = true
				return
			}
			if i == 0 {
				dist.Low, lo = x, f
			} else {
				dist.High, hi = x, f
			}
		}
		switch {
		case lo >= hi:
			d.errorf(val, "%s: the low bound %s must be below the high bound %s", p, FormatValue(dist.Low), FormatValue(dist.High))
			bad = true
		case key == DistLogUniform && lo <= 0:
			d.errorf(val.Content[0], "%s: the low bound must be greater than 0 (it is a log scale), got %s", p, FormatValue(dist.Low))
			bad = true
		case key == DistLogIntUniform && lo < 1:
			d.errorf(val.Content[0], "%s: the low bound must be at least 1 (it is a log scale), got %s", p, FormatValue(dist.Low))
			bad = true
		}
	})
	if bad || dist == nil {
		d.markBad(path)
		return nil
	}
	return dist
}

// sampled is one sampled hyper-parameter as the loader builds it.
type sampled struct {
	name, at string
	dist     *Distribution
	rule     hparamRule
	known    bool // rule applies
	values   []any
}

// buildSamples checks the sampled hyper-parameters against their rules
// and the samples key, and draws the points: the i-th value of every
// sampled hyper-parameter is point i's. It returns them by name.
func (l *loader) buildSamples(rules map[string]hparamRule, needs bool) map[string]*sampled {
	f := &l.s.File
	out := map[string]*sampled{}
	var names []string
	ok := true
	anySampled := false // a distribution, perhaps of an unknown hyper-parameter
	for _, h := range f.HParams {
		at := "hparams." + h.Name
		anySampled = anySampled || h.Sample != nil
		if h.Sample == nil {
			continue
		}
		r, known := rules[h.Name]
		if needs && !known {
			continue // reported as unknown with the other axes
		}
		sp := &sampled{name: h.Name, at: at, dist: h.Sample, rule: r, known: known && needs}
		out[h.Name] = sp
		names = append(names, h.Name)
		if f.Samples == nil && !l.broken("samples") {
			l.errAt(at+"."+h.Sample.Kind+"#key", "hparams.%s is sampled (%s) but the file has no samples: say how many points to draw (samples: 16)", h.Name, h.Sample.Kind)
			ok = false
		}
		if !l.checkDist(sp) {
			ok = false
		}
	}
	if f.Samples != nil && !l.broken("samples") {
		sm := f.Samples
		if sm.Method == "" {
			sm.Method = SampleSobol
		}
		if !anySampled && !l.anyBrokenHParam() {
			l.errAt("samples", "samples: no hyper-parameter is sampled; give one a distribution (hparams: {lr: {log_uniform: [1e-5, 1e-2]}}) or leave samples out")
			ok = false
		}
		at := "samples"
		if l.posKnown("samples.n") {
			at = "samples.n"
		}
		if sm.N < 1 || sm.N > maxAxisLen {
			l.errAt(at, "samples: want 1 to %d points, got %d", maxAxisLen, sm.N)
			ok = false
		}
		switch sm.Method {
		case SampleSobol:
			if len(out) > maxSobolDims {
				l.errAt("samples", "samples: method sobol takes at most %d sampled hyper-parameters, this sweep samples %d; use method: random", maxSobolDims, len(out))
				ok = false
			}
		case SampleRandom:
		default:
			l.errAt("samples.method", "samples.method must be sobol or random, got %q%s", sm.Method, didYouMean(sm.Method, []string{SampleSobol, SampleRandom}))
			ok = false
		}
		if sm.Seed < 0 {
			l.errAt("samples.seed", "samples.seed cannot be negative, got %d", sm.Seed)
			ok = false
		}
	}
	if !ok || len(out) == 0 || f.Samples == nil || l.broken("samples") {
		return out
	}
	sort.Strings(names) // dimensions by name: the file's key order does not matter
	l.draw(f.Samples, names, out)
	return out
}

// sampledName reports whether the file gives the hyper-parameter name a
// distribution (whether or not it could be sampled).
func (l *loader) sampledName(name string) bool {
	for _, h := range l.s.File.HParams {
		if h.Name == name && h.Sample != nil {
			return true
		}
	}
	return false
}

// anyBrokenHParam reports whether some hyper-parameter failed to decode
// (and might have been meant as a distribution).
func (l *loader) anyBrokenHParam() bool {
	for _, h := range l.s.File.HParams {
		if l.broken("hparams." + h.Name) {
			return true
		}
	}
	return false
}

// checkDist checks a distribution against its hyper-parameter's rule:
// integers for integer hyper-parameters, bounds and choices that are
// valid values.
func (l *loader) checkDist(sp *sampled) bool {
	if !sp.known {
		return true
	}
	d, r := sp.dist, sp.rule
	p := sp.at + "." + d.Kind
	if r.integer && (d.Kind == DistUniform || d.Kind == DistLogUniform) {
		l.errAt(p+"#key", "hparams.%s takes integers, and %s draws decimals; use int_uniform, log_int_uniform or choice", sp.name, d.Kind)
		return false
	}
	ok := true
	vals := d.Choices
	if d.Kind != DistChoice {
		vals = []any{d.Low, d.High}
	}
	for i, v := range vals {
		if _, err := r.check(v); err != nil {
			l.errAt(l.valuePath(p, i), "hparams.%s: %v", sp.name, err)
			ok = false
		}
	}
	if d.Kind == DistChoice {
		seen := map[string]bool{}
		for i, v := range d.Choices {
			if k := valueKey(v); seen[k] {
				l.errAt(l.valuePath(p, i), "hparams.%s.choice lists %s twice", sp.name, FormatValue(v))
				ok = false
			} else {
				seen[k] = true
			}
		}
	}
	return ok
}

// pcgStream is the second PCG seed of sampling: seed S is
// rand.NewPCG(S, pcgStream).
const pcgStream = 0x7377656570 // "sweep"

// draw fills each sampled hyper-parameter's values: the unit points of
// the method, mapped through each distribution, a point that repeats an
// earlier one (possible when every sampled hyper-parameter is discrete)
// left out.
func (l *loader) draw(sm *Samples, names []string, out map[string]*sampled) {
	rng := rand.New(rand.NewPCG(uint64(sm.Seed), pcgStream))
	next := func(u []float64) {
		for i := range u {
			u[i] = rng.Float64()
		}
	}
	if sm.Method == SampleSobol {
		seq, err := newSobol(len(names))
		if err != nil {
			l.errAt("samples", "samples: %v", err) // bounded by buildSamples
			return
		}
		seq.scramble(rng)
		next = seq.next
	}
	u := make([]float64, len(names))
	seen := map[string]bool{}
	var key strings.Builder
	point := make([]any, len(names))
	for range sm.N {
		next(u)
		key.Reset()
		for i, name := range names {
			sp := out[name]
			v := sp.dist.at(u[i])
			if sp.known {
				x, err := sp.rule.check(v)
				if err != nil { // the bounds were checked: not expected
					l.errAt(sp.at, "hparams.%s: sampled %s: %v", name, FormatValue(v), err)
					return
				}
				v = x
			}
			point[i] = v
			key.WriteString(valueKey(v))
			key.WriteByte(0)
		}
		if seen[key.String()] {
			continue
		}
		seen[key.String()] = true
		for i, name := range names {
			out[name].values = append(out[name].values, point[i])
		}
	}
}

// sampleDigits is the precision of sampled decimals: short to print, and
// the same on every machine even where math.Exp differs in its last bit.
const sampleDigits = 6

// at maps u in [0, 1) to the distribution's value.
func (d *Distribution) at(u float64) any {
	switch d.Kind {
	case DistChoice:
		return d.Choices[min(int(u*float64(len(d.Choices))), len(d.Choices)-1)]
	case DistIntUniform, DistLogIntUniform:
		lo, hi := d.Low.(int64), d.High.(int64)
		var x float64
		if d.Kind == DistIntUniform {
			x = float64(lo) + math.Floor(u*(float64(hi)-float64(lo)+1))
		} else {
			a, b := math.Log(float64(lo)), math.Log(float64(hi)+1)
			x = math.Floor(math.Exp(a + u*(b-a)))
		}
		return min(max(int64(x), lo), hi)
	}
	lo, hi := d.Low.(float64), d.High.(float64)
	var x float64
	if d.Kind == DistLogUniform {
		a, b := math.Log(lo), math.Log(hi)
		x = math.Exp(a + u*(b-a))
	} else {
		x = lo + u*(hi-lo)
	}
	x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', sampleDigits, 64), 64)
	return min(max(x, lo), hi)
}

// SamplesPlan describes a sweep's sampled hyper-parameters for plans.
type SamplesPlan struct {
	Samples
	// Points is how many distinct points were drawn (at most N).
	Points int `json:"points"`
	// Axes are the sampled hyper-parameters and their distributions, by
	// name.
	Axes []SampledAxis `json:"axes"`
	// Summary is the samples in one line, as `sweep plan` prints it.
	Summary string `json:"summary"`
}

// SampledAxis is one sampled hyper-parameter of a plan.
type SampledAxis struct {
	Name         string       `json:"name"`
	Distribution Distribution `json:"distribution"`
}

func (s *Sweep) samplesPlan() *SamplesPlan {
	if s.File.Samples == nil {
		return nil
	}
	p := &SamplesPlan{Samples: *s.File.Samples}
	for _, a := range s.axes {
		if a.sampled != nil {
			p.Axes = append(p.Axes, SampledAxis{a.name, *a.sampled})
			p.Points = len(a.values)
		}
	}
	if len(p.Axes) == 0 {
		return nil
	}
	sort.Slice(p.Axes, func(i, j int) bool { return p.Axes[i].Name < p.Axes[j].Name })
	parts := make([]string, len(p.Axes))
	for i, a := range p.Axes {
		parts[i] = a.Name + " ~ " + a.Distribution.String()
	}
	drawn := ""
	if p.Points < p.N {
		drawn = fmt.Sprintf(" (%d distinct of %d drawn)", p.Points, p.N)
	}
	p.Summary = fmt.Sprintf("samples: %d %s%s, %s, seed %d: %s", p.Points, plural(p.Points, "point", "points"), drawn, p.Method, p.Seed, strings.Join(parts, ", "))
	return p
}
