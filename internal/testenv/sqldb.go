package testenv

import (
	"database/sql"
	"net/url"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"
)

var (
	dbMu sync.Mutex
	dbs  = map[testing.TB]map[string]*sql.DB{}
)

// DB opens a sweep database for a test to inspect with its own SQL (the
// on-disk format is documented in docs/store.md; the store itself hands
// out no SQL). The handle is read-only, shared by the calls of one test,
// and closed when the test ends.
func DB(t testing.TB, path string) *sql.DB {
	t.Helper()
	dbMu.Lock()
	defer dbMu.Unlock()
	if db := dbs[t][path]; db != nil {
		return db
	}
	q := url.Values{"mode": {"ro"}, "_busy_timeout": {"30000"}}
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if dbs[t] == nil {
		dbs[t] = map[string]*sql.DB{}
		t.Cleanup(func() {
			dbMu.Lock()
			defer dbMu.Unlock()
			for _, db := range dbs[t] {
				db.Close()
			}
			delete(dbs, t)
		})
	}
	dbs[t][path] = db
	return db
}
