package runner

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

// slowEvent decodes an events line with encoding/json, also reading the
// non-finite numbers JSON has no spelling for: Python's json writes NaN,
// Infinity and -Infinity, and other languages write NaN as null. A value
// that is one of them is recorded as such, never as 0, and the line's
// other values are kept.
func slowEvent(line []byte, e *trainer.Event) error {
	*e = trainer.Event{}
	type plain trainer.Event
	aux := struct {
		*plain
		Values map[string]flexFloat `json:"values,omitempty"`
	}{plain: (*plain)(e)}
	if err := jsonUnmarshal(quoteNonFinite(line), &aux); err != nil {
		return err
	}
	if aux.Values != nil {
		e.Values = make(map[string]float64, len(aux.Values))
		for k, v := range aux.Values {
			e.Values[k] = float64(v)
		}
	}
	return nil
}

// flexFloat is a value of an event's values: a number, null (NaN), or a
// non-finite spelling that quoteNonFinite made a string.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null", `"NaN"`:
		*f = flexFloat(math.NaN())
		return nil
	case `"Infinity"`:
		*f = flexFloat(math.Inf(1))
		return nil
	case `"-Infinity"`:
		*f = flexFloat(math.Inf(-1))
		return nil
	}
	x, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !isRange(err) { // 1e400 is +Inf, as Python reads it
		return fmt.Errorf("value %s: not a number", b)
	}
	*f = flexFloat(x)
	return nil
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

var nonFiniteTokens = [][]byte{[]byte("-Infinity"), []byte("Infinity"), []byte("NaN")}

// quoteNonFinite turns the bare tokens NaN, Infinity and -Infinity outside
// strings into strings, so encoding/json reads the line; a line without
// them comes back as it was.
func quoteNonFinite(line []byte) []byte {
	if !bytes.Contains(line, []byte("NaN")) && !bytes.Contains(line, []byte("Infinity")) {
		return line
	}
	out := make([]byte, 0, len(line)+16)
	inString := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if inString {
			out = append(out, c)
			switch c {
			case '\\':
				if i+1 < len(line) {
					i++
					out = append(out, line[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			out = append(out, c)
			continue
		}
		matched := false
		for _, tok := range nonFiniteTokens {
			if bytes.HasPrefix(line[i:], tok) {
				out = append(append(append(out, '"'), tok...), '"')
				i += len(tok) - 1
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, c)
		}
	}
	return out
}
