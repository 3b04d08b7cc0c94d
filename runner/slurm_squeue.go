package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// jobState is what squeue or sacct says of one job (or array task).
type jobState struct {
	// States is Slurm's job_state: a base state (PENDING, RUNNING,
	// COMPLETED…) and flags (COMPLETING, REQUEUED…). Slurm 22.05 gives
	// one word, 23.02 and later a list.
	States   []string
	Reason   string
	Code     int // the batch script's exit status, once it ended
	Signal   int // the signal that ended it, if one did
	Restarts int
}

// slurmInt is a number as squeue writes it: a plain number (22.05) or,
// from 23.02, {"set": true, "infinite": false, "number": N}; null or an
// unset object is no number.
type slurmInt struct {
	Set bool
	N   int64
}

func (n *slurmInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*n = slurmInt{}
		return nil
	case len(b) > 0 && b[0] == '{':
		var v struct {
			Set      bool  `json:"set"`
			Infinite bool  `json:"infinite"`
			Number   int64 `json:"number"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*n = slurmInt{Set: v.Set && !v.Infinite, N: v.Number}
		return nil
	}
	var x int64
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*n = slurmInt{Set: true, N: x}
	return nil
}

// slurmStates is job_state: "RUNNING" (22.05) or ["RUNNING", …] (23.02+).
type slurmStates []string

func (s *slurmStates) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = slurmStates{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("job_state: want a string or a list of strings, got %s", b)
	}
	*s = list
	return nil
}

// slurmExit is exit_code: in 22.05 the raw wait status (code<<8 | signal);
// from 23.02 {"status": [...], "return_code": N, "signal": {"id": N}}.
type slurmExit struct{ Code, Signal int }

func (e *slurmExit) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var v struct {
			ReturnCode slurmInt `json:"return_code"`
			Signal     struct {
				ID slurmInt `json:"id"`
			} `json:"signal"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*e = slurmExit{Code: int(v.ReturnCode.N), Signal: int(v.Signal.ID.N)}
		return nil
	}
	var raw slurmInt
	if err := raw.UnmarshalJSON(b); err != nil {
		return err
	}
	*e = slurmExit{Code: int(raw.N>>8) & 0xff, Signal: int(raw.N & 0x7f)}
	return nil
}

type squeueJob struct {
	JobID           slurmInt    `json:"job_id"`
	ArrayJobID      slurmInt    `json:"array_job_id"`
	ArrayTaskID     slurmInt    `json:"array_task_id"`
	ArrayTaskString string      `json:"array_task_string"`
	JobState        slurmStates `json:"job_state"`
	StateReason     string      `json:"state_reason"`
	ExitCode        slurmExit   `json:"exit_code"`
	RestartCnt      slurmInt    `json:"restart_cnt"`
}

// parseSqueue reads `squeue --json` into states keyed by the IDs sbatch
// gave: "123" for a job, "123_4" for a task of array 123. The pending
// tasks of an array share one record ("array_task_string": "5-999%2");
// each gets the record's state, unless it has a record of its own.
func parseSqueue(data []byte) (map[string]jobState, error) {
	var out struct {
		Errors []json.RawMessage `json:"errors"`
		Jobs   []squeueJob       `json:"jobs"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("squeue --json: %w", err)
	}
	if len(out.Errors) > 0 {
		return nil, fmt.Errorf("squeue --json: %s", out.Errors[0])
	}
	states := make(map[string]jobState, len(out.Jobs))
	var shared []squeueJob
	for _, j := range out.Jobs {
		st := jobState{States: j.JobState, Reason: j.StateReason, Code: j.ExitCode.Code, Signal: j.ExitCode.Signal, Restarts: int(j.RestartCnt.N)}
		switch {
		case j.ArrayJobID.Set && j.ArrayJobID.N > 0 && j.ArrayTaskID.Set:
			states[fmt.Sprintf("%d_%d", j.ArrayJobID.N, j.ArrayTaskID.N)] = st
		case j.ArrayJobID.Set && j.ArrayJobID.N > 0 && j.ArrayTaskString != "":
			shared = append(shared, j)
		case j.JobID.Set:
			states[strconv.FormatInt(j.JobID.N, 10)] = st
		}
	}
	for _, j := range shared {
		tasks, err := arrayIndices(j.ArrayTaskString)
		if err != nil {
			return nil, fmt.Errorf("squeue --json: job %d: %w", j.ArrayJobID.N, err)
		}
		st := jobState{States: j.JobState, Reason: j.StateReason, Restarts: int(j.RestartCnt.N)}
		for _, t := range tasks {
			id := fmt.Sprintf("%d_%d", j.ArrayJobID.N, t)
			if _, ok := states[id]; !ok {
				states[id] = st
			}
		}
	}
	return states, nil
}

// maxArrayIndex bounds what an array_task_string may expand to.
const maxArrayIndex = 10_000_000

// arrayIndices expands an array_task_string such as "0-3,7,10-20:5%2"
// (ranges, steps, and a throttle after %, which is dropped).
func arrayIndices(s string) ([]int, error) {
	s, _, _ = strings.Cut(s, "%")
	var out []int
	for _, part := range strings.Split(s, ",") {
		rng, stepText, hasStep := strings.Cut(part, ":")
		lo, hi, isRange := strings.Cut(rng, "-")
		from, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("array tasks %q: %w", s, err)
		}
		to, step := from, 1
		if isRange {
			if to, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("array tasks %q: %w", s, err)
			}
		}
		if hasStep {
			if step, err = strconv.Atoi(stepText); err != nil || step < 1 {
				return nil, fmt.Errorf("array tasks %q: bad step %q", s, stepText)
			}
		}
		if from < 0 || to < from || to > maxArrayIndex {
			return nil, fmt.Errorf("array tasks %q: bad range %q", s, rng)
		}
		for i := from; i <= to; i += step {
			out = append(out, i)
		}
	}
	return out, nil
}

// parseSacct reads `sacct -n -P -X -o JobID,State,ExitCode` lines:
// "123_4|CANCELLED by 1000|0:15". Lines of arrays not yet split into
// tasks ("123_[5-9]") are skipped.
func parseSacct(data []byte) map[string]jobState {
	out := map[string]jobState{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) < 3 || strings.ContainsAny(f[0], "[.") {
			continue
		}
		state, _, _ := strings.Cut(f[1], " ") // "CANCELLED by 1000"
		code, sig, _ := strings.Cut(f[2], ":")
		st := jobState{States: []string{state}}
		st.Code, _ = strconv.Atoi(code)
		st.Signal, _ = strconv.Atoi(sig)
		out[f[0]] = st
	}
	return out
}

// parseSbatch reads `sbatch --parsable`: "123" or "123;cluster".
func parseSbatch(out []byte) (string, error) {
	line := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:] // warnings may come first
	}
	id, _, _ := strings.Cut(line, ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil || id == "" {
		return "", fmt.Errorf("sbatch --parsable printed %q, not a job ID", strings.TrimSpace(string(out)))
	}
	return id, nil
}
