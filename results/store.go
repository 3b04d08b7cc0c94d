package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"
)

// Store is an open sweep database.
type Store struct {
	path string
	id   fileID  // the file opened, to notice it replaced (CheckFile)
	w    *sql.DB // one connection, used only by the writer goroutine
	r    *sql.DB
	reqs chan writeReq
	done chan struct{}

	mu     sync.RWMutex // guards closed against a send on a closed reqs
	closed bool
}

type writeReq struct {
	fn  func(*sql.Tx) error
	err chan error
}

// busyTimeout is how long a connection waits for a lock before failing.
const busyTimeout = 30 * time.Second

func dsn(path string, readOnly bool) string {
	return dsnWith(path, readOnly, false)
}

// dsnWith's immutable opens a database no one can be writing (its folder
// is read-only) without the -shm file a WAL reader otherwise makes.
func dsnWith(path string, readOnly, immutable bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "on")
	if immutable {
		q.Set("immutable", "1")
	}
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
		q.Set("_txlock", "immediate")
		// Metrics arrive in bulk: a larger page cache keeps the B-tree's
		// hot pages in memory.
		q.Set("_cache_size", "-65536")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating it if needed) the database at path and brings its
// schema up to date.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	// A new database's first connections switch it to WAL, and SQLite
	// answers a connection that meets another doing so with "database is
	// locked" at once, without waiting: that is only a moment, so wait
	// for it here.
	for tries := 0; ; tries++ {
		err = migrate(w)
		var se sqlite3.Error
		if err == nil || tries == 100 || !errors.As(err, &se) || se.Code != sqlite3.ErrBusy {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	id, err := statID(path)
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	s := &Store{path: path, id: id, w: w, r: r, reqs: make(chan writeReq), done: make(chan struct{})}
	go s.writer()
	return s, nil
}

// OpenReader opens an existing database for reading only (sweep status,
// sweep report): it never writes and never migrates.
func OpenReader(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	r, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		return nil, err
	}
	var v int
	err = r.QueryRow("PRAGMA user_version").Scan(&v)
	if err != nil && !writable(filepath.Dir(path)) {
		// A read-only run folder (a read-only mount, an archive): SQLite
		// cannot make the -shm file a WAL reader needs, and no writer can
		// be at work there.
		r.Close()
		if r, err = sql.Open("sqlite3", dsnWith(path, true, true)); err != nil {
			return nil, err
		}
		err = r.QueryRow("PRAGMA user_version").Scan(&v)
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if v > len(migrations) {
		r.Close()
		return nil, fmt.Errorf("%s: schema version %d is newer than this program's %d", path, v, len(migrations))
	}
	return &Store{path: path, r: r}, nil
}

// writable says whether this process may create files in dir.
func writable(dir string) bool {
	return syscall.Access(dir, 2 /* W_OK */) == nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

func migrate(db *sql.DB) error {
	// The version is read inside each BEGIN IMMEDIATE transaction: two
	// orchestrators opening a new database together must not both run a
	// migration.
	for {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		var v int
		if err := tx.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			tx.Rollback()
			return err
		}
		if v > len(migrations) {
			tx.Rollback()
			return fmt.Errorf("schema version %d is newer than this program's %d", v, len(migrations))
		}
		if v == len(migrations) {
			return tx.Rollback()
		}
		if _, err := tx.Exec(migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
}

// writer runs every write transaction, one at a time.
func (s *Store) writer() {
	defer close(s.done)
	for req := range s.reqs {
		req.err <- s.runTx(req.fn)
	}
}

func (s *Store) runTx(fn func(*sql.Tx) error) error {
	tx, err := s.w.Begin() // BEGIN IMMEDIATE through _txlock
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("results: store is closed")

// write runs fn in one write transaction on the writer goroutine and
// returns its error; fn's changes are committed only if it returns nil.
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	if s.reqs == nil {
		return errors.New("results: store is read-only")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	req := writeReq{fn: fn, err: make(chan error, 1)}
	select {
	case s.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-req.err
}

// Close finishes the queued writes and closes the database.
func (s *Store) Close() error {
	var errs []error
	if s.reqs != nil {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		s.closed = true
		close(s.reqs)
		s.mu.Unlock()
		<-s.done
		errs = append(errs, s.w.Close())
	}
	errs = append(errs, s.r.Close())
	return errors.Join(errs...)
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok").
func (s *Store) IntegrityCheck() (string, error) {
	var v string
	err := s.r.QueryRow("PRAGMA integrity_check").Scan(&v)
	return v, err
}

// now is the time format of every timestamp column: RFC 3339 in UTC.
func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }
