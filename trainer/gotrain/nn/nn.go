package nn

import (
	"runtime"
	"sync"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/mm"
)

// Float is the element type, float32 or float64.
type Float = mm.Float

// For calls fn on contiguous chunks of [0, n) in parallel, one chunk per
// core. Work of fewer than grain items runs on the calling goroutine.
func For(n, grain int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if grain < 1 {
		grain = 1
	}
	if w := n / grain; w < workers {
		workers = w
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, min(chunk, n))
	wg.Wait()
}

// Add sets dst += src.
func Add[T Float](dst, src []T) {
	For(len(dst), 1<<14, func(lo, hi int) {
		d, s := dst[lo:hi], src[lo:hi]
		for i := range d {
			d[i] += s[i]
		}
	})
}
