// Package runner runs a sweep's trials to completion: it schedules attempts
// on executor slots, starts workers as separate processes, supervises them
// (heartbeats, time limits, signals), ingests their events into the results
// store, retries failures by kind, and resumes after its own crash.
package runner
