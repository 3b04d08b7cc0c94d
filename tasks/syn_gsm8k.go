package tasks

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// syn-gsm8k: word problems about someone's collection of things that
// changes over a few steps ("Anna has 12 apples. She buys 5 more apples.
// Then she gives 3 apples to Ben. How many apples does Anna have now?"),
// with a worked solution of one line per step and the final "#### n", as
// GSM8K writes them. Written as GSM8K JSON Lines {"question", "answer"}.
//
// Difficulty: 1: two steps of adding and taking away, numbers up to 20;
// 2: three steps, also buying bags of several things (a product), numbers
// up to 30; 3: four steps, also doubling and giving away half.

var gsmItems = []string{"apples", "pencils", "stickers", "marbles", "cookies", "stamps", "shells", "coins", "cards", "books", "beads", "eggs"}

type gsmProblem struct {
	question, answer string
}

func makeGSM(r *rng, d int) (gsmProblem, string) {
	steps, maxN := 2, 20
	switch d {
	case 2:
		steps, maxN = 3, 30
	case 3:
		steps, maxN = 4, 40
	}
	p := pick(r, people)
	var other person
	for other = pick(r, people); other.name == p.name; other = pick(r, people) {
	}
	item := pick(r, gsmItems)
	x := r.between(3, maxN)
	var q, sol strings.Builder
	fmt.Fprintf(&q, "%s has %d %s.", p.name, x, item)
	pron := strings.ToLower(p.subj())
	for i := 0; i < steps; i++ {
		subj := p.subj()
		if i > 0 && r.chance(1, 2) {
			subj = "Then " + pron
		}
		ops := 2
		if d >= 2 {
			ops = 3
		}
		if d >= 3 {
			ops = 5
		}
		op := r.intn(ops)
		if op == 1 && x < 3 {
			op = 0
		}
		if op == 4 && x%2 == 1 {
			op = 3
		}
		var y int
		switch op {
		case 0: // add
			b := r.between(2, maxN)
			y = x + b
			switch r.intn(3) {
			case 0:
				fmt.Fprintf(&q, " %s buys %d more %s.", subj, b, item)
			case 1:
				fmt.Fprintf(&q, " %s finds %d %s.", subj, b, item)
			default:
				fmt.Fprintf(&q, " %s gets %d %s from %s.", subj, b, item, other.name)
			}
			fmt.Fprintf(&sol, "%s has %d + %d = %d %s.\n", p.name, x, b, y, item)
		case 1: // take away
			b := r.between(2, min(x-1, maxN))
			y = x - b
			switch r.intn(3) {
			case 0:
				fmt.Fprintf(&q, " %s gives %d %s to %s.", subj, b, item, other.name)
			case 1:
				fmt.Fprintf(&q, " %s loses %d %s.", subj, b, item)
			default:
				fmt.Fprintf(&q, " %s sells %d %s.", subj, b, item)
			}
			fmt.Fprintf(&sol, "%s has %d - %d = %d %s.\n", p.name, x, b, y, item)
		case 2: // bags of several
			b, c := r.between(2, 5), r.between(2, 9)
			m := b * c
			y = x + m
			fmt.Fprintf(&q, " %s buys %d bags with %d %s in each.", subj, b, c, item)
			fmt.Fprintf(&sol, "The bags hold %d * %d = %d %s, so %s has %d + %d = %d %s.\n", b, c, m, item, p.name, x, m, y, item)
		case 3: // double
			y = 2 * x
			fmt.Fprintf(&q, " %s gets as many %s again from %s.", subj, item, other.name)
			fmt.Fprintf(&sol, "%s has %d * 2 = %d %s.\n", p.name, x, y, item)
		case 4: // half
			h := x / 2
			y = x - h
			fmt.Fprintf(&q, " %s gives half of the %s to %s.", subj, item, other.name)
			fmt.Fprintf(&sol, "%s gives away %d / 2 = %d, so %s has %d - %d = %d %s.\n", p.name, x, h, p.name, x, h, y, item)
		}
		x = y
	}
	fmt.Fprintf(&q, " How many %s does %s have now?", item, p.name)
	sol.WriteString("#### " + strconv.Itoa(x))
	return gsmProblem{q.String(), sol.String()}, q.String()
}

type synGSMLine struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

func genGSM8K(p genParams) []genSplit {
	names := map[string]string{Train: "train.jsonl", Validation: "dev.jsonl", Test: "test.jsonl"}
	seen := map[string]bool{}
	var out []genSplit
	for _, split := range genOrder {
		r := p.rand(split)
		probs := dedup(r, p.count(split), seen, func(r *rng) (gsmProblem, string) { return makeGSM(r, p.difficulty) })
		var buf bytes.Buffer
		for _, pr := range probs {
			jsonLine(&buf, synGSMLine{Question: pr.question, Answer: pr.answer})
		}
		out = append(out, genSplit{split: split, files: []File{{names[split], buf.Bytes()}}, data: names[split], count: len(probs)})
	}
	return out
}
