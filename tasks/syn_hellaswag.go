package tasks

import (
	"bytes"
	"fmt"
	"strings"
)

// syn-hellaswag: everyday activities as ordered steps ("fills a kettle with
// water", "puts the kettle on the stove", ...). The context shows someone
// doing the first steps; of four endings one is the next step, and the
// others are steps of other activities, a step already done, a step out of
// order, or (harder) the right step about the wrong object. Written as
// HellaSwag JSON Lines (activity_label, ctx_a, ctx_b, endings, label, ...),
// so lm-evaluation-harness's preprocessing and capitalisation apply.
//
// Difficulty: 1: one or two steps of context, one distractor from the same
// activity; 2: two same-activity or wrong-object distractors; 3: all three.

type activity struct {
	label string
	slots []string // values of {x}
	steps []string // in order; may use {x}
}

var activities = []activity{
	{"Making tea", []string{"green tea", "black tea", "mint tea"}, []string{
		"fills a kettle with water.", "puts the kettle on the stove.", "waits for the water to boil.",
		"pours the water over the {x}.", "drinks the {x} slowly."}},
	{"Washing a car", []string{"red car", "blue truck", "old van"}, []string{
		"parks the {x} in the yard.", "fills a bucket with soapy water.", "scrubs the {x} with a sponge.",
		"rinses the soap off with a hose.", "dries the {x} with a towel."}},
	{"Planting a tree", []string{"apple tree", "oak tree", "pine tree"}, []string{
		"digs a hole in the ground.", "puts the young {x} in the hole.", "fills the hole with soil.",
		"waters the {x} well.", "ties the {x} to a stick."}},
	{"Painting a wall", []string{"blue", "white", "yellow"}, []string{
		"moves the furniture away from the wall.", "covers the floor with old paper.", "opens a can of {x} paint.",
		"rolls the {x} paint onto the wall.", "cleans the roller in the sink."}},
	{"Baking bread", []string{"white bread", "rye bread", "brown bread"}, []string{
		"mixes flour and water in a bowl.", "kneads the dough on the table.", "lets the dough rise for an hour.",
		"bakes the {x} in the oven.", "cuts the warm {x} into slices."}},
	{"Playing fetch", []string{"dog", "puppy", "old dog"}, []string{
		"takes the {x} to the park.", "throws a stick across the grass.", "watches the {x} run after the stick.",
		"takes the stick from the {x}.", "gives the {x} a treat."}},
	{"Changing a tire", []string{"car", "van", "truck"}, []string{
		"stops the {x} at the side of the road.", "lifts the {x} with a jack.", "takes off the flat tire.",
		"puts on the spare tire.", "lowers the {x} to the ground."}},
	{"Wrapping a gift", []string{"book", "scarf", "toy"}, []string{
		"puts the {x} in a box.", "cuts a piece of paper.", "folds the paper around the box.",
		"tapes the paper down.", "ties a ribbon on top."}},
	{"Making a sandwich", []string{"cheese", "ham", "tomato"}, []string{
		"takes two slices of bread.", "spreads butter on the bread.", "lays the {x} on one slice.",
		"puts the other slice on top.", "cuts the {x} sandwich in half."}},
	{"Fishing", []string{"trout", "carp", "bass"}, []string{
		"puts a worm on the hook.", "casts the line into the lake.", "waits for a fish to bite.",
		"reels in a big {x}.", "puts the {x} in a bucket."}},
	{"Doing laundry", []string{"shirts", "towels", "socks"}, []string{
		"sorts the {x} by colour.", "puts the {x} in the machine.", "adds soap and starts the machine.",
		"hangs the wet {x} on a line.", "folds the dry {x}."}},
	{"Riding a bike", []string{"red bike", "new bike", "old bike"}, []string{
		"puts on a helmet.", "gets on the {x}.", "rides the {x} down the street.",
		"rings the bell at the corner.", "locks the {x} to a post."}},
	{"Cleaning windows", []string{"kitchen window", "front window", "shop window"}, []string{
		"fills a bucket with warm water.", "sprays cleaner on the {x}.", "wipes the {x} with a cloth.",
		"dries the glass with paper.", "empties the bucket outside."}},
	{"Building a snowman", []string{"carrot", "stone", "stick"}, []string{
		"rolls a big ball of snow.", "puts a smaller ball on top.", "adds a head made of snow.",
		"pushes a {x} in for the nose.", "puts a hat on the snowman."}},
	{"Brushing a horse", []string{"brown horse", "white horse", "old horse"}, []string{
		"ties the {x} to a fence.", "brushes the dirt off its back.", "combs the {x}'s mane.",
		"cleans the {x}'s hooves.", "leads the {x} back to the stable."}},
	{"Setting a table", []string{"plates", "bowls", "cups"}, []string{
		"spreads a cloth on the table.", "puts the {x} on the table.", "lays a fork by each place.",
		"folds the napkins.", "lights the candles."}},
}

var hsSubjects = []struct {
	text   string
	female bool
}{{"A man", false}, {"A woman", true}, {"A boy", false}, {"A girl", true}, {"An old man", false}, {"A young woman", true}}

func hsStep(a activity, i int, x string) string { return strings.ReplaceAll(a.steps[i], "{x}", x) }

type synHellaSwagLine struct {
	Ind           int      `json:"ind"`
	ActivityLabel string   `json:"activity_label"`
	CtxA          string   `json:"ctx_a"`
	CtxB          string   `json:"ctx_b"`
	Ctx           string   `json:"ctx"`
	Endings       []string `json:"endings"`
	SourceID      string   `json:"source_id"`
	Split         string   `json:"split"`
	SplitType     string   `json:"split_type"`
	Label         int      `json:"label"`
}

// makeHellaSwag makes one example: the context, the four endings (gold
// first, before shuffling) and the key used to keep splits disjoint.
func makeHellaSwag(r *rng, d int) (synHellaSwagLine, string) {
	ai := r.intn(len(activities))
	a := activities[ai]
	x := pick(r, a.slots)
	subj := pick(r, hsSubjects)
	pron := "he"
	if subj.female {
		pron = "she"
	}
	n := len(a.steps)
	// next is the gold step; the context shows the steps before it,
	// one or two at difficulty 1, up to three above.
	next := r.between(1, n-1)
	shown := min(next, r.between(1, min(d+1, 3)))
	first := next - shown
	var ctxA strings.Builder
	ctxA.WriteString(subj.text + " " + hsStep(a, first, x))
	for i := first + 1; i < next; i++ {
		ctxA.WriteString(" " + capFirst(pron) + " " + hsStep(a, i, x))
	}
	ctxB := pick(r, []string{"then " + pron, pron, "after that, " + pron, "next, " + pron})
	gold := hsStep(a, next, x)
	used := map[string]bool{gold: true}
	var endings []string
	add := func(s string) bool {
		if used[s] {
			return false
		}
		used[s] = true
		endings = append(endings, s)
		return true
	}
	// Hard distractors, from the same activity: a step already shown, a
	// later step, or the gold step about another object.
	hard := []func() bool{
		func() bool { return add(hsStep(a, r.between(first, next-1), x)) },
		func() bool {
			if next+1 >= n {
				return false
			}
			return add(hsStep(a, r.between(next+1, n-1), x))
		},
		func() bool {
			if !strings.Contains(a.steps[next], "{x}") {
				return false
			}
			return add(hsStep(a, next, pick(r, a.slots)))
		},
	}
	for tries := 0; len(endings) < d && tries < 20; tries++ {
		hard[r.intn(len(hard))]()
	}
	for len(endings) < 3 {
		bi := r.intn(len(activities))
		if bi == ai {
			continue
		}
		b := activities[bi]
		add(hsStep(b, r.intn(len(b.steps)), pick(r, b.slots)))
	}
	all := append([]string{gold}, endings...)
	order := r.perm(4)
	line := synHellaSwagLine{ActivityLabel: a.label, CtxA: ctxA.String(), CtxB: ctxB, SplitType: "indomain"}
	line.Ctx = line.CtxA + " " + line.CtxB
	line.Endings = make([]string, 4)
	for i, o := range order {
		line.Endings[i] = all[o]
		if o == 0 {
			line.Label = i
		}
	}
	return line, line.Ctx + "\x00" + gold
}

func genHellaSwag(p genParams) []genSplit {
	names := map[string]string{Train: "hellaswag_train.jsonl", Validation: "hellaswag_val.jsonl", Test: "hellaswag_test.jsonl"}
	short := map[string]string{Train: "train", Validation: "val", Test: "test"}
	seen := map[string]bool{}
	var out []genSplit
	ind := 0
	for _, split := range genOrder {
		r := p.rand(split)
		lines := dedup(r, p.count(split), seen, func(r *rng) (synHellaSwagLine, string) {
			return makeHellaSwag(r, p.difficulty)
		})
		var buf bytes.Buffer
		for i := range lines {
			lines[i].Ind = ind
			lines[i].Split = short[split]
			lines[i].SourceID = fmt.Sprintf("synthetic~%s_%05d", short[split], i)
			ind++
			jsonLine(&buf, lines[i])
		}
		out = append(out, genSplit{split: split, files: []File{{names[split], buf.Bytes()}}, data: names[split], count: len(lines)})
	}
	return out
}
