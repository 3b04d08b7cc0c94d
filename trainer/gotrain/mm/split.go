package mm

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
)

// minSplit is the m·n·k below which a product runs on one goroutine.
const minSplit = 1 << 18

// split runs a product as blocks of C on GOMAXPROCS goroutines: rows of C
// when m is the larger side, else columns. Each call gets the offsets of
// its block in a, b and c; k is never split.
func split(tA, tB blas.Transpose, m, n, k, lda, ldb, ldc int, run func(i0, m, j0, n, aOff, bOff, cOff int)) {
	parts := runtime.GOMAXPROCS(0)
	if m*n*k < minSplit || parts < 2 {
		run(0, m, 0, n, 0, 0, 0)
		return
	}
	var wg sync.WaitGroup
	byRows := m >= n
	size := m
	if !byRows {
		size = n
	}
	parts = min(parts, (size+7)/8)
	chunk := (size + parts - 1) / parts
	chunk = (chunk + 7) &^ 7 // whole SIMD panels
	for lo := 0; lo < size; lo += chunk {
		hi := min(lo+chunk, size)
		var aOff, bOff, cOff int
		if byRows {
			aOff, cOff = lo*lda, lo*ldc
			if tA == blas.Trans {
				aOff = lo
			}
		} else {
			bOff, cOff = lo, lo
			if tB == blas.Trans {
				bOff = lo * ldb
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if byRows {
				run(lo, hi-lo, 0, n, aOff, bOff, cOff)
			} else {
				run(0, m, lo, hi-lo, aOff, bOff, cOff)
			}
		}()
	}
	wg.Wait()
}
