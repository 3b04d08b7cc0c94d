package mm

import "gonum.org/v1/gonum/blas"

// Float is the element type of the trainer's tensors: float32 for
// training, float64 for the finite-difference gradient checks.
type Float interface{ ~float32 | ~float64 }

// Backend computes C = alpha·op(A)·op(B) + beta·C on row-major matrices,
// as BLAS gemm does. Implementations must be safe for concurrent use and
// must not split the k (summation) dimension across threads, so that a
// product does not depend on scheduling.
type Backend interface {
	Name() string
	Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
}

// Gemm dispatches a product of T matrices to be. transA and transB say
// whether A and B are read transposed.
func Gemm[T Float](be Backend, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	tA, tB := blas.NoTrans, blas.NoTrans
	if transA {
		tA = blas.Trans
	}
	if transB {
		tB = blas.Trans
	}
	if k == 0 {
		// BLAS would still scale C by beta; do the same without it.
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
		return
	}
	switch a := any(a).(type) {
	case []float32:
		be.Sgemm(tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		be.Dgemm(tA, tB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}
