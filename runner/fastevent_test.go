package runner

import (
	"encoding/json"
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
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json says %v", line, err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q: got %+v, want %+v", line, fast, want)
		}
	})
}

// TestDecodeEventAgrees: whichever path decodes a line, the event is the
// one encoding/json gives.
func TestDecodeEventAgrees(t *testing.T) {
	fastCount := 0
	for _, s := range eventSamples {
		var want trainer.Event
		wantErr := json.Unmarshal([]byte(s), &want)
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
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", s, got, want)
		}
	}
	if fastCount < 4 {
		t.Errorf("the fast path took %d of the common lines, want at least 4", fastCount)
	}
}
