package sweeps

import (
	"github.com/tiedlora/tiedlora-sweep/tasks"
	"github.com/tiedlora/tiedlora-sweep/tasks/metrics"
)

// PrimaryKey is the score a report prints for a task: its metric's primary
// value key (metrics.Primary), or "" for a task the registry does not know
// (a command worker's own).
func PrimaryKey(task string) string {
	info, ok := tasks.Lookup(task)
	if !ok {
		return ""
	}
	return metrics.Primary(info.Metric)
}

// TaskKeys maps each task of the sweep to its PrimaryKey, leaving out the
// tasks that have none. The store records it when the file is synced, so
// that nothing after the loader needs the registry or the YAML again.
func (s *Sweep) TaskKeys() map[string]string {
	out := map[string]string{}
	for _, t := range s.Tasks {
		if k := PrimaryKey(t.Name); k != "" {
			out[t.Name] = k
		}
	}
	return out
}
