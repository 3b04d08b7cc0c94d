package runner

import (
	"strconv"
	"time"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// decodeEvent decodes one events line. Most lines are flat objects of
// strings and numbers with a `values` object of numbers (metric and eval
// events); fastEvent reads those several times faster than encoding/json,
// which ingestion is mostly made of. Anything it does not recognise —
// escapes in strings, arrays, unknown keys, odd numbers — goes to
// encoding/json, and FuzzFastEvent checks that the two always agree.
func decodeEvent(line []byte, e *trainer.Event, names map[string]string) error {
	if fastEvent(line, e, names) {
		return nil
	}
	*e = trainer.Event{}
	return jsonUnmarshal(line, e)
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

func fastEvent(line []byte, e *trainer.Event, names map[string]string) bool {
	*e = trainer.Event{}
	s := &scanner{b: line}
	if !s.eat('{') {
		return false
	}
	seen := 0 // bit per key: a repeated key goes to encoding/json
	for first := true; ; first = false {
		if s.eat('}') {
			break
		}
		if !first && !s.eat(',') {
			return false
		}
		key, ok := s.str()
		if !ok || !s.eat(':') {
			return false
		}
		bit := 0
		switch string(key) {
		case "t":
			bit = 1
			v, ok := s.str()
			if !ok {
				return false
			}
			t, err := time.Parse(time.RFC3339Nano, string(v))
			if err != nil {
				return false
			}
			e.T = t
		case "event", "split", "path", "status", "error", "error_kind", "host":
			bit = map[string]int{"event": 2, "split": 4, "path": 8, "status": 16, "error": 32, "error_kind": 64, "host": 128}[string(key)]
			v, ok := s.str()
			if !ok {
				return false
			}
			str := intern(v, names)
			switch string(key) {
			case "event":
				e.Event = str
			case "split":
				e.Split = str
			case "path":
				e.Path = str
			case "status":
				e.Status = str
			case "error":
				e.Error = str
			case "error_kind":
				e.ErrorKind = str
			case "host":
				e.Host = str
			}
		case "step", "pid":
			bit = 256
			if string(key) == "pid" {
				bit = 512
			}
			n, ok := s.num()
			if !ok {
				return false
			}
			x, err := strconv.Atoi(string(n))
			if err != nil {
				return false // a fraction or an overflow: encoding/json decides
			}
			if string(key) == "step" {
				e.Step = x
			} else {
				e.PID = x
			}
		case "values":
			bit = 1024
			if !s.eat('{') {
				return false
			}
			e.Values = map[string]float64{}
			for f := true; ; f = false {
				if s.eat('}') {
					break
				}
				if !f && !s.eat(',') {
					return false
				}
				name, ok := s.str()
				if !ok || !s.eat(':') {
					return false
				}
				n, ok := s.num()
				if !ok {
					return false
				}
				x, err := strconv.ParseFloat(string(n), 64)
				if err != nil {
					return false
				}
				k := intern(name, names)
				if _, dup := e.Values[k]; dup {
					return false
				}
				e.Values[k] = x
			}
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
	}
	s.ws()
	return s.i == len(s.b)
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
