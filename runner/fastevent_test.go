package runner

import (
	"math"
	"reflect"
	"testing"

	"github.com/tiedlora/tiedlora-sweep/trainer"
)

var eventSamples = []string{
	`{"t":"2026-01-01T00:00:00.123456789Z","event":"metric","step":3,"values":{"loss":2.5,"lr":1e-3,"x":-0.0}}`,
	`{"event":"eval","t":"2026-01-01T00:00:00+02:00","split":"validation","step":10,"values":{"f1":50,"em":0}}`,
	`{"t":"2026-01-01T00:00:00Z","event":"done","status":"failed","error":"boom","error_kind":"oom"}`,
	` { "t" : "2026-01-01T00:00:00Z" , "event" : "start" , "pid" : 12 , "host" : "h" } `,
	`{"t":"2026-01-01T00:00:00Z","event":"metric","step":1.5,"values":{}}`,
	`{"t":"2026-01-01T00:00:00Z","event":"metric","values":{"a":1,"a":2}}`,
	`{"t":"2026-01-01T00:00:00Z","event":"x\u00e9","values":{"é":1}}`,
	`{"t":"2026-01-01T00:00:00Z","event":"params","trainable":5,"by_component":{"A":5}}`,
	`{"event":"metric","values":{"loss":01}}`,
	`{"event":"metric","values":{"loss":1e400}}`,
	`{"event":"metric","event":"eval"}`,
	`{"event":"heartbeat"} trailing`,
	`not json`,
	`{"event":"start","devices":["0","1"]}`,
	`{"event":"metric","step":2,"values":{"loss":NaN,"g":Infinity,"h":-Infinity,"n":null,"lr":0.5}}`,
	`{"event":"metric","error":"NaN \"Infinity\"","values":{"x":NaN}}`,
	`{"event":"metric","step":NaN}`,
}

// TestNonFiniteValues: Python's NaN, Infinity and -Infinity and JSON's
// null are non-finite values, never 0, and the line's other values stay;
// the same words inside strings are left alone.
func TestNonFiniteValues(t *testing.T) {
	var e trainer.Event
	line := `{"t":"2026-01-01T00:00:00Z","event":"metric","step":2,"values":{"loss":NaN,"g":Infinity,"h":-Infinity,"n":null,"lr":0.5,"big":1e400}}`
	if err := decodeEvent([]byte(line), &e, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	v := e.Values
	if !math.IsNaN(v["loss"]) || !math.IsInf(v["g"], 1) || !math.IsInf(v["h"], -1) || !math.IsNaN(v["n"]) || v["lr"] != 0.5 || !math.IsInf(v["big"], 1) || e.Step != 2 {
		t.Errorf("got step %d, values %v; want 2, loss NaN, g +Inf, h -Inf, n NaN, lr 0.5, big +Inf", e.Step, v)
	}
	line = `{"event":"done","status":"failed","error":"loss is NaN \" Infinity"}`
	if err := decodeEvent([]byte(line), &e, map[string]string{}); err != nil || e.Error != `loss is NaN " Infinity` {
		t.Errorf("got %q, %v; want the string as written", e.Error, err)
	}
	if err := decodeEvent([]byte(`{"event":"metric","values":{"loss":"high"}}`), &e, map[string]string{}); err == nil {
		t.Error("a string value was accepted")
	}
}

func FuzzFastEvent(f *testing.F) {
	for _, s := range eventSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var fast trainer.Event
		if !fastEvent(line, &fast, map[string]string{}) {
			return
		}
		var want trainer.Event
		if err := slowEvent(line, &want); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json says %v", line, err)
		}
		if !sameEvent(fast, want) {
			t.Fatalf("%q: got %+v, want %+v", line, fast, want)
		}
	})
}

// sameEvent is reflect.DeepEqual, but with NaN equal to NaN.
func sameEvent(a, b trainer.Event) bool {
	av, bv := a.Values, b.Values
	if len(av) != len(bv) {
		return false
	}
	for k, x := range av {
		y, ok := bv[k]
		if !ok || !(x == y || math.IsNaN(x) && math.IsNaN(y)) {
			return false
		}
	}
	a.Values, b.Values = nil, nil
	return reflect.DeepEqual(a, b)
}

// TestDecodeEventAgrees: whichever path decodes a line, the event is the
// one encoding/json gives (with slowEvent's non-finite numbers).
func TestDecodeEventAgrees(t *testing.T) {
	fastCount := 0
	for _, s := range eventSamples {
		var want trainer.Event
		wantErr := slowEvent([]byte(s), &want)
		var got trainer.Event
		names := map[string]string{}
		if fastEvent([]byte(s), &got, names) {
			fastCount++
		}
		err := decodeEvent([]byte(s), &got, names)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: got error %v, want %v", s, err, wantErr)
			continue
		}
		if err == nil && !sameEvent(got, want) {
			t.Errorf("%s: got %+v, want %+v", s, got, want)
		}
	}
	if fastCount < 4 {
		t.Errorf("the fast path took %d of the common lines, want at least 4", fastCount)
	}
}
