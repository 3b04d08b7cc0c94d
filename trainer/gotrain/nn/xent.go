package nn

import "math"

// Ignore marks a position that has no target (prompt or padding).
const Ignore = -1

// CrossEntropy computes softmax cross-entropy of logits[n, v] against
// targets (Ignore to skip a row). It returns the summed loss and the
// number of counted rows, and writes dlogits = scale · (softmax − onehot)
// (zero on skipped rows) when dlogits is not nil. rowLoss (n) receives
// each row's loss, so the sum is taken in row order.
func CrossEntropy[T Float](logits []T, n, v int, targets []int32, scale T, dlogits []T, rowLoss []float64) (float64, int) {
	f := fast[T]()
	For(n, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rowLoss[i] = 0
			row := logits[i*v : (i+1)*v]
			tgt := targets[i]
			if tgt == Ignore {
				if dlogits != nil {
					clear(dlogits[i*v : (i+1)*v])
				}
				continue
			}
			mx := row[0]
			for _, x := range row {
				mx = max(mx, x)
			}
			var sum float64
			if dlogits == nil {
				for _, x := range row {
					sum += float64(expT(x-mx, f))
				}
			} else {
				// Keep each exp for the gradient: one exp per logit.
				g := dlogits[i*v : (i+1)*v]
				for j, x := range row {
					e := expT(x-mx, f)
					g[j] = e
					sum += float64(e)
				}
				k := scale / T(sum)
				for j := range g {
					g[j] *= k
				}
				g[tgt] -= scale
			}
			rowLoss[i] = float64(mx) + math.Log(sum) - float64(row[tgt])
		}
	})
	var total float64
	count := 0
	for i := 0; i < n; i++ {
		if targets[i] != Ignore {
			total += rowLoss[i]
			count++
		}
	}
	return total, count
}

// expT is exp32 for float32 and math.Exp for float64.
func expT[T Float](x T, fast bool) T {
	if fast {
		return T(exp32(float32(x)))
	}
	return T(math.Exp(float64(x)))
}
