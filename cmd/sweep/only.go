package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// trialFilter is `sweep run --only`: axis name → accepted values. Keys are
// ANDed; a key's values (method=tl5|tl6, or the key again in another
// --only) are ORed.
type trialFilter map[string][]string

// axisValue is a trial's value on an axis as --only names it, and whether
// the trial has that axis.
func axisValue(t *sweeps.Trial, key string) (string, bool) {
	switch key {
	case sweeps.AxisTask:
		return t.TaskName(), t.Task != nil
	case sweeps.AxisMethod:
		return t.MethodName(), t.Method != nil
	case sweeps.AxisRank:
		return strconv.Itoa(t.Rank), t.Rank > 0
	case sweeps.AxisSeed:
		return strconv.FormatInt(t.Seed, 10), true
	}
	v, ok := t.HParam(key)
	if !ok {
		return "", false
	}
	return fmt.Sprint(v), true
}

// sameValue compares as numbers where both sides are (lr=1e-4 is 0.0001).
func sameValue(want, got string) bool {
	if want == got {
		return true
	}
	a, errA := strconv.ParseFloat(want, 64)
	b, errB := strconv.ParseFloat(got, 64)
	return errA == nil && errB == nil && a == b
}

// parseOnly reads --only values against the sweep's trials. An unknown key,
// a value no trial has, or a filter that leaves no trial is an error.
func parseOnly(specs []string, trials []sweeps.Trial) (trialFilter, error) {
	f := trialFilter{}
	for _, spec := range specs {
		for _, cond := range strings.Split(spec, ",") {
			cond = strings.TrimSpace(cond)
			if cond == "" {
				continue
			}
			key, vals, ok := strings.Cut(cond, "=")
			key = strings.TrimSpace(key)
			if !ok || key == "" || strings.TrimSpace(vals) == "" {
				return nil, fmt.Errorf("--only %q: want key=value[|value…][,key=value…], e.g. task=syn-squad,method=tl5|tl6", spec)
			}
			if alias, ok := map[string]string{"tasks": sweeps.AxisTask, "methods": sweeps.AxisMethod, "ranks": sweeps.AxisRank, "seeds": sweeps.AxisSeed}[key]; ok {
				key = alias
			}
			for _, v := range strings.Split(vals, "|") {
				f[key] = append(f[key], strings.TrimSpace(v))
			}
		}
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		seen := map[string]bool{}
		for i := range trials {
			if v, ok := axisValue(&trials[i], key); ok {
				seen[v] = true
			}
		}
		have := make([]string, 0, len(seen))
		for v := range seen {
			have = append(have, v)
		}
		sort.Strings(have)
		if len(have) == 0 {
			return nil, fmt.Errorf("--only: the sweep has no axis %q (it has %s)", key, strings.Join(axisKeys(trials), ", "))
		}
		for _, want := range f[key] {
			found := false
			for _, v := range have {
				found = found || sameValue(want, v)
			}
			if !found {
				return nil, fmt.Errorf("--only: no trial has %s=%s (the sweep's values: %s)", key, want, strings.Join(have, ", "))
			}
		}
	}
	n := 0
	for i := range trials {
		if f.match(&trials[i]) {
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("--only: no trial has all of %s (excluded combinations are not trials)", f)
	}
	return f, nil
}

// axisKeys names the axes a sweep's trials have, for messages.
func axisKeys(trials []sweeps.Trial) []string {
	keys := []string{}
	if len(trials) == 0 {
		return keys
	}
	t := &trials[0]
	for _, k := range []string{sweeps.AxisTask, sweeps.AxisMethod, sweeps.AxisRank, sweeps.AxisSeed} {
		if _, ok := axisValue(t, k); ok {
			keys = append(keys, k)
		}
	}
	for _, h := range t.HParams {
		keys = append(keys, h.Name)
	}
	return keys
}

func (f trialFilter) match(t *sweeps.Trial) bool {
	for key, wants := range f {
		got, ok := axisValue(t, key)
		if !ok {
			return false
		}
		any := false
		for _, w := range wants {
			any = any || sameValue(w, got)
		}
		if !any {
			return false
		}
	}
	return true
}

func (f trialFilter) String() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strings.Join(f[k], "|")
	}
	return strings.Join(parts, ",")
}

// selectTrials is runner.Options.Select for --only and --failed; nil when
// neither is given (every trial).
func selectTrials(s *sweeps.Sweep, only []string, failed bool) (func(*sweeps.Trial, results.TrialStatus) bool, error) {
	if len(only) == 0 && !failed {
		return nil, nil
	}
	var f trialFilter
	if len(only) > 0 {
		var err error
		if f, err = parseOnly(only, s.Trials()); err != nil {
			return nil, badInput(err)
		}
	}
	return func(t *sweeps.Trial, st results.TrialStatus) bool {
		return (!failed || st.State == results.TrialFailed) && f.match(t)
	}, nil
}

// onlyFlag reads --only as given: viper would split its values on commas.
func onlyFlag(cmd interface{ Flags() *pflag.FlagSet }) []string {
	only, _ := cmd.Flags().GetStringArray("only")
	return only
}
