package safetensors

import (
	"encoding/binary"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []Tensor{
		{Name: "wte", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, 1e-30, -7}},
		{Name: "scalar", Shape: []int{}, Data: []float32{42}},
		{Name: "b", Shape: []int{1}, Data: []float32{-0.25}},
	}
	meta := map[string]string{"step": "12", "seed": "3"}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := Write(path, in, meta); err != nil {
		t.Fatal(err)
	}
	out, gotMeta, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("tensors: got %+v, want %+v", out, in)
	}
	if !reflect.DeepEqual(gotMeta, meta) {
		t.Errorf("metadata: got %v, want %v", gotMeta, meta)
	}
}

// TestLayout checks the bytes against the format: header length, an
// 8-aligned JSON header, then the data.
func TestLayout(t *testing.T) {
	data, err := Encode([]Tensor{{Name: "a", Shape: []int{2}, Data: []float32{1, 2}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hl := binary.LittleEndian.Uint64(data)
	if hl%8 != 0 {
		t.Errorf("header length: got %d, want a multiple of 8", hl)
	}
	header := strings.TrimRight(string(data[8:8+hl]), " ")
	if want := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`; header != want {
		t.Errorf("header: got %s, want %s", header, want)
	}
	if got := data[8+hl:]; !reflect.DeepEqual(got, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}) {
		t.Errorf("data: got % x, want 1.0 and 2.0 little-endian", got)
	}
}

func TestDecodeRejects(t *testing.T) {
	good, _ := Encode([]Tensor{{Name: "a", Shape: []int{2}, Data: []float32{1, 2}}}, nil)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"short", []byte{1, 2}, "too short"},
		{"truncated data", good[:len(good)-1], "offsets"},
		{"huge header", append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, good[8:]...), "does not fit"},
	} {
		_, _, err := Decode(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := Encode([]Tensor{{Name: "a", Shape: []int{3}, Data: []float32{1}}}, nil); err == nil {
		t.Error("shape mismatch: got no error, want one")
	}
}
