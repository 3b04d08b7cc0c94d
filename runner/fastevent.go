package runner

import (
	"slices"
	"strconv"
	"time"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// decodeEvent decodes one events line. Most lines are flat objects of
// strings and numbers with a `values` object of numbers (metric and eval
// events); fastEvent reads those several times faster than encoding/json,
// which ingestion is mostly made of. Anything it does not recognise —
// escapes in strings, arrays, unknown keys, odd numbers, NaN — goes to
// slowEvent (encoding/json), and FuzzFastEvent checks that the two always
// agree.
func decodeEvent(line []byte, e *trainer.Event, names map[string]string) error {
	if fastEvent(line, e, names) {
		return nil
	}
	return slowEvent(line, e)
}

// scanner walks a JSON text that fastEvent accepts.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes (or fails), returning its bytes.
func (s *scanner) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false // escapes and non-ASCII: leave them to encoding/json
		}
		s.i++
	}
	return nil, false
}

// num reads a JSON number's bytes.
func (s *scanner) num() ([]byte, bool) {
	s.ws()
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	n := s.b[start:s.i]
	return n, len(n) > 0 && validNumber(n)
}

// validNumber checks JSON's number grammar, which is stricter than
// strconv's (no leading +, no leading zeros, digits around the point).
func validNumber(n []byte) bool {
	i := 0
	if n[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(n) && n[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(n) && n[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(n) && (n[i] == 'e' || n[i] == 'E') {
		i++
		if i < len(n) && (n[i] == '+' || n[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(n)
}

// object reads a JSON object, calling fn after each key and its colon;
// fn reads the value.
func (s *scanner) object(fn func(key []byte) bool) bool {
	if !s.eat('{') {
		return false
	}
	for first := true; ; first = false {
		if s.eat('}') {
			return true
		}
		if !first && !s.eat(',') {
			return false
		}
		key, ok := s.str()
		if !ok || !s.eat(':') || !fn(key) {
			return false
		}
	}
}

// eventKeys are the keys the fast path reads; a key's index is its bit in
// the check for repeated keys.
var eventKeys = []string{"t", "values", "step", "pid", "event", "split", "path", "status", "error", "error_kind", "host"}

// stringField and intField point at the event field a key fills.
func stringField(e *trainer.Event, key string) *string {
	switch key {
	case "event":
		return &e.Event
	case "split":
		return &e.Split
	case "path":
		return &e.Path
	case "status":
		return &e.Status
	case "error":
		return &e.Error
	case "error_kind":
		return (*string)(&e.ErrorKind)
	case "host":
		return &e.Host
	}
	return nil
}

func intField(e *trainer.Event, key string) *int {
	switch key {
	case "step":
		return &e.Step
	case "pid":
		return &e.PID
	}
	return nil
}

func fastEvent(line []byte, e *trainer.Event, names map[string]string) bool {
	*e = trainer.Event{}
	s := &scanner{b: line}
	seen := 0
	ok := s.object(func(k []byte) bool {
		i := slices.Index(eventKeys, string(k))
		if i < 0 || seen&(1<<i) != 0 {
			return false // unknown or repeated: encoding/json decides
		}
		seen |= 1 << i
		key := eventKeys[i]
		switch key {
		case "t":
			v, ok := s.str()
			if !ok {
				return false
			}
			t, err := time.Parse(time.RFC3339Nano, string(v))
			e.T = t
			return err == nil
		case "values":
			e.Values = map[string]float64{}
			return s.object(func(name []byte) bool {
				x, ok := s.float()
				k := intern(name, names)
				if _, dup := e.Values[k]; !ok || dup {
					return false
				}
				e.Values[k] = x
				return true
			})
		}
		if p := intField(e, key); p != nil {
			n, ok := s.num()
			if !ok {
				return false
			}
			x, err := strconv.Atoi(string(n))
			*p = x
			return err == nil // a fraction or an overflow: encoding/json decides
		}
		v, ok := s.str()
		if ok {
			*stringField(e, key) = intern(v, names)
		}
		return ok
	})
	s.ws()
	return ok && s.i == len(s.b)
}

// float reads a number as a float64.
func (s *scanner) float() (float64, bool) {
	n, ok := s.num()
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseFloat(string(n), 64)
	return x, err == nil
}

// intern returns the string for b, allocating each distinct name once.
func intern(b []byte, names map[string]string) string {
	if s, ok := names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(names) < 4096 {
		names[s] = s
	}
	return s
}
