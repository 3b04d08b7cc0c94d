// Package results is the SQLite store of a sweep: one database per sweep
// (runs/<sweep>/sweep.db), the source of truth for every trial's and
// attempt's state and every metric. One goroutine owns the only write
// connection and runs each write as a BEGIN IMMEDIATE transaction, so
// writers never meet "database is locked"; readers use their own pool and,
// in WAL mode, never block the writer.
//
// The store hands out rows and typed records, never SQL: no *sql.DB, no
// transactions and no WHERE fragments leave the package. What later
// stages need of the sweep file (the resolved selection rule, each task's
// primary value key) is recorded when the file is synced (SyncTrials), so
// nothing reads the YAML again.
package results
