package metrics

import (
	"bytes"
	"encoding/binary"
)

// bleuCounter computes the statistics of one segment at a time, reusing its
// buffers and tables between segments: a corpus of 100,000 segments would
// otherwise spend most of its time allocating n-gram tuples.
//
// Tokens are interned to small per-segment ids, and an n-gram of up to four
// ids below 2^16 is packed into one uint64 (id k in bits 16k..16k+15). The
// ids start at 1, so the highest non-zero field gives n and n-grams of
// different orders never share a key. Segments with more than 65,535
// distinct tokens, or orders above 4, take the exact but slower map path.
type bleuCounter struct {
	o       BLEUOptions
	tok     tokenizer13a
	buf     []byte   // the segment's tokenized texts, one after another
	spans   []int    // [start, end) of each text in buf: hypothesis, then refs
	ids     []uint32 // token ids of all texts, one after another
	idSpans []int    // [start, end) of each text in ids
	intern  internTable
	grams   gramTable
	touched []int32
}

func newBLEUCounter(o BLEUOptions) *bleuCounter { return &bleuCounter{o: o} }

// segment fills st with the statistics of hyp against refs, as sacreBLEU's
// _extract_reference_info and _compute_segment_statistics do.
func (c *bleuCounter) segment(hyp string, refs []string, st *bleuStats) {
	c.buf, c.spans = c.buf[:0], c.spans[:0]
	c.preprocess(hyp)
	for _, r := range refs {
		c.preprocess(r)
	}
	c.intern.reset(c.buf)
	c.ids, c.idSpans = c.ids[:0], c.idSpans[:0]
	for i := 0; i < len(c.spans); i += 2 {
		start := len(c.ids)
		for off, end := c.spans[i], c.spans[i+1]; off < end; {
			j := bytes.IndexByte(c.buf[off:end], ' ')
			if j < 0 {
				j = end - off
			}
			c.ids = append(c.ids, c.intern.id(off, off+j))
			off += j + 1
		}
		c.idSpans = append(c.idSpans, start, len(c.ids))
	}
	hypIDs := c.ids[c.idSpans[0]:c.idSpans[1]]

	// Closest reference length; ties go to the shorter reference.
	hypLen := len(hypIDs)
	closestDiff, closestLen := -1, -1
	for k := 2; k < len(c.idSpans); k += 2 {
		refLen := c.idSpans[k+1] - c.idSpans[k]
		diff := max(hypLen-refLen, refLen-hypLen)
		if closestDiff == -1 || diff < closestDiff {
			closestDiff, closestLen = diff, refLen
		} else if diff == closestDiff && refLen < closestLen {
			closestLen = refLen
		}
	}
	st.sysLen, st.refLen = hypLen, closestLen
	for n := range st.total {
		st.total[n] = max(0, hypLen-n)
		st.correct[n] = 0
	}
	if c.o.MaxOrder <= 4 && c.intern.n <= 0xffff {
		c.countPacked(hypIDs, st)
	} else {
		c.countExact(hypIDs, st)
	}
}

// preprocess appends the tokenized text (tokens joined by single spaces) to
// c.buf: sacreBLEU's _preprocess_segment.
func (c *bleuCounter) preprocess(s string) {
	if c.o.Lowercase {
		s = pyLower(s)
	}
	s = pyRstrip(s)
	start := len(c.buf)
	switch c.o.Tokenize {
	case Tok13a:
		c.buf = c.tok.appendTokens(c.buf, s)
	case TokIntl:
		c.buf = appendPyFields(c.buf, []byte(TokenizeIntl(s)))
	case TokChar:
		c.buf = appendPyFields(c.buf, []byte(TokenizeChar(s)))
	default:
		c.buf = appendPyFields(c.buf, []byte(s))
	}
	c.spans = append(c.spans, start, len(c.buf))
}

// countPacked clips the hypothesis n-gram counts by the maximum count in any
// one reference, using packed keys.
func (c *bleuCounter) countPacked(hyp []uint32, st *bleuStats) {
	order := c.o.MaxOrder
	g := &c.grams
	g.reset(order * (len(hyp) + 1))
	for i := range hyp {
		key := uint64(0)
		for k := 0; k < order && i+k < len(hyp); k++ {
			key |= uint64(hyp[i+k]) << (16 * k)
			s := g.insert(key)
			g.slots[s].n = uint8(k)
			g.slots[s].hyp++
		}
	}
	for r := 2; r < len(c.idSpans); r += 2 {
		ref := c.ids[c.idSpans[r]:c.idSpans[r+1]]
		stamp := uint32(r)
		c.touched = c.touched[:0]
		for i := range ref {
			key := uint64(0)
			for k := 0; k < order && i+k < len(ref); k++ {
				key |= uint64(ref[i+k]) << (16 * k)
				s := g.find(key)
				if s < 0 {
					// Not a hypothesis n-gram, so no longer n-gram from
					// here is one either: its prefix would be.
					break
				}
				sl := &g.slots[s]
				if sl.stamp != stamp {
					sl.stamp, sl.cur = stamp, 0
					c.touched = append(c.touched, s)
				}
				sl.cur++
			}
		}
		for _, s := range c.touched {
			sl := &g.slots[s]
			sl.best = max(sl.best, sl.cur)
		}
	}
	for _, s := range g.used {
		sl := &g.slots[s]
		st.correct[sl.n] += int(min(sl.hyp, sl.best))
	}
}

// countExact is countPacked with the n-grams spelled out as map keys: for
// orders above 4 or segments with more distinct tokens than 16-bit ids hold.
func (c *bleuCounter) countExact(hyp []uint32, st *bleuStats) {
	order := c.o.MaxOrder
	key := func(ids []uint32) string {
		b := make([]byte, 4*len(ids))
		for i, id := range ids {
			binary.LittleEndian.PutUint32(b[4*i:], id)
		}
		return string(b)
	}
	type count struct{ hyp, best, cur int }
	counts := map[string]*count{}
	for n := 1; n <= order; n++ {
		for i := 0; i+n <= len(hyp); i++ {
			k := key(hyp[i : i+n])
			if counts[k] == nil {
				counts[k] = &count{}
			}
			counts[k].hyp++
		}
	}
	for r := 2; r < len(c.idSpans); r += 2 {
		ref := c.ids[c.idSpans[r]:c.idSpans[r+1]]
		for _, ct := range counts {
			ct.cur = 0
		}
		for n := 1; n <= order; n++ {
			for i := 0; i+n <= len(ref); i++ {
				if ct := counts[key(ref[i:i+n])]; ct != nil {
					ct.cur++
				}
			}
		}
		for _, ct := range counts {
			ct.best = max(ct.best, ct.cur)
		}
	}
	for k, ct := range counts {
		st.correct[len(k)/4-1] += min(ct.hyp, ct.best)
	}
}

// internTable maps the tokens of one segment to ids 1, 2, 3… It is an
// open-addressing hash table whose slots are invalidated in bulk by bumping
// a generation number, so resetting it per segment costs nothing. Tokens
// are byte ranges of the segment's buffer.
type internTable struct {
	slots []internSlot
	gen   uint32
	n     int    // ids handed out this generation
	buf   []byte // the segment's tokenized text
}

type internSlot struct {
	gen, id, hash uint32
	off, end      uint32 // the token is buf[off:end]
}

func (t *internTable) reset(buf []byte) {
	t.gen++
	t.n = 0
	t.buf = buf
	if t.gen == 0 || len(t.slots) == 0 {
		t.gen = 1
		t.slots = make([]internSlot, max(len(t.slots), 256))
	}
}

// id returns the id of the token buf[off:end].
func (t *internTable) id(off, end int) uint32 {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	tok := t.buf[off:end]
	h := fnv32(tok)
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			t.n++
			*s = internSlot{gen: t.gen, id: uint32(t.n), hash: h, off: uint32(off), end: uint32(end)}
			return s.id
		}
		if s.hash == h && bytes.Equal(t.buf[s.off:s.end], tok) {
			return s.id
		}
	}
}

// grow doubles the table and re-inserts this generation's tokens.
func (t *internTable) grow() {
	old := t.slots
	t.slots = make([]internSlot, 2*len(old))
	mask := uint32(len(t.slots) - 1)
	for _, s := range old {
		if s.gen != t.gen {
			continue
		}
		i := s.hash & mask
		for t.slots[i].gen == t.gen {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

func fnv32(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

// gramTable counts packed n-grams of one segment; like internTable it is
// reset by a generation bump.
type gramTable struct {
	slots []gramSlot
	gen   uint32
	shift uint
	used  []int32 // slots in use this generation
}

type gramSlot struct {
	key       uint64
	gen       uint32
	stamp     uint32 // which reference cur counts for
	hyp, best int32
	cur       int32
	n         uint8 // order - 1
}

// reset empties the table and makes room for at least want keys at a load
// of one half.
func (t *gramTable) reset(want int) {
	t.gen++
	t.used = t.used[:0]
	if t.gen == 0 || 2*want > len(t.slots) {
		size, shift := 64, uint(64-6)
		for size < 2*want {
			size, shift = 2*size, shift-1
		}
		t.slots, t.shift, t.gen = make([]gramSlot, size), shift, 1
	}
}

func (t *gramTable) home(key uint64) int32 {
	return int32((key * 0x9e3779b97f4a7c15) >> t.shift)
}

// insert returns key's slot, claiming a zeroed one if key is new.
func (t *gramTable) insert(key uint64) int32 {
	mask := int32(len(t.slots) - 1)
	for i := t.home(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			*s = gramSlot{key: key, gen: t.gen}
			t.used = append(t.used, i)
			return i
		}
		if s.key == key {
			return i
		}
	}
}

// find returns key's slot, or -1.
func (t *gramTable) find(key uint64) int32 {
	mask := int32(len(t.slots) - 1)
	for i := t.home(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			return -1
		}
		if s.key == key {
			return i
		}
	}
}
