package metrics

import "math/bits"

// Longest common subsequences of token-id sequences, bit-parallel
// (Allison–Dix; Hyyrö, "Bit-parallel LCS-length computation revisited",
// 2004). Row i of the dynamic-programming table L, L[i][j] being the LCS of
// a[:i] and b[:j], is a bit vector v with bit j clear where
// L[i][j+1] = L[i][j]+1 and set where they are equal, so
// L[i][j] = j − popcount(v[:j]) and a row costs len(b)/64 word operations.
// Row 0 is all ones; row i+1 is (v + u) | (v &^ u) with u = v & mask, the
// mask having the bits of the columns whose token is a[i].
//
// rouge-score keeps the whole (len(a)+1)×(len(b)+1) table: 160 GB for two
// texts of 200,000 tokens. Here the length takes one row, and the
// backtrack (lcsTracer) keeps checkpoint rows and one block of rows, at most
// lcsBudget words for the block and for each level of checkpoints: 24 MB
// for two texts of 200,000 tokens, one level.

// lcsMasks holds, for each distinct token of the column sequence b, the
// columns where it occurs. A rare token's are sparse, (word, bits) entries
// in increasing word order, so that its row touches only the words where
// it occurs and those a carry ripples through. A token in a quarter of the
// words or more has a plain bit vector, which a row runs through faster;
// at most 4·len(b) words for all of them.
type lcsMasks struct {
	slot  []int32 // token id → 1 + its index in off; 0 when not in b
	off   []int32 // entries of token k are words[off[k]:end[k]]
	end   []int32
	words []int32
	bits  []uint64
	dense []int32  // token k's plain vector is masks[dense[k]*w:][:w], or -1
	masks []uint64 // the plain vectors
	w     int      // words a row of b takes
	b     []int32
}

// build indexes b. slot must have room for every token id of b and be all
// zeros; reset zeroes it again.
func (mk *lcsMasks) build(b []int32, slot []int32) {
	mk.b, mk.slot = b, slot
	mk.off = mk.off[:0]
	k := int32(0)
	for _, t := range b {
		if slot[t] == 0 {
			k++
			slot[t] = k
			mk.off = append(mk.off, 0)
		}
		mk.off[slot[t]-1]++ // occurrences, at least the entries
	}
	sum := int32(0)
	for i, c := range mk.off {
		mk.off[i] = sum
		sum += c
	}
	mk.end = append(mk.end[:0], mk.off...)
	mk.words = grow(mk.words, len(b))
	mk.bits = grow(mk.bits, len(b))
	for j, t := range b {
		s := slot[t] - 1
		w, bit := int32(j>>6), uint64(1)<<(j&63)
		if e := mk.end[s]; e > mk.off[s] && mk.words[e-1] == w {
			mk.bits[e-1] |= bit
			continue
		}
		mk.words[mk.end[s]], mk.bits[mk.end[s]] = w, bit
		mk.end[s]++
	}
	mk.w = (len(b) + 63) >> 6
	mk.dense = mk.dense[:0]
	nd := 0
	for s := range mk.off {
		d := int32(-1)
		if 4*int(mk.end[s]-mk.off[s]) >= mk.w {
			d = int32(nd)
			nd++
		}
		mk.dense = append(mk.dense, d)
	}
	mk.masks = grow(mk.masks, nd*mk.w)
	clear(mk.masks)
	for s, d := range mk.dense {
		if d >= 0 {
			row := mk.masks[int(d)*mk.w:][:mk.w]
			for e := mk.off[s]; e < mk.end[s]; e++ {
				row[mk.words[e]] = mk.bits[e]
			}
		}
	}
}

func (mk *lcsMasks) reset() {
	for _, t := range mk.b {
		mk.slot[t] = 0
	}
}

// step turns v, row i of the table, into row i+1 for a token t of a; only
// the columns below 64·len(v) are computed.
func (mk *lcsMasks) step(v []uint64, t int32) {
	if int(t) >= len(mk.slot) || mk.slot[t] == 0 {
		return // no match in this row: v stays
	}
	s := mk.slot[t] - 1
	var carry uint64
	if d := mk.dense[s]; d >= 0 {
		mask := mk.masks[int(d)*mk.w:][:len(v)]
		for i, x := range v {
			u := x & mask[i]
			var sum uint64
			sum, carry = bits.Add64(x, u, carry)
			v[i] = sum | (x &^ u)
		}
		return
	}
	ws, bs := mk.words[mk.off[s]:mk.end[s]], mk.bits[mk.off[s]:mk.end[s]]
	w := 0
	for k, e32 := range ws {
		e := int(e32)
		if e >= len(v) {
			break
		}
		// Words without a match change only while the carry runs
		// through: (x + 1) | x.
		for ; carry != 0 && w < e; w++ {
			x := v[w]
			v[w] = (x + 1) | x
			if x != ^uint64(0) {
				carry = 0
			}
		}
		x := v[e]
		u := x & bs[k]
		var sum uint64
		sum, carry = bits.Add64(x, u, carry)
		v[e] = sum | (x &^ u)
		w = e + 1
	}
	for ; carry != 0 && w < len(v); w++ {
		x := v[w]
		v[w] = (x + 1) | x
		if x != ^uint64(0) {
			carry = 0
		}
	}
}

// ones returns n words of all ones: row 0.
func ones(buf []uint64, n int) []uint64 {
	buf = grow(buf, n)
	for i := range buf {
		buf[i] = ^uint64(0)
	}
	return buf
}

func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

// rowL is L[i][j] for the row vector v: j minus the set bits below j.
func rowL(v []uint64, j int) int {
	n := 0
	for _, x := range v[:j>>6] {
		n += bits.OnesCount64(x)
	}
	if r := j & 63; r != 0 {
		n += bits.OnesCount64(v[j>>6] & (1<<r - 1))
	}
	return j - n
}

// lcsLen is the length of the longest common subsequence of a and b.
func lcsLen(a, b []int32) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	var mk lcsMasks
	mk.build(b, make([]int32, maxID(b)+1))
	v := ones(nil, (len(b)+63)>>6)
	for _, t := range a {
		mk.step(v, t)
	}
	return rowL(v, len(b))
}

func maxID(s []int32) int32 {
	m := int32(0)
	for _, t := range s {
		m = max(m, t)
	}
	return m
}

// lcsBudget is how many words (8 bytes) the tracer keeps at once for the
// rows of one block, and for the checkpoints of one level: 16 MiB each.
const lcsBudget = 1 << 21

// lcsTracer finds rouge-score's LCS of a (the reference) and b, whose
// masks it is given: _backtrack_norec's path from the table's corner,
// which takes a match whenever a[i-1] = b[j-1] and otherwise moves left
// only when L[i][j-1] > L[i-1][j] (that is, when L[i-1][j] < L[i][j]),
// up on ties. Rows are kept for one block of rows at a time; a taller
// range first stores every so many rows as checkpoints, and the blocks are
// recomputed from them, last first, as the path climbs.
type lcsTracer struct {
	a      []int32
	mk     *lcsMasks
	budget int      // words; lcsBudget but for tests
	rows   []uint64 // one block's rows
	top    []uint64 // row 0
	hits   []int    // indices into a of the LCS, descending
}

// indices returns the indices into a of the LCS, ascending; the slice is
// the tracer's, valid until the next call.
func (tr *lcsTracer) indices(a []int32) []int {
	tr.a, tr.hits = a, tr.hits[:0]
	m := len(tr.mk.b)
	if len(a) == 0 || m == 0 {
		return nil
	}
	tr.top = ones(tr.top, (m+63)>>6)
	tr.trace(0, len(a), m, tr.top)
	h := tr.hits
	for x, y := 0, len(h)-1; x < y; x, y = x+1, y-1 {
		h[x], h[y] = h[y], h[x]
	}
	return h
}

// trace follows the path from (i1, j) until it reaches row i0, whose
// vector is v0 (at least the words of the first j columns; not changed),
// and returns the column where it does; 0 when it reaches column 0, where
// the path ends.
func (tr *lcsTracer) trace(i0, i1, j int, v0 []uint64) int {
	if j == 0 || i0 == i1 {
		return j
	}
	w, h := (j+63)>>6, i1-i0
	if h == 1 || h*w <= tr.budget {
		return tr.block(i0, i1, j, v0[:w])
	}
	// Chunks of about a block each, as many as the budget holds
	// checkpoints for; taller chunks recurse.
	k := min(h, max(2, (h*w+tr.budget-1)/tr.budget), max(2, tr.budget/w))
	size := (h + k - 1) / k
	k = (h + size - 1) / size
	ck := make([]uint64, k*w)
	copy(ck, v0[:w])
	for c := 1; c < k; c++ {
		row := ck[c*w : (c+1)*w]
		copy(row, ck[(c-1)*w:c*w])
		for i := i0 + (c-1)*size; i < i0+c*size; i++ {
			tr.mk.step(row, tr.a[i])
		}
	}
	for c := k - 1; c >= 0 && j > 0; c-- {
		j = tr.trace(i0+c*size, min(i0+(c+1)*size, i1), j, ck[c*w:(c+1)*w])
	}
	return j
}

// block is trace for rows few enough to keep: rows i0…i1 of the first j
// columns, then the walk.
func (tr *lcsTracer) block(i0, i1, j int, v0 []uint64) int {
	w, h := len(v0), i1-i0
	tr.rows = grow(tr.rows, (h+1)*w)
	rows := tr.rows
	copy(rows, v0)
	for r := 1; r <= h; r++ {
		cur := rows[r*w : (r+1)*w]
		copy(cur, rows[(r-1)*w:r*w])
		tr.mk.step(cur, tr.a[i0+r-1])
	}
	row := func(i int) []uint64 { return rows[(i-i0)*w : (i-i0+1)*w] }
	cur := rowL(row(i1), j)
	if cur == 0 {
		return 0 // nothing in common above and to the left either
	}
	a, b := tr.a, tr.mk.b
	i, up := i1, rowL(row(i1-1), j) // up is L[i-1][j]
	for i > i0 && j > 0 && cur > 0 {
		switch {
		case a[i-1] == b[j-1]:
			tr.hits = append(tr.hits, i-1)
			i, j, cur = i-1, j-1, cur-1
			if i > i0 && j > 0 {
				up = rowL(row(i-1), j)
			}
		case up < cur:
			j--
			// Each row loses the step its bit j records (clear: +1).
			cur -= int(^row(i)[j>>6] >> (j & 63) & 1)
			up -= int(^row(i - 1)[j>>6] >> (j & 63) & 1)
		default:
			i, cur = i-1, up
			if i > i0 {
				up = rowL(row(i-1), j)
			}
		}
	}
	if cur == 0 {
		return 0 // no match left: the rest of the path adds none
	}
	return j
}
