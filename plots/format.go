package plots

import (
	"math"
	"strconv"

	"github.com/tiedlora/tiedlora-sweep/analysis"
)

// decimals is how many decimals a task's scores print with: four
// significant digits of the largest, so 0–1 metrics (ROUGE, accuracy)
// print as 0.3978 and 0–100 ones (exact match, BLEU) as 69.26.
func decimals(xs ...float64) int {
	m := 0.0
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			m = math.Max(m, math.Abs(x))
		}
	}
	if m == 0 {
		return 2
	}
	return min(max(3-int(math.Floor(math.Log10(m))), 0), 6)
}

// fixed prints x with d decimals, and NaN as "–".
func fixed(x float64, d int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', d, 64)
}

// meanStd prints a score over seeds, "69.43 ± 1.01", or only the mean
// when there is one seed, whose spread is unknown rather than zero.
func meanStd(st analysis.Stat, d int) string {
	if st.N < 2 {
		return fixed(st.Mean, d)
	}
	return fixed(st.Mean, d) + " ± " + fixed(st.Std, d)
}

// signed prints x with d decimals and its sign: +0.24, −0.63 (a true
// minus), and 0.00 for what rounds to zero.
func signed(x float64, d int) string {
	if math.IsNaN(x) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', d, 64)
	if math.Abs(x) < 0.5*math.Pow10(-d) {
		return s
	}
	if x < 0 {
		return "−" + s
	}
	return "+" + s
}

// percent prints a percentage with four significant digits (12.51, 100).
func percent(x float64) string {
	if math.IsNaN(x) || x == 0 {
		return "–"
	}
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	return strconv.FormatFloat(y, 'f', -1, 64)
}

// csvFloat writes a number for machines: ten significant digits (enough,
// and free of binary noise such as 66.60000000000001), NaN as empty.
func csvFloat(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', 10, 64)
}

// groupDigits writes 4194304 as 4,194,304, and 0 (unknown) as "–".
func groupDigits(n int64) string {
	if n == 0 {
		return "–"
	}
	s := strconv.FormatInt(n, 10)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// shortCount writes a parameter count as chart ticks do: 33K, 4.2M, 1.5G.
func shortCount(x float64) string {
	units := []struct {
		v float64
		s string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "K"}}
	for _, u := range units {
		if x >= u.v {
			return strconv.FormatFloat(x/u.v, 'g', 3, 64) + u.s
		}
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

func itoa(n int) string { return strconv.Itoa(n) }
