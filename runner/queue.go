package runner

import (
	"context"
	"sync"
	"time"
)

// queue hands trials to slots. It knows how many attempts are in flight,
// because a failure in flight may come back as a retry: a slot stops only
// when the queue is empty and nothing is in flight.
type queue struct {
	mu       sync.Mutex
	cond     chan struct{} // closed and replaced on every change
	items    []queued
	inFlight int
}

type queued struct {
	trial     string
	notBefore time.Time
}

func newQueue(trials []string) *queue {
	q := &queue{cond: make(chan struct{})}
	for _, t := range trials {
		q.items = append(q.items, queued{trial: t})
	}
	return q
}

func (q *queue) changed() {
	close(q.cond)
	q.cond = make(chan struct{})
}

// take returns the next trial that may start now, waiting for one; false
// when there is no more work or ctx is done.
func (q *queue) take(ctx context.Context) (string, bool) {
	for {
		q.mu.Lock()
		if ctx.Err() != nil {
			q.mu.Unlock()
			return "", false
		}
		now := time.Now()
		wait := time.Duration(-1)
		for i, it := range q.items {
			if !it.notBefore.After(now) {
				q.items = append(q.items[:i], q.items[i+1:]...)
				q.inFlight++
				q.mu.Unlock()
				return it.trial, true
			}
			if d := it.notBefore.Sub(now); wait < 0 || d < wait {
				wait = d
			}
		}
		if len(q.items) == 0 && q.inFlight == 0 {
			q.mu.Unlock()
			return "", false
		}
		cond := q.cond
		q.mu.Unlock()
		var timer *time.Timer
		var fire <-chan time.Time
		if wait >= 0 {
			timer = time.NewTimer(wait)
			fire = timer.C
		}
		select {
		case <-cond:
		case <-fire:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// done ends a trial's attempt; with retry it comes back after delay.
func (q *queue) done(trial string, retry bool, delay time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inFlight--
	if retry {
		q.items = append(q.items, queued{trial: trial, notBefore: time.Now().Add(delay)})
	}
	q.changed()
}

// adopt counts an attempt in flight that did not come from the queue.
func (q *queue) adopt() {
	q.mu.Lock()
	q.inFlight++
	q.mu.Unlock()
}

// add queues trials to start now (an early-stopping rule's promotions).
func (q *queue) add(trials ...string) {
	if len(trials) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, t := range trials {
		q.items = append(q.items, queued{trial: t})
	}
	q.changed()
}
