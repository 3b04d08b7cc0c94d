package runner

import (
	"context"

	"github.com/tiedlora/tiedlora-sweep/results"
)

// Store is what a run needs of its sweep database; *results.Store is one.
type Store interface {
	// Instance is the database's identity, which names its run directory.
	Instance(ctx context.Context) (string, error)
	AcquireLease(ctx context.Context, c results.LeaseClaim) (*results.Lease, error)
	// CheckFile fails when the database file was removed or replaced.
	CheckFile() error
	SyncTrials(ctx context.Context, file results.SweepFile, trials []results.TrialRow) (results.SyncResult, error)
	TrialStatuses(ctx context.Context) (map[string]results.TrialStatus, error)
	Failures(ctx context.Context, trial string) (int, error)
	StateCounts(ctx context.Context) (map[string]int, error)
	RunningAttempts(ctx context.Context) ([]results.Attempt, error)
	StartAttempt(ctx context.Context, trial, executor, slot string, dir func(number int) string) (results.Attempt, error)
	SetProcess(ctx context.Context, attempt int64, pid int, pidStart int64, host, jobID string) error
	FinishAttempt(ctx context.Context, attempt int64, f results.Finish) error
	Ingest(ctx context.Context, attempt int64, b results.Batch) error
	DecisionStore
}

var _ Store = (*results.Store)(nil)
