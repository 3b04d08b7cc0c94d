//go:build openblas

package mm

// Linking libopenblas here gives netlib's cblas_* symbols a definition, so
// `go build -tags openblas` needs no CGO_LDFLAGS.

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import (
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// OpenBLAS is the system OpenBLAS through cgo. OpenBLAS runs on one
// thread and a large product is split into row (or column) blocks of C
// across GOMAXPROCS goroutines: OpenBLAS's own threads spin between calls
// and fight the Go scheduler for the cores, and a fixed split of C never
// splits the summation, so results are reproducible.
type OpenBLAS struct{}

var single sync.Once

func (OpenBLAS) Name() string { return "OpenBLAS (cgo)" }

func (OpenBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	single.Do(func() { C.openblas_set_num_threads(1) })
	split(tA, tB, m, n, k, lda, ldb, ldc, func(i0, m, j0, n, aOff, bOff, cOff int) {
		netlib.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a[aOff:], lda, b[bOff:], ldb, beta, c[cOff:], ldc)
	})
}

func (OpenBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	single.Do(func() { C.openblas_set_num_threads(1) })
	split(tA, tB, m, n, k, lda, ldb, ldc, func(i0, m, j0, n, aOff, bOff, cOff int) {
		netlib.Implementation{}.Dgemm(tA, tB, m, n, k, alpha, a[aOff:], lda, b[bOff:], ldb, beta, c[cOff:], ldc)
	})
}
