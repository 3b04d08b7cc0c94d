// Package serve is `sweep serve`: a read-only web dashboard over sweep
// databases while sweeps write them. Pages are plain HTML (html/template)
// that work without JavaScript; a small embedded script keeps them live
// from one server-sent event stream per sweep, fed by one goroutine that
// polls the database's change marker (results.Store.Marker) and reads
// only what changed.
//
// It reads through results (typed queries), analysis and plots (the
// report, rendered into a temporary directory and served from memory); it
// never writes a database, and no part of a request names a file: logs
// and predictions are found by attempt id, in the attempt's directory as
// the database records it, and only inside the sweep's run directory.
package serve
