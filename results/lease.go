package results

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// LeaseHolder is the orchestrator that holds a sweep's lease.
type LeaseHolder struct {
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	PIDStart  int64     `json:"pid_start"`
	Since     string    `json:"since"`
	Heartbeat time.Time `json:"heartbeat"`
}

// LeaseHeldError says that another orchestrator runs the sweep.
type LeaseHeldError struct {
	Path   string
	Holder LeaseHolder
}

func (e *LeaseHeldError) Error() string {
	h := e.Holder
	return fmt.Sprintf("%s is being run by pid %d on %s since %s (last heartbeat %s ago): one `sweep run` per sweep; wait for it, stop it, or use --wait",
		e.Path, h.PID, h.Host, h.Since, time.Since(h.Heartbeat).Round(time.Second))
}

// ErrLeaseLost means another orchestrator took over a lease this one held:
// it judged this one dead.
var ErrLeaseLost = errors.New("another `sweep run` took over this sweep (this one was judged dead)")

// LeaseClaim is who asks for a sweep's lease, and how to judge a holder.
type LeaseClaim struct {
	Host     string
	PID      int
	PIDStart int64
	// Stale is how old a holder's heartbeat may be before the lease
	// expires; it decides for holders on other hosts.
	Stale time.Duration
	// Alive says whether a process of this host still runs; a holder on
	// this host is judged by it alone.
	Alive func(pid int, start int64) bool
}

// Lease is the right to run a sweep, held by one orchestrator at a time.
type Lease struct {
	s     *Store
	token string
}

// AcquireLease takes the sweep's lease in one write transaction, or
// returns a *LeaseHeldError naming the live holder. A lease whose holder
// is dead (same host) or silent for longer than c.Stale expires.
func (s *Store) AcquireLease(ctx context.Context, c LeaseClaim) (*Lease, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(b[:])
	var held *LeaseHeldError
	err := s.write(ctx, func(tx *sql.Tx) error {
		held = nil
		var h LeaseHolder
		var beat int64
		err := tx.QueryRow(`SELECT host, pid, pid_start, since, heartbeat FROM lease WHERE id = 1`).Scan(&h.Host, &h.PID, &h.PIDStart, &h.Since, &beat)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		default:
			h.Heartbeat = time.Unix(0, beat)
			live := time.Since(h.Heartbeat) <= c.Stale
			if h.Host == c.Host && c.Alive != nil {
				live = c.Alive(h.PID, h.PIDStart)
			}
			if live && !(h.Host == c.Host && h.PID == c.PID && h.PIDStart == c.PIDStart) {
				held = &LeaseHeldError{Path: s.path, Holder: h}
				return nil
			}
		}
		t := time.Now()
		_, err = tx.Exec(`INSERT OR REPLACE INTO lease (id, token, host, pid, pid_start, since, heartbeat) VALUES (1, ?, ?, ?, ?, ?, ?)`,
			token, c.Host, c.PID, c.PIDStart, t.UTC().Format(time.RFC3339), t.UnixNano())
		return err
	})
	if err != nil {
		return nil, err
	}
	if held != nil {
		return nil, held
	}
	return &Lease{s: s, token: token}, nil
}

// Renew records a heartbeat; ErrLeaseLost when another took the lease.
func (l *Lease) Renew(ctx context.Context) error {
	return l.s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE lease SET heartbeat = ? WHERE id = 1 AND token = ?`, time.Now().UnixNano(), l.token)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrLeaseLost
		}
		return nil
	})
}

// Release gives the lease up.
func (l *Lease) Release(ctx context.Context) error {
	return l.s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM lease WHERE id = 1 AND token = ?`, l.token)
		return err
	})
}

// Instance is the database's random identity, made with its schema: it
// tells attempt directories of two databases apart.
func (s *Store) Instance(ctx context.Context) (string, error) {
	var id string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'instance'`).Scan(&id)
	return id, err
}

// fileID is a file's device and inode.
type fileID struct{ dev, ino uint64 }

func statID(path string) (fileID, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, nil
	}
	return fileID{dev: uint64(sys.Dev), ino: sys.Ino}, nil
}

// ErrReplaced means the database file was deleted or replaced while this
// store had it open: writes would go to a file no one will read.
var ErrReplaced = errors.New("the database file was deleted or replaced during the run")

// CheckFile says whether the database file is still the one opened.
func (s *Store) CheckFile() error {
	id, err := statID(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: %w (it is gone)", s.path, ErrReplaced)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	if id != s.id {
		return fmt.Errorf("%s: %w (another file is there now)", s.path, ErrReplaced)
	}
	return nil
}
