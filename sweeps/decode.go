package sweeps

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder is a strict YAML-to-struct decoder over yaml.v3's node tree.
// Unlike yaml.v3's own decoder it keeps going after an error, so that every
// problem is reported at once with its line and column; it rejects unknown
// and duplicate keys and floats where integers belong; and it records the
// position of every value by path ("methods[2]", "hparams.lr") so that the
// checks after decoding can point into the file too.
type decoder struct {
	file string
	errs ErrorList
	pos  map[string]Pos
	// bad holds the paths whose value, or a part of it, failed to decode
	// (and the keys a misspelt key most likely meant), so that the checks
	// after decoding skip what they would only misreport.
	bad map[string]bool
	// visits counts nodes decoded, aliases followed included, so that a
	// document of nested aliases cannot make decoding exponential.
	visits int
}

// maxVisits bounds the nodes one sweep file may expand to.
const maxVisits = 2_000_000

// budget counts a visit; false means the file is too large to decode.
func (d *decoder) budget(n *yaml.Node) bool {
	d.visits++
	if d.visits == maxVisits {
		d.errorf(n, "the document expands to more than %d YAML nodes (aliases included); it is too large", maxVisits)
	}
	return d.visits < maxVisits
}

// nodeDecoder is implemented by types that accept several YAML shapes
// (a name or a mapping, a list or a range).
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string)
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Pos: posOf(n), Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorAt(path string, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Pos: d.pos[path], Msg: fmt.Sprintf(format, args...)})
}

func posOf(n *yaml.Node) Pos {
	if n == nil {
		return Pos{}
	}
	return Pos{n.Line, n.Column}
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

func indexPath(base string, i int) string { return fmt.Sprintf("%s[%d]", base, i) }

// describe names a path for messages: "the top level" for the root.
func describe(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

var nodeDecoderType = reflect.TypeFor[nodeDecoder]()

// decode fills v from n, recording problems instead of stopping.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	before := len(d.errs)
	d.decodeValue(n, v, path)
	if len(d.errs) > before {
		d.markBad(path)
	}
}

// markBad records that the value at path is not what the file meant.
func (d *decoder) markBad(path string) {
	if d.bad == nil {
		d.bad = map[string]bool{}
	}
	d.bad[path] = true
}

func (d *decoder) decodeValue(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if !d.budget(n) {
		return
	}
	d.pos[path] = posOf(n)
	if v.CanAddr() && v.Addr().Type().Implements(nodeDecoderType) {
		v.Addr().Interface().(nodeDecoder).decodeNode(d, n, path)
		return
	}
	if isNull(n) {
		return // the zero value; checks after decoding say if it was needed
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, "%s: want a list, got %s", describe(path), shape(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), indexPath(path, i))
		}
		v.Set(s)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.errorf(n, "%s: want true or false, got %s", path, shape(n))
			return
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	case reflect.Int, reflect.Int64:
		if x, ok := d.integer(n, path); ok {
			v.SetInt(x)
		}
	case reflect.Float64:
		if x, ok := d.float(n, path); ok {
			v.SetFloat(x)
		}
	case reflect.Interface:
		if x, ok := d.value(n, path); ok {
			v.Set(reflect.ValueOf(x))
		}
	default:
		panic(fmt.Sprintf("sweeps: cannot decode into %s", v.Type()))
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// shape says what a node is, for messages.
func shape(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!int":
			return "the integer " + n.Value
		case "!!float":
			return "the number " + n.Value
		case "!!bool":
			return n.Value
		}
		return strconv.Quote(n.Value)
	}
	return "an unknown YAML node"
}

// fieldKey is a struct field's key in a sweep file: its yaml tag, else its
// json tag (so that types of other packages decode as they serialise).
func fieldKey(f reflect.StructField) string {
	for _, tag := range []string{"yaml", "json"} {
		if t, ok := f.Tag.Lookup(tag); ok {
			name, _, _ := strings.Cut(t, ",")
			if name == "-" {
				return ""
			}
			if name != "" {
				return name
			}
		}
	}
	return ""
}

// mappingPairs walks a mapping's key/value pairs, reporting non-string and
// duplicate keys; fn gets each first occurrence.
func (d *decoder) mappingPairs(n *yaml.Node, path string, fn func(key string, k, val *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: want a mapping, got %s", describe(path), shape(n))
		return false
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
			d.errorf(k, "%s: keys must be names, got %s", describe(path), shape(k))
			continue
		}
		if k.Value == "<<" {
			d.errorf(k, "%s: merge keys (<<) are not supported; write the keys out", describe(path))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, "%s: duplicate key %q (first at line %d)", describe(path), k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		fn(k.Value, k, val)
	}
	return true
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	fields := map[string]int{}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if key := fieldKey(t.Field(i)); key != "" && t.Field(i).IsExported() {
			fields[key] = i
			keys = append(keys, key)
		}
	}
	present := map[string]bool{}
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			present[n.Content[i].Value] = true
		}
	}
	d.mappingPairs(n, path, func(key string, k, val *yaml.Node) {
		i, ok := fields[key]
		if !ok {
			d.errorf(k, "unknown key %q in %s%s", key, describe(path), didYouMean(key, keys))
			// "methds: [lora]" is the methods the file meant: a check
			// that methods is missing would only repeat this message.
			if s := suggest(key, keys); s != "" && !present[s] {
				d.markBad(joinPath(path, s))
			}
			return
		}
		d.pos[joinPath(path, key)+"#key"] = posOf(k)
		d.decode(val, v.Field(i), joinPath(path, key))
	})
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if v.Type().Key().Kind() != reflect.String {
		panic("sweeps: maps must have string keys")
	}
	m := reflect.MakeMap(v.Type())
	ok := d.mappingPairs(n, path, func(key string, k, val *yaml.Node) {
		d.pos[joinPath(path, key)+"#key"] = posOf(k)
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, e, joinPath(path, key))
		m.SetMapIndex(reflect.ValueOf(key), e)
	})
	if ok {
		v.Set(m)
	}
}

// scalar returns a scalar's text; what names a string must be a scalar.
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s: want %s, got %s", describe(path), want, shape(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) integer(n *yaml.Node, path string) (int64, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var x int64
		if err := n.Decode(&x); err == nil {
			return x, true
		}
		d.errorf(n, "%s: %s does not fit in 64 bits", path, n.Value)
		return 0, false
	}
	d.errorf(n, "%s: want an integer, got %s", path, shape(n))
	return 0, false
}

func (d *decoder) float(n *yaml.Node, path string) (float64, bool) {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!float" || n.ShortTag() == "!!int") {
		var x float64
		if err := n.Decode(&x); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
			return x, true
		}
		d.errorf(n, "%s: want a finite number, got %s", path, n.Value)
		return 0, false
	}
	d.errorf(n, "%s: want a number, got %s", path, shape(n))
	return 0, false
}

// value decodes a free-form scalar: int64, float64, bool or string.
func (d *decoder) value(n *yaml.Node, path string) (any, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s: want a single value, got %s", describe(path), shape(n))
		return nil, false
	}
	switch n.ShortTag() {
	case "!!int":
		return d.integer(n, path)
	case "!!float":
		return d.float(n, path)
	case "!!bool":
		return n.Value == "true" || n.Value == "True" || n.Value == "TRUE", true
	case "!!str":
		return n.Value, true
	case "!!null":
		d.errorf(n, "%s: want a value, got nothing", describe(path))
		return nil, false
	}
	d.errorf(n, "%s: unsupported value %s (%s)", describe(path), n.Value, n.ShortTag())
	return nil, false
}

// reflectValue is the settable value that p points to.
func reflectValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }
