// Package trainer holds what every worker and the planner must agree on:
// the method catalogue, model architectures, exact trainable-parameter
// counting, and the worker contract. It imports nothing else of this module
// and has no heavy dependencies.
package trainer
