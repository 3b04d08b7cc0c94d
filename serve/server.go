package serve

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tiedlora/tiedlora-sweep/analysis"
	"github.com/tiedlora/tiedlora-sweep/plots"
	"github.com/tiedlora/tiedlora-sweep/results"
)

// Options configure a dashboard.
type Options struct {
	// Runs is a runs directory: every folder in it with a sweep.db is a
	// sweep, found again on each listing.
	Runs string
	// Sweeps are fixed sweeps instead (FILE or --db): name → database.
	Sweeps map[string]string
	// Token, when set, is required of every request (auth).
	Token string
	// Interval is how often a watched sweep's change marker is polled
	// (default 1 s).
	Interval time.Duration
	// ReportEvery is the least time between two renderings of a sweep's
	// report (default 5 s): scores that land faster wait for the next.
	ReportEvery time.Duration
	// Analysis configures the report (baseline, epsilon).
	Analysis analysis.Options
	// Source wraps a sweep's store for the report (nil: the store itself).
	Source func(*results.Store) plots.Source
	// Logf logs what went wrong inside (default: the standard logger).
	Logf func(format string, args ...any)
}

// Server is the dashboard's handler and its sweeps' watchers.
type Server struct {
	opt     Options
	handler http.Handler
	errors  atomic.Int64
	refs    refCache

	mu     sync.Mutex
	sweeps map[string]*sweep
	closed bool
}

// New makes a dashboard; it opens no database until a page asks for it.
func New(opt Options) (*Server, error) {
	if (opt.Runs == "") == (len(opt.Sweeps) == 0) {
		return nil, errors.New("serve: give a runs directory or sweeps, not both")
	}
	if opt.Interval <= 0 {
		opt.Interval = time.Second
	}
	if opt.ReportEvery <= 0 {
		opt.ReportEvery = 5 * time.Second
	}
	if opt.Source == nil {
		opt.Source = func(s *results.Store) plots.Source { return s }
	}
	if opt.Logf == nil {
		opt.Logf = log.Printf
	}
	s := &Server{opt: opt, sweeps: map[string]*sweep{}}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves the dashboard.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Errors counts the requests that failed inside (a database error, a
// template error): a load test wants none.
func (s *Server) Errors() int64 { return s.errors.Load() }

// Close stops the watchers and closes the databases; live streams end.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	sws := s.sweeps
	s.sweeps = map[string]*sweep{}
	s.mu.Unlock()
	var errs []error
	for _, sw := range sws {
		errs = append(errs, sw.close())
	}
	return errors.Join(errs...)
}

// fail logs an internal error and answers 500 without its text: database
// paths and messages stay on the server.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client left: nobody to answer, nothing went wrong here
	}
	s.errors.Add(1)
	s.opt.Logf("serve: %s %s: %v", r.Method, r.URL.Path, err)
	http.Error(w, "500 internal error (the server's log has it)", http.StatusInternalServerError)
}

// dbName is the database file in each sweep's folder of a runs directory.
const dbName = "sweep.db"

// names lists the sweeps: the fixed ones, or the folders of the runs
// directory that hold a database, sorted.
func (s *Server) names() ([]string, error) {
	if s.opt.Runs == "" {
		var out []string
		for n := range s.opt.Sweeps {
			out = append(out, n)
		}
		slices.Sort(out)
		return out, nil
	}
	ents, err := os.ReadDir(s.opt.Runs)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // no sweep has run here yet
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if st, err := os.Stat(filepath.Join(s.opt.Runs, e.Name(), dbName)); err == nil && st.Mode().IsRegular() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// errNoSweep is a sweep name the listing does not have: 404.
var errNoSweep = errors.New("no such sweep")

// sweep finds a sweep by a name from a request. The name is only ever
// compared with the listing, never joined to a path: "../x" or "/etc"
// is simply not a sweep.
func (s *Server) sweep(name string) (*sweep, error) {
	s.mu.Lock()
	if sw, ok := s.sweeps[name]; ok {
		s.mu.Unlock()
		return sw, nil
	}
	s.mu.Unlock()
	names, err := s.names()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(names, name) {
		return nil, errNoSweep
	}
	db := s.opt.Sweeps[name]
	if s.opt.Runs != "" {
		db = filepath.Join(s.opt.Runs, name, dbName)
	}
	store, err := results.OpenReader(db)
	if err != nil {
		return nil, fmt.Errorf("sweep %q: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		store.Close()
		return nil, errors.New("serve: closed")
	}
	if sw, ok := s.sweeps[name]; ok { // another request opened it meanwhile
		store.Close()
		return sw, nil
	}
	sw := newSweep(s, name, db, store)
	s.sweeps[name] = sw
	return sw, nil
}
