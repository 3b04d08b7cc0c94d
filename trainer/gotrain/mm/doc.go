// Package mm is the one place the Go trainer multiplies matrices. Every
// other package calls Gemm; which library does the work is chosen here,
// once, by a build tag: gonum's pure-Go BLAS by default, OpenBLAS through
// gonum.org/v1/netlib with -tags openblas (cgo, libopenblas-dev).
package mm
