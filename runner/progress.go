package runner

import (
	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/sweeps"
)

// Reporter is told what a run does, to show progress.
type Reporter interface {
	// Planned: total trials in the file, how many this run will attempt,
	// and trials in the database that the file no longer has.
	Planned(total, toRun int, orphans []string)
	Started(t *sweeps.Trial, a results.Attempt, slot string)
	Progress(a results.Attempt, p Progress)
	Finished(t *sweeps.Trial, a results.Attempt, f results.Finish, retry bool)
	Note(msg string)
}

// Progress is how far a running attempt has gone: training steps, or,
// with Phase set, the steps of a phase before training (a worker's
// progress event).
type Progress struct {
	Phase       string
	Step, Total int
}

type nopReporter struct{}

func (nopReporter) Planned(int, int, []string)                                    {}
func (nopReporter) Started(*sweeps.Trial, results.Attempt, string)                {}
func (nopReporter) Progress(results.Attempt, Progress)                            {}
func (nopReporter) Finished(*sweeps.Trial, results.Attempt, results.Finish, bool) {}
func (nopReporter) Note(string)                                                   {}
