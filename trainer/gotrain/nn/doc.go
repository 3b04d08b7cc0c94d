// Package nn holds the transformer's operations, each a forward and a
// hand-written backward pass over row-major matrices, generic over
// float32 (training) and float64 (the finite-difference checks in the
// tests). Backward passes accumulate into parameter gradients, so a tensor
// shared by several layers collects every layer's contribution.
//
// Work is split across goroutines by rows or, for a reduction such as a
// bias gradient, by output column, never along the summed axis: every sum
// is taken in the same order however the goroutines are scheduled.
package nn
