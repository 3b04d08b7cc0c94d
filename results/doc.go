// Package results is the SQLite store of a sweep: one database per sweep
// (runs/<sweep>/sweep.db), the source of truth for every trial's and
// attempt's state and every metric. One goroutine owns the only write
// connection and runs each write as a BEGIN IMMEDIATE transaction, so
// writers never meet "database is locked"; readers use their own pool and,
// in WAL mode, never block the writer.
package results
