package results

import (
	"context"
	"database/sql"
)

// SetVersion records v as the version of the program that writes the
// database from now on: each sweep and attempt created afterwards carries
// it (migration 3).
func (s *Store) SetVersion(ctx context.Context, v string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('version', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, v)
		return err
	})
}

// Versions is what made a sweep's records: the version that created the
// sweep, and the version that started each attempt, by attempt ID. A row
// older than migration 3 has "".
type Versions struct {
	Sweep    string
	Attempts map[int64]string
}

// Versions reads the recorded versions.
func (s *Store) Versions(ctx context.Context) (Versions, error) {
	out := Versions{Attempts: map[int64]string{}}
	var sv sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT version FROM sweeps ORDER BY id LIMIT 1`).Scan(&sv)
	if err != nil && err != sql.ErrNoRows {
		return out, err
	}
	out.Sweep = sv.String
	rows, err := s.r.QueryContext(ctx, `SELECT id, version FROM attempts`)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v sql.NullString
		if err := rows.Scan(&id, &v); err != nil {
			return out, err
		}
		out.Attempts[id] = v.String
	}
	return out, rows.Err()
}
