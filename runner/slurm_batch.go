package runner

import (
	"sync"
	"time"
)

// maxLinger bounds how long the first start of an array waits for others.
const maxLinger = time.Second

// batcher gathers the starts that arrive together (a run's first burst,
// retries after a wave of failures) into one submission, so that a
// thousand trials cost a few sbatch calls rather than a thousand.
type batcher struct {
	mu   sync.Mutex
	open *pendingBatch
}

type pendingBatch struct {
	reqs        []startReq
	first, last time.Time
	full        chan struct{}
}

type startReq struct {
	ln  *Launch
	res chan startResult
}

type startResult struct {
	p   Process
	err error
}

// add queues a start and waits for its batch to be submitted.
func (b *batcher) add(s *Slurm, ln *Launch) (Process, error) {
	req := startReq{ln: ln, res: make(chan startResult, 1)}
	now := time.Now()
	b.mu.Lock()
	pb := b.open
	if pb == nil {
		pb = &pendingBatch{first: now, full: make(chan struct{})}
		b.open = pb
		go b.flushLater(s, pb)
	}
	pb.reqs = append(pb.reqs, req)
	pb.last = now
	if len(pb.reqs) >= s.maxArray() {
		b.open = nil
		close(pb.full)
	}
	b.mu.Unlock()
	r := <-req.res
	return r.p, r.err
}

// flushLater submits a batch once it is full, once no start has joined it
// for the linger time, or maxLinger after its first.
func (b *batcher) flushLater(s *Slurm, pb *pendingBatch) {
	linger := s.Linger
	if linger <= 0 {
		linger = 50 * time.Millisecond
	}
	timer := time.NewTimer(linger)
	defer timer.Stop()
	for {
		select {
		case <-pb.full:
		case <-timer.C:
		}
		b.mu.Lock()
		if b.open == pb {
			now := time.Now()
			if idle := now.Sub(pb.last); idle < linger && now.Sub(pb.first) < maxLinger {
				b.mu.Unlock()
				timer.Reset(linger - idle)
				continue
			}
			b.open = nil
		}
		b.mu.Unlock()
		break
	}
	lns := make([]*Launch, len(pb.reqs))
	for i, r := range pb.reqs {
		lns[i] = r.ln
	}
	ps, err := s.Submit(lns)
	for i, r := range pb.reqs {
		if i < len(ps) {
			r.res <- startResult{p: ps[i]}
		} else {
			r.res <- startResult{err: err}
		}
	}
}
