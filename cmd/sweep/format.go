package main

import (
	"encoding/json"
	"io"
	"math"
	"strconv"
)

// writeJSON prints v indented, for scripts.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// groupDigits writes 4194304 as 4,194,304.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// sig4 rounds x to four significant digits: 12.506… → 12.51, 0.0077844… →
// 0.007784, the precision at which papers print parameter percentages.
func sig4(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	return y
}

// percent prints a percentage with four significant digits.
func percent(x float64) string {
	return strconv.FormatFloat(sig4(x), 'f', -1, 64) + " %"
}
