package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// cancelLinger gathers the signals of a stop (Ctrl-C reaches every slot
// at once) into one scancel call per signal.
const cancelLinger = 50 * time.Millisecond

// scancelChunk bounds the job IDs of one scancel call.
const scancelChunk = 500

// canceller batches scancel calls.
type canceller struct {
	mu        sync.Mutex
	pending   map[string][]string // signal name ("" cancels) → job IDs
	scheduled bool
}

func (c *canceller) add(s *Slurm, sig, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[string][]string{}
	}
	c.pending[sig] = append(c.pending[sig], id)
	if !c.scheduled {
		c.scheduled = true
		time.AfterFunc(cancelLinger, func() { c.flush(s) })
	}
}

func (c *canceller) flush(s *Slurm) {
	c.mu.Lock()
	pending := c.pending
	c.pending, c.scheduled = nil, false
	c.mu.Unlock()
	for sig, ids := range pending {
		var args []string
		if sig != "" {
			args = []string{"--full", "--signal=" + sig}
		}
		if err := scancel(context.Background(), s.run, args, ids); err != nil && !benignScancel(err) {
			s.logf("%v", err)
		}
	}
}

// benignScancel says whether every complaint of a failed scancel is about
// a job that had ended on its own meanwhile.
func benignScancel(err error) bool {
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.Contains(line, "rror") && !strings.Contains(line, "already completing or completed") && !strings.Contains(line, "Invalid job id specified") {
			return false
		}
	}
	return true
}

// scancel runs scancel on job IDs (deduplicated, a chunk per call).
func scancel(ctx context.Context, run func(string, ...string) ([]byte, error), args, ids []string) error {
	seen := map[string]bool{}
	var uniq []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	var errs []error
	for len(uniq) > 0 && ctx.Err() == nil {
		n := min(len(uniq), scancelChunk)
		if _, err := run("scancel", append(append([]string{}, args...), uniq[:n]...)...); err != nil {
			errs = append(errs, err)
		}
		uniq = uniq[n:]
	}
	return errors.Join(errs...)
}

// CancelJobs cancels Slurm jobs by ID (sweep cancel): one scancel call per
// 500 jobs. Jobs that have already ended are not an error.
func CancelJobs(ctx context.Context, ids []string) error {
	run := func(name string, args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, commandTimeout)
		defer cancel()
		return runCommand(ctx, name, args...)
	}
	if err := scancel(ctx, run, nil, ids); err != nil && !benignScancel(err) {
		return fmt.Errorf("cancelling %d jobs: %w", len(ids), err)
	}
	return ctx.Err()
}
