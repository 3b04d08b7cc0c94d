package runner

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// wantJob is what a recorded squeue sample must say of one job.
type wantJob struct {
	base     string
	phase    phase
	code     int
	signal   int
	restarts int
}

// TestParseSqueueSamples reads squeue --json as Slurm 22.05 wrote it on the
// one-node cluster (job_state a string, exit_code a wait status) and as
// 23.11 writes it (job_state a list, numbers as {set, infinite, number}).
func TestParseSqueueSamples(t *testing.T) {
	pending := wantJob{base: "PENDING", phase: phaseQueued}
	tests := []struct {
		file string
		want map[string]wantJob
	}{
		{"squeue-22.05.json", map[string]wantJob{
			"7":    {base: "TIMEOUT", phase: phaseEnded, signal: 15},
			"8":    {base: "COMPLETED", phase: phaseEnded},
			"9":    {base: "FAILED", phase: phaseEnded, code: 3},
			"10":   {base: "CANCELLED", phase: phaseEnded},
			"11":   {base: "PENDING", phase: phaseQueued, restarts: 1}, // requeued
			"12_0": {base: "COMPLETED", phase: phaseEnded},
			"12_1": {base: "RUNNING", phase: phaseRunning},
			"12_2": pending, "12_3": pending, "12_4": pending, "12_5": pending,
		}},
		{"squeue-23.11.json", map[string]wantJob{
			"101":   {base: "COMPLETED", phase: phaseEnded},
			"102":   {base: "FAILED", phase: phaseEnded, code: 3},
			"103":   {base: "CANCELLED", phase: phaseEnded, signal: 15},
			"104":   {base: "TIMEOUT", phase: phaseEnded, signal: 9},
			"105":   {base: "PENDING", phase: phaseQueued, restarts: 1}, // ["PENDING", "REQUEUED"]
			"106":   {base: "PREEMPTED", phase: phaseEnded},
			"107":   {base: "NODE_FAIL", phase: phaseEnded},
			"108":   {base: "OUT_OF_MEMORY", phase: phaseEnded, signal: 9},
			"200_0": {base: "RUNNING", phase: phaseRunning}, // ["RUNNING", "COMPLETING"]
			"200_1": {base: "RUNNING", phase: phaseRunning},
			"200_2": pending, "200_3": pending, "200_4": pending, "200_5": pending, "200_6": pending, "200_8": pending,
		}},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", "slurm", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseSqueue(data)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if len(got) != len(tt.want) {
			var ids []string
			for id := range got {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			t.Errorf("%s: got %d jobs %v, want %d", tt.file, len(got), ids, len(tt.want))
		}
		for id, w := range tt.want {
			st, ok := got[id]
			if !ok {
				t.Errorf("%s: job %s missing", tt.file, id)
				continue
			}
			g := wantJob{base: st.base(), phase: st.phase(), code: st.Code, signal: st.Signal, restarts: st.Restarts}
			if g != w {
				t.Errorf("%s: job %s: got %+v, want %+v", tt.file, id, g, w)
			}
		}
	}
}

func TestParseSqueueErrors(t *testing.T) {
	for _, in := range []string{
		`not json`,
		`{"errors": [{"error": "Unable to contact slurm controller"}], "jobs": []}`,
		`{"jobs": [{"job_id": 1, "job_state": 7}]}`,
		`{"jobs": [{"job_id": 5, "array_job_id": 5, "array_task_id": null, "array_task_string": "9-2", "job_state": "PENDING"}]}`,
	} {
		if _, err := parseSqueue([]byte(in)); err == nil {
			t.Errorf("parseSqueue(%s): got no error", in)
		}
	}
}

func TestArrayIndices(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"0-3", []int{0, 1, 2, 3}},
		{"2-4%2", []int{2, 3, 4}},
		{"0-10:5", []int{0, 5, 10}},
		{"3,7-8", []int{3, 7, 8}},
		{"6", []int{6}},
	}
	for _, tt := range tests {
		got, err := arrayIndices(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("arrayIndices(%q): got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "a", "5-2", "1-3:0", "-1", "0-99999999999"} {
		if got, err := arrayIndices(bad); err == nil {
			t.Errorf("arrayIndices(%q): got %v, want an error", bad, got)
		}
	}
}

func TestParseSacct(t *testing.T) {
	out := "123|COMPLETED|0:0\n124_3|FAILED|2:0\n124_[4-9]|PENDING|0:0\n125|CANCELLED by 1000|0:15\n126|TIMEOUT|0:0\n\n"
	got := parseSacct([]byte(out))
	want := map[string]wantJob{
		"123":   {base: "COMPLETED", phase: phaseEnded},
		"124_3": {base: "FAILED", phase: phaseEnded, code: 2},
		"125":   {base: "CANCELLED", phase: phaseEnded, signal: 15},
		"126":   {base: "TIMEOUT", phase: phaseEnded},
	}
	if len(got) != len(want) {
		t.Errorf("got %d jobs, want %d", len(got), len(want))
	}
	for id, w := range want {
		st := got[id]
		if g := (wantJob{base: st.base(), phase: st.phase(), code: st.Code, signal: st.Signal}); g != w {
			t.Errorf("job %s: got %+v, want %+v", id, g, w)
		}
	}
}

func TestParseSbatch(t *testing.T) {
	tests := []struct {
		out, want string
	}{
		{"123\n", "123"},
		{"4567;cluster2\n", "4567"},
		{"sbatch: warning: ignoring --mem\n89\n", "89"},
	}
	for _, tt := range tests {
		if got, err := parseSbatch([]byte(tt.out)); err != nil || got != tt.want {
			t.Errorf("parseSbatch(%q): got %q, %v; want %q", tt.out, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "Submitted batch job 5\n", "12a\n"} {
		if got, err := parseSbatch([]byte(bad)); err == nil {
			t.Errorf("parseSbatch(%q): got %q, want an error", bad, got)
		}
	}
}
