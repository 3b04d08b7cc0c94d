// Package runbench holds the benchmarks behind `sweep bench orchestrator`
// and `sweep bench ingest`, each with its anchor measured in the same run
// (absolute times on shared machines mean little):
//
//   - [Orchestrator]: the runner's cost per trial, SQLite included, over a
//     sweep of no-op trials run two at a time, against GNU parallel and
//     xargs doing the same work, and Optuna at a few study sizes with its
//     growth fitted and extrapolated ([PowerFit]).
//   - [Ingest]: metric points per second from a worker's events file into
//     the results store, by the runner's own ingestion path
//     ([runner.IngestEvents]).
//
// It sits beside the runner rather than in it so that the library the
// orchestrator links carries no benchmark code.
package runbench
