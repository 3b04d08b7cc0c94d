// Package trialframe turns a sweep's per-trial results (results.Store's
// TrialResults) into a data frame (github.com/go-gota/gota): one row per
// trial, filtered, sorted and narrowed by gota, and written as an aligned
// table, CSV, JSON or Markdown. `sweep results` prints it and the report
// writes it as trials.csv; docs/results-frame.md lists its columns.
//
// Floats are formatted here, never by gota, whose text form rounds them
// to six decimals (a learning rate of 1e-7 would read 0.000000).
package trialframe
