package trainer

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Component is one of the adapter tensors A (r×d_in), B (d_out×r),
// u (r) and v (d_out) of  h = W0 x + s · v ⊙ B (u ⊙ (A x)).
type Component struct {
	// Train: the optimizer updates it. Frozen components keep their init.
	Train bool `yaml:"train" json:"train"`
	// Tied: one tensor shared by every layer (counted and updated once).
	Tied bool `yaml:"tied" json:"tied"`
	// Init: zeros | ones | const:<c> | kaiming-uniform |
	// kaiming-uniform-relu | normal:<std>.
	Init Init `yaml:"init" json:"init"`
}

// Method is an adapter configuration. Workers act on the component flags;
// the name is a label.
type Method struct {
	Name   string `yaml:"name" json:"name"`
	Status string `yaml:"status" json:"status"`
	// Notes says what is verified, by what source, and what is
	// reconstructed. It is documentation: not in trial IDs (json "-"), so
	// a better note keeps the trials.
	Notes       string `yaml:"notes" json:"-"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Reference marks the built-in base: no adapter, nothing trained,
	// ΔW = 0, scored as a reference row. Workers attach nothing and take
	// no optimizer step. Only the catalogue may set it.
	Reference bool      `yaml:"reference" json:"reference,omitempty"`
	A         Component `yaml:"A" json:"A"`
	B         Component `yaml:"B" json:"B"`
	U         Component `yaml:"u" json:"u"`
	V         Component `yaml:"v" json:"v"`
}

// Statuses of a catalogue entry.
const (
	Verified      = "verified"
	Reconstructed = "reconstructed"
	Custom        = "custom" // declared in a sweep file
	// StatusReference is the status of the built-in base (Reference).
	StatusReference = "reference"
)

// ComponentNames lists the components in their canonical order.
var ComponentNames = []string{"A", "B", "u", "v"}

// Component returns the component called name (A, B, u or v).
func (m *Method) Component(name string) *Component {
	switch name {
	case "A":
		return &m.A
	case "B":
		return &m.B
	case "u":
		return &m.U
	case "v":
		return &m.V
	}
	return nil
}

// Init is an initialisation rule, written as a short string.
type Init string

// InitKind is the parsed form of an Init.
type InitKind int

const (
	InitInvalid InitKind = iota
	InitZeros
	InitOnes
	InitConst
	// InitKaiming is U(±1/√fan_in): torch's kaiming_uniform_(a=√5), as HF
	// PEFT initialises LoRA's A.
	InitKaiming
	InitNormal
	// InitKaimingReLU is U(±√(6/fan_in)): Kaiming-uniform with ReLU's gain
	// √2, torch's kaiming_uniform_ default and HF PEFT's VeRA vera_A, vera_B.
	InitKaimingReLU
)

// Parse splits an Init into its kind and its number (the constant or the
// standard deviation).
func (in Init) Parse() (InitKind, float64, error) {
	s := string(in)
	name, arg, hasArg := strings.Cut(s, ":")
	num := func() (float64, error) {
		if !hasArg {
			return 0, fmt.Errorf("init %q needs a number after %q", s, name+":")
		}
		x, err := strconv.ParseFloat(arg, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("init %q: %q is not a finite number", s, arg)
		}
		return x, nil
	}
	switch name {
	case "zeros", "ones", "kaiming-uniform", "kaiming-uniform-relu":
		if hasArg {
			return InitInvalid, 0, fmt.Errorf("init %q takes no number", name)
		}
		return map[string]InitKind{"zeros": InitZeros, "ones": InitOnes, "kaiming-uniform": InitKaiming,
			"kaiming-uniform-relu": InitKaimingReLU}[name], 0, nil
	case "const":
		x, err := num()
		if err != nil {
			return InitInvalid, 0, err
		}
		if x == 0 {
			return InitZeros, 0, nil
		}
		return InitConst, x, nil
	case "normal":
		x, err := num()
		if err != nil {
			return InitInvalid, 0, err
		}
		if x <= 0 {
			return InitInvalid, 0, fmt.Errorf("init %q: the standard deviation must be positive", s)
		}
		return InitNormal, x, nil
	}
	return InitInvalid, 0, fmt.Errorf("unknown init %q (want zeros, ones, const:<c>, kaiming-uniform, kaiming-uniform-relu or normal:<std>)", s)
}

// FieldError is a problem with one field of a method, named by its path
// ("B.init"), so that a loader can point at the line that holds it.
type FieldError struct {
	Field string
	Msg   string
}

func (e FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Validate checks that the update ΔW = v ⊙ B diag(u) A starts at zero and
// can move away from it. That holds exactly when one factor starts at zero
// and that factor is trained: with two zero factors every gradient holds
// the other zero and stays zero; a frozen zero factor keeps ΔW at zero for
// ever. A and B must start random or at zero (a constant matrix has rank 1
// and its rows never become different), u and v at a constant.
func (m *Method) Validate() []FieldError {
	var errs []FieldError
	if m.Name == "" {
		errs = append(errs, FieldError{"name", "a method needs a name"})
	}
	var zeros []string
	for _, c := range ComponentNames {
		comp := m.Component(c)
		kind, _, err := comp.Init.Parse()
		if err != nil {
			errs = append(errs, FieldError{c + ".init", err.Error()})
			continue
		}
		matrix := c == "A" || c == "B"
		switch {
		case matrix && (kind == InitOnes || kind == InitConst):
			errs = append(errs, FieldError{c + ".init", fmt.Sprintf("%s is a matrix: init must be zeros, kaiming-uniform, kaiming-uniform-relu or normal:<std>, not %q", c, comp.Init)})
		case !matrix && (kind == InitKaiming || kind == InitKaimingReLU || kind == InitNormal):
			errs = append(errs, FieldError{c + ".init", fmt.Sprintf("%s is a scaling vector: init must be zeros, ones or const:<c>, not %q", c, comp.Init)})
		}
		if kind == InitZeros {
			zeros = append(zeros, c)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if m.Reference {
		// The base model: ΔW must be zero and stay zero.
		if tr := m.Trained(); len(tr) > 0 {
			errs = append(errs, FieldError{tr[0] + ".train", fmt.Sprintf("a reference method trains nothing, but %s is trained", strings.Join(tr, ", "))})
		}
		if len(zeros) == 0 {
			errs = append(errs, FieldError{"", "a reference method's update must be zero: one of A, B, u, v must have init zeros"})
		}
		return errs
	}
	switch {
	case len(zeros) == 0:
		errs = append(errs, FieldError{"", "the update does not start at zero: one of A, B, u, v must have init zeros (B for LoRA-like methods, v when B is frozen, as VeRA)"})
	case len(zeros) > 1:
		all := "both"
		if len(zeros) > 2 {
			all = "all"
		}
		errs = append(errs, FieldError{zeros[1] + ".init", fmt.Sprintf("the update can never change: %s %s start at zero, so every gradient is zero; only one factor may start at zero", strings.Join(zeros, " and "), all)})
	case !m.Component(zeros[0]).Train:
		errs = append(errs, FieldError{zeros[0] + ".train", fmt.Sprintf("the update can never change: %s starts at zero and is frozen; train it or start another trained factor at zero", zeros[0])})
	}
	return errs
}

// Trained lists the trained components in canonical order.
func (m *Method) Trained() []string {
	var out []string
	for _, c := range ComponentNames {
		if m.Component(c).Train {
			out = append(out, c)
		}
	}
	return out
}

// Pattern is a short description of the method's flags, e.g.
// "A:tied,trained B:tied,trained u:layer,trained v:layer,frozen".
func (m *Method) Pattern() string {
	parts := make([]string, len(ComponentNames))
	for i, c := range ComponentNames {
		comp := m.Component(c)
		tie, train := "layer", "frozen"
		if comp.Tied {
			tie = "tied"
		}
		if comp.Train {
			train = "trained"
		}
		parts[i] = fmt.Sprintf("%s:%s,%s", c, tie, train)
	}
	return strings.Join(parts, " ")
}

// Formula is the trainable-parameter count of one fused-QKV adapter
// target without grouped-query attention, as METHODS.md writes it
// (4Ldr for LoRA, 4dr + L(r+3d) for TL6).
func (m *Method) Formula() string {
	var terms []string
	var tied, layer []string
	add := func(c, expr string) {
		comp := m.Component(c)
		if !comp.Train {
			return
		}
		if comp.Tied {
			tied = append(tied, expr)
		} else {
			layer = append(layer, expr)
		}
	}
	add("A", "dr")
	add("B", "3dr")
	add("u", "r")
	add("v", "3d")
	// Sum like terms in d·r so that A+B reads 4dr.
	collapse := func(xs []string) []string {
		dr := 0
		var rest []string
		for _, x := range xs {
			switch x {
			case "dr":
				dr++
			case "3dr":
				dr += 3
			default:
				rest = append(rest, x)
			}
		}
		var out []string
		switch dr {
		case 0:
		case 1:
			out = append(out, "dr")
		default:
			out = append(out, fmt.Sprintf("%ddr", dr))
		}
		return append(out, rest...)
	}
	tied, layer = collapse(tied), collapse(layer)
	terms = append(terms, tied...)
	switch {
	case len(layer) == 1 && strings.HasSuffix(layer[0], "dr"):
		terms = append(terms, strings.TrimSuffix(layer[0], "dr")+"Ldr")
	case len(layer) == 1:
		terms = append(terms, "L"+layer[0])
	case len(layer) > 1:
		terms = append(terms, "L("+strings.Join(layer, "+")+")")
	}
	if len(terms) == 0 {
		return "0"
	}
	return strings.Join(terms, " + ")
}
