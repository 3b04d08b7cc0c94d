package servebench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tiedlora/tiedlora-sweep/results"
	"github.com/tiedlora/tiedlora-sweep/serve"
)

// Options size `sweep bench serve`.
type Options struct {
	// Duration of each of the two runs (default 60 s).
	Duration time.Duration
	// Clients hold a live stream each and request a page every
	// PageEvery (defaults 50 and 1 s).
	Clients   int
	PageEvery time.Duration
	// Sweep is the writing sweep (default: 2 slots of workers that write
	// 20 steps 20 ms apart, more trials than the run can finish).
	Sweep SweepOptions
}

// Bench is what `sweep bench serve` measures.
type Bench struct {
	Seconds  float64 `json:"seconds"`
	Clients  int     `json:"clients"`
	Requests int64   `json:"page_requests"`
	Errors   int64   `json:"errors"` // failed requests, dropped streams, the server's own errors
	Locked   int64   `json:"database_is_locked"`
	Events   int64   `json:"stream_events"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
	// Trials the sweep finished without the dashboard, before and after
	// the run with it (two runs: a shared machine drifts), and with it.
	Alone      int     `json:"trials_alone"`
	AloneAfter int     `json:"trials_alone_after"`
	Served     int     `json:"trials_served"`
	RatePct    float64 `json:"throughput_pct"` // Served as a percentage of the mean of the two alone
	ErrorText  string  `json:"first_error,omitempty"`
}

// Serve runs the writing sweep for the duration alone, then again (in a
// new folder) with the dashboard serving it to the clients, then alone
// once more, and compares the run with the dashboard to the mean of the
// two without.
func Serve(ctx context.Context, dir string, o Options) (Bench, error) {
	if o.Duration <= 0 {
		o.Duration = time.Minute
	}
	if o.Clients <= 0 {
		o.Clients = 50
	}
	if o.PageEvery <= 0 {
		o.PageEvery = time.Second
	}
	if o.Sweep.Steps == 0 {
		// More trials than the run can finish (a few a second), and no
		// more, so that recording them takes little of the run.
		o.Sweep = SweepOptions{Name: "bench-serve", Methods: []string{"lora", "tl6"}, Ranks: []int{2, 8},
			Seeds: 50 + int(5*o.Duration.Seconds()), Slots: 2, Steps: 20, Delay: 20 * time.Millisecond}
	}
	b := Bench{Seconds: o.Duration.Seconds(), Clients: o.Clients}
	alone, err := timed(ctx, filepath.Join(dir, "alone"), o)
	if err != nil {
		return b, err
	}
	b.Alone = alone
	b.Served, err = b.served(ctx, filepath.Join(dir, "served"), o)
	if err != nil {
		return b, err
	}
	if b.AloneAfter, err = timed(ctx, filepath.Join(dir, "alone-after"), o); err != nil {
		return b, err
	}
	if mean := float64(b.Alone+b.AloneAfter) / 2; mean > 0 {
		b.RatePct = 100 * float64(b.Served) / mean
	}
	return b, nil
}

// timed runs the sweep in dir for the duration and counts its trials.
func timed(ctx context.Context, dir string, o Options) (int, error) {
	return runFor(ctx, dir, o, nil)
}

// runFor runs the sweep in dir until the duration has passed since its
// first attempt started (recording the trials comes before, and is not
// timed), and returns how many trials succeeded in that time. during,
// when not nil, runs for that time with the first attempt's trial.
func runFor(ctx context.Context, dir string, o Options, during func(ctx context.Context, trial string)) (int, error) {
	file, err := WriteSweep(dir, o.Sweep)
	if err != nil {
		return 0, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		n   int
		err error
	}
	ran := make(chan result, 1)
	finished := make(chan struct{})
	go func() {
		n, err := Run(runCtx, file)
		ran <- result{n, err}
		close(finished)
	}()
	db := DB(dir, o.Sweep.Name)
	trial, err := waitForTrial(runCtx, db, finished)
	if err != nil {
		cancel()
		r := <-ran
		return 0, fmt.Errorf("the sweep started no trial: %v (%v)", err, r.err)
	}
	before, err := succeeded(db)
	if err != nil {
		return 0, err
	}
	timedCtx, stop := context.WithTimeout(runCtx, o.Duration)
	defer stop()
	if during != nil {
		during(timedCtx, trial)
	}
	<-timedCtx.Done()
	cancel()
	r := <-ran
	return r.n - before, r.err
}

func succeeded(db string) (int, error) {
	st, err := results.OpenReader(db)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	counts, err := st.StateCounts(context.Background())
	return counts[results.TrialSucceeded], err
}

func (b *Bench) served(ctx context.Context, dir string, o Options) (int, error) {
	var locked, serverErrs atomic.Int64
	var firstErr atomic.Value
	note := func(msg string) {
		firstErr.CompareAndSwap(nil, msg)
		if strings.Contains(msg, "database is locked") {
			locked.Add(1)
		}
	}
	srv, err := serve.New(serve.Options{Runs: filepath.Join(dir, "runs"), Logf: func(f string, args ...any) {
		serverErrs.Add(1)
		note(fmt.Sprintf(f, args...))
	}})
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	var (
		mu       sync.Mutex
		times    []float64
		requests atomic.Int64
		failures atomic.Int64
		events   atomic.Int64
	)
	// The clients start once the sweep has a trial running, so each page
	// has something to show.
	clients := func(runCtx context.Context, trial string) {
		sw := "/s/" + url.PathEscape(o.Sweep.Name) + "/"
		pages := []string{"/", sw, sw + "trial/" + url.PathEscape(trial), sw + "part/running", sw + "report"}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * o.Clients}}
		var wg sync.WaitGroup
		for i := range o.Clients {
			wg.Add(2)
			go func() { // the live stream, held to the end
				defer wg.Done()
				req, _ := http.NewRequestWithContext(runCtx, http.MethodGet, base+sw+"events", nil)
				resp, err := client.Do(req)
				if err != nil {
					if runCtx.Err() == nil {
						failures.Add(1)
						note(err.Error())
					}
					return
				}
				defer resp.Body.Close()
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if strings.HasPrefix(sc.Text(), "event: ") {
						events.Add(1)
					}
				}
				if runCtx.Err() == nil {
					failures.Add(1)
					note("a live stream ended early")
				}
			}()
			go func() { // page requests, staggered over the period
				defer wg.Done()
				t := time.NewTimer(o.PageEvery * time.Duration(i) / time.Duration(o.Clients))
				for k := i; ; k++ {
					select {
					case <-runCtx.Done():
						return
					case <-t.C:
					}
					t.Reset(o.PageEvery)
					start := time.Now()
					req, _ := http.NewRequestWithContext(runCtx, http.MethodGet, base+pages[k%len(pages)], nil)
					resp, err := client.Do(req)
					if err == nil {
						_, err = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if err == nil && resp.StatusCode != http.StatusOK {
							err = fmt.Errorf("%s: %s", pages[k%len(pages)], resp.Status)
						}
					}
					if runCtx.Err() != nil {
						return
					}
					requests.Add(1)
					if err != nil {
						failures.Add(1)
						note(err.Error())
						continue
					}
					mu.Lock()
					times = append(times, float64(time.Since(start).Microseconds())/1000)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	n, err := runFor(ctx, dir, o, clients)
	if err != nil {
		note(err.Error())
		return 0, err
	}
	slices.Sort(times)
	b.Requests, b.Events, b.Locked = requests.Load(), events.Load(), locked.Load()
	b.Errors = failures.Load() + serverErrs.Load() // the server logs each of its errors
	if v := firstErr.Load(); v != nil {
		b.ErrorText = v.(string)
	}
	if k := len(times); k > 0 {
		b.P50, b.P99, b.Max = times[k/2], times[min(k-1, k*99/100)], times[k-1]
	}
	return n, nil
}

// waitForTrial waits for the sweep's database and its first attempt and
// returns that attempt's trial; it gives up when the run has finished.
func waitForTrial(ctx context.Context, db string, finished <-chan struct{}) (string, error) {
	for {
		if st, err := results.OpenReader(db); err == nil {
			as, err := st.RunningInfos(ctx)
			st.Close()
			if err == nil && len(as) > 0 {
				return as[0].Trial, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-finished:
			return "", errors.New("the run ended first")
		case <-time.After(50 * time.Millisecond):
		}
	}
}
