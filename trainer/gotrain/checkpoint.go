package gotrain

import (
	"fmt"
	"strconv"

	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/model"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/optim"
	"github.com/tiedlora/tiedlora-sweep/trainer/gotrain/safetensors"
)

// state is what a checkpoint restores: the trained tensors, the
// optimizer's moments, the step, and the early-stopping record. Frozen
// tensors are not stored: the base comes from its cache and frozen random
// adapter tensors from the seed.
type state struct {
	step     int
	best     [][]float32 // trained tensors at the best validation loss; nil before any eval
	bestLoss float64
	bestStep int
	bad      int // evaluations since the best
}

func saveCheckpoint(path string, params []*model.Param[float32], opt *optim.AdamW[float32], st *state) error {
	var ts []safetensors.Tensor
	for i, p := range params {
		ts = append(ts,
			safetensors.Tensor{Name: "param/" + p.Name, Shape: p.Shape, Data: p.Data},
			safetensors.Tensor{Name: "adam_m/" + p.Name, Shape: p.Shape, Data: opt.M[i]},
			safetensors.Tensor{Name: "adam_v/" + p.Name, Shape: p.Shape, Data: opt.V[i]})
		if st.best != nil {
			ts = append(ts, safetensors.Tensor{Name: "best/" + p.Name, Shape: p.Shape, Data: st.best[i]})
		}
	}
	meta := map[string]string{
		"step":      strconv.Itoa(st.step),
		"adam_step": strconv.Itoa(opt.Step),
		"best_loss": strconv.FormatFloat(st.bestLoss, 'g', -1, 64),
		"best_step": strconv.Itoa(st.bestStep),
		"bad_evals": strconv.Itoa(st.bad),
	}
	return safetensors.Write(path, ts, meta)
}

func loadCheckpoint(path string, params []*model.Param[float32], opt *optim.AdamW[float32]) (*state, error) {
	ts, meta, err := safetensors.Read(path)
	if err != nil {
		return nil, err
	}
	byName := map[string][]float32{}
	for _, t := range ts {
		byName[t.Name] = t.Data
	}
	st := &state{}
	ints := map[string]*int{"step": &st.step, "adam_step": &opt.Step, "best_step": &st.bestStep, "bad_evals": &st.bad}
	for k, dst := range ints {
		if *dst, err = strconv.Atoi(meta[k]); err != nil {
			return nil, fmt.Errorf("%s: metadata %s: %q is not an integer", path, k, meta[k])
		}
	}
	if st.bestLoss, err = strconv.ParseFloat(meta["best_loss"], 64); err != nil {
		return nil, fmt.Errorf("%s: metadata best_loss: %q is not a number", path, meta["best_loss"])
	}
	want := 3 * len(params)
	if len(params) == 0 {
		return nil, fmt.Errorf("%s: the method trains no tensor", path)
	}
	if _, ok := byName["best/"+params[0].Name]; ok {
		want += len(params)
		st.best = make([][]float32, len(params))
	}
	if len(ts) != want {
		return nil, fmt.Errorf("%s: %d tensors, want %d for this method's %d trained tensors", path, len(ts), want, len(params))
	}
	for i, p := range params {
		for _, c := range []struct {
			key string
			dst []float32
		}{{"param/", p.Data}, {"adam_m/", opt.M[i]}, {"adam_v/", opt.V[i]}} {
			src, ok := byName[c.key+p.Name]
			if !ok || len(src) != len(c.dst) {
				return nil, fmt.Errorf("%s: tensor %s%s missing or of the wrong shape", path, c.key, p.Name)
			}
			copy(c.dst, src)
		}
		if st.best != nil {
			src := byName["best/"+p.Name]
			if len(src) != len(p.Data) {
				return nil, fmt.Errorf("%s: tensor best/%s missing or of the wrong shape", path, p.Name)
			}
			st.best[i] = append([]float32(nil), src...)
		}
	}
	return st, nil
}
