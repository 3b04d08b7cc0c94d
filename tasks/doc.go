// Package tasks is the task registry: each task's data formats, prompt,
// evaluation mode and primary metric, plus offline synthetic twins.
//
// A task turns files in its real, published format into normalised
// Examples (a prompt, a target for answer-only loss, references for the
// metric, and choices for multiple-choice tasks). The synthetic twins
// generate files in exactly those formats from a seed, and are read back by
// the same loaders, so everything downstream runs without the real data.
package tasks
