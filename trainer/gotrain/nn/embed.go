package nn

// EmbedForward writes x[i] = wte[ids[i]] + wpe[pos[i]] for rows of width d.
func EmbedForward[T Float](wte, wpe []T, ids, pos []int32, d int, x []T) {
	For(len(ids), 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t := wte[int(ids[i])*d : int(ids[i]+1)*d]
			p := wpe[int(pos[i])*d : int(pos[i]+1)*d]
			out := x[i*d : (i+1)*d]
			for j := range out {
				out[j] = t[j] + p[j]
			}
		}
	})
}

// EmbedBackward scatters dx into the table gradients (either may be nil).
// It splits the columns across goroutines so that rows sharing a token
// are added in row order.
func EmbedBackward[T Float](dwte, dwpe []T, ids, pos []int32, d int, dx []T) {
	For(d, 16, func(lo, hi int) {
		for i := range ids {
			g := dx[i*d+lo : i*d+hi]
			if dwte != nil {
				t := dwte[int(ids[i])*d+lo : int(ids[i])*d+hi]
				for j := range g {
					t[j] += g[j]
				}
			}
			if dwpe != nil {
				p := dwpe[int(pos[i])*d+lo : int(pos[i])*d+hi]
				for j := range g {
					p[j] += g[j]
				}
			}
		}
	})
}
