// Package sweeps reads sweep files: schema version 1, decoded strictly with
// every error at once as file:line:col, checked, and expanded into trials
// with stable IDs and exact trainable-parameter counts. Nothing here runs or
// writes anything.
package sweeps
