package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Tensor is one named float32 array.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

type entry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

const metaKey = "__metadata__"

// maxHeader bounds the header a reader accepts (the reference
// implementation's limit), so a corrupt length cannot allocate gigabytes.
const maxHeader = 100 << 20

// Encode returns the file's bytes.
func Encode(tensors []Tensor, meta map[string]string) ([]byte, error) {
	header := map[string]any{}
	if len(meta) > 0 {
		header[metaKey] = meta
	}
	var off int64
	for _, t := range tensors {
		if t.Name == metaKey {
			return nil, fmt.Errorf("safetensors: %q is a reserved name", metaKey)
		}
		if _, dup := header[t.Name]; dup {
			return nil, fmt.Errorf("safetensors: tensor %q given twice", t.Name)
		}
		n := 1
		for _, s := range t.Shape {
			n *= s
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("safetensors: tensor %q has shape %v but %d values", t.Name, t.Shape, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = entry{DType: "F32", Shape: shape, DataOffsets: [2]int64{off, off + 4*int64(n)}}
		off += 4 * int64(n)
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	for len(h)%8 != 0 { // align the data, as the reference writer does
		h = append(h, ' ')
	}
	out := make([]byte, 8, 8+len(h)+int(off))
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	for _, t := range tensors {
		for _, x := range t.Data {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(x))
		}
	}
	return out, nil
}

// Write writes the file atomically: to a temporary name, then renamed.
func Write(path string, tensors []Tensor, meta map[string]string) error {
	data, err := Encode(tensors, meta)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.safetensors")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it private
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Decode parses a file's bytes. Tensors come back ordered by offset.
func Decode(data []byte) ([]Tensor, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("safetensors: %d bytes is too short for a header", len(data))
	}
	hl := binary.LittleEndian.Uint64(data)
	if hl > maxHeader || hl > uint64(len(data)-8) {
		return nil, nil, fmt.Errorf("safetensors: header length %d does not fit a %d-byte file", hl, len(data))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+hl], &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: bad header: %w", err)
	}
	body := data[8+hl:]
	var meta map[string]string
	var out []Tensor
	var offs [][2]int64
	for name, r := range raw {
		if name == metaKey {
			if err := json.Unmarshal(r, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: bad %s: %w", metaKey, err)
			}
			continue
		}
		var e entry
		if err := json.Unmarshal(r, &e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		if e.DType != "F32" {
			return nil, nil, fmt.Errorf("safetensors: tensor %q is %s; only F32 is supported", name, e.DType)
		}
		n := int64(1)
		for _, s := range e.Shape {
			if s < 0 {
				return nil, nil, fmt.Errorf("safetensors: tensor %q has a negative dimension", name)
			}
			n *= int64(s)
		}
		b, end := e.DataOffsets[0], e.DataOffsets[1]
		if b < 0 || end < b || end > int64(len(body)) || end-b != 4*n {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: offsets %v do not hold shape %v in %d bytes", name, e.DataOffsets, e.Shape, len(body))
		}
		t := Tensor{Name: name, Shape: e.Shape, Data: make([]float32, n)}
		for i := range t.Data {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[b+4*int64(i):]))
		}
		out = append(out, t)
		offs = append(offs, e.DataOffsets)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return offs[idx[a]][0] < offs[idx[b]][0] })
	sorted := make([]Tensor, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
		if i > 0 && offs[j][0] < offs[idx[i-1]][1] {
			return nil, nil, fmt.Errorf("safetensors: tensors %q and %q overlap", out[idx[i-1]].Name, out[j].Name)
		}
	}
	return sorted, meta, nil
}

// Read reads a file.
func Read(path string) ([]Tensor, map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	ts, meta, err := Decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, meta, nil
}
