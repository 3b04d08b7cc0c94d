package tasks

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// syn-squad: short paragraphs of facts about a few people ("Anna lives in
// Oakton. Ben works as a baker. ..."), with questions whose answers are
// spans of the paragraph. Several people share a relation, so a question
// is answered by finding the right person's sentence, not the only one of
// its kind. Written as SQuAD v1.1 JSON: one answer per question in train,
// several (span variants such as "baker" / "a baker") in validation and
// test, as in SQuAD's train and dev sets.
//
// Difficulty: 1: two people, two facts each, every sentence names its
// person; 2: three people, three facts, facts grouped by person with
// pronouns after the first (coreference), paraphrased questions; 3: four
// people, three facts, pronouns, paraphrases and a friendship relation
// whose answer is another person.

type squadRel struct {
	name string
	// fact renders the sentence; subject is the name or a pronoun.
	fact func(subject string, p person, v squadVal) string
	// questions (the first is used at difficulty 1).
	questions []string
	values    func(r *rng, ps []person, who int) squadVal
}

// squadVal is a fact's value: the answer variants (all spans of the
// sentence, first = training target) and an extra word some facts need.
type squadVal struct {
	answers []string
	extra   string
}

var squadTowns = []string{"Oakton", "Port Ella", "Red Hill", "Millbrook", "Stonebay", "Ashford",
	"Elm Creek", "Northwood", "Fairview", "Westhaven", "Briar Glen", "Sunmoor"}
var squadJobs = []string{"baker", "teacher", "pilot", "farmer", "nurse", "painter", "driver", "tailor",
	"miner", "singer", "guard", "cook", "potter", "sailor", "barber", "clerk"}
var squadAnimals = []string{"cat", "dog", "horse", "goat", "parrot", "rabbit", "turtle", "pony", "duck", "hamster"}
var squadPets = []string{"Biscuit", "Pepper", "Lucky", "Shadow", "Button", "Maple", "Rocket", "Ziggy",
	"Pickle", "Toffee", "Mango", "Nugget"}
var squadSports = []string{"tennis", "chess", "football", "golf", "hockey", "rugby", "cricket", "volleyball"}

func possName(subject string, p person) string {
	if subject == p.name {
		return p.name + "'s"
	}
	return p.poss()
}

var squadRels = []squadRel{
	{
		name:      "town",
		fact:      func(s string, p person, v squadVal) string { return s + " lives in " + v.answers[0] + "." },
		questions: []string{"Where does %s live?", "In which town does %s live?", "Which town is home to %s?"},
		values: func(r *rng, _ []person, _ int) squadVal {
			return squadVal{answers: []string{pick(r, squadTowns)}}
		},
	},
	{
		name:      "job",
		fact:      func(s string, p person, v squadVal) string { return s + " works as a " + v.answers[0] + "." },
		questions: []string{"What does %s work as?", "What is the job of %s?", "What work does %s do?"},
		values: func(r *rng, _ []person, _ int) squadVal {
			j := pick(r, squadJobs)
			return squadVal{answers: []string{j, "a " + j}}
		},
	},
	{
		name:      "born",
		fact:      func(s string, p person, v squadVal) string { return s + " was born in " + v.answers[0] + "." },
		questions: []string{"When was %s born?", "In what year was %s born?", "What year was %s born in?"},
		values: func(r *rng, _ []person, _ int) squadVal {
			y := strconv.Itoa(r.between(1900, 2020))
			return squadVal{answers: []string{y, "in " + y}}
		},
	},
	{
		name: "pet",
		fact: func(s string, p person, v squadVal) string {
			return s + " has " + article(v.extra) + " " + v.extra + " called " + v.answers[0] + "."
		},
		questions: []string{"What is the name of %s's %s?", "What is %s's %s called?", "What name does %s's %s have?"},
		values: func(r *rng, _ []person, _ int) squadVal {
			return squadVal{answers: []string{pick(r, squadPets)}, extra: pick(r, squadAnimals)}
		},
	},
	{
		name: "colour",
		fact: func(s string, p person, v squadVal) string {
			return possName(s, p) + " favourite colour is " + v.answers[0] + "."
		},
		questions: []string{"What is %s's favourite colour?", "Which colour does %s like best?", "What colour does %s like most?"},
		values: func(r *rng, _ []person, _ int) squadVal {
			return squadVal{answers: []string{pick(r, colours)}}
		},
	},
	{
		name: "sport",
		fact: func(s string, p person, v squadVal) string {
			return s + " plays " + v.answers[0] + " on " + v.extra + "s."
		},
		questions: []string{"What sport does %s play?", "Which game does %s play?", "What does %s play on %ss?"},
		values: func(r *rng, _ []person, _ int) squadVal {
			return squadVal{answers: []string{pick(r, squadSports)}, extra: pick(r, weekdays)}
		},
	},
	{
		name:      "friend",
		fact:      func(s string, p person, v squadVal) string { return s + " is a good friend of " + v.answers[0] + "." },
		questions: []string{"Who is %s a good friend of?", "Who is %s friends with?", "Whose friend is %s?"},
		values: func(r *rng, ps []person, who int) squadVal {
			for {
				o := pick(r, people)
				if o.name != ps[who].name {
					return squadVal{answers: []string{o.name}}
				}
			}
		},
	},
}

type squadFact struct {
	who int
	rel int
	val squadVal
}

type synSQuADQA struct {
	Answers  []synSQuADAnswer `json:"answers"`
	Question string           `json:"question"`
	ID       string           `json:"id"`
}

type synSQuADAnswer struct {
	AnswerStart int    `json:"answer_start"`
	Text        string `json:"text"`
}

type synSQuADParagraph struct {
	Context string       `json:"context"`
	QAs     []synSQuADQA `json:"qas"`
}

type synSQuADArticle struct {
	Title      string              `json:"title"`
	Paragraphs []synSQuADParagraph `json:"paragraphs"`
}

type synSQuADFile struct {
	Data    []synSQuADArticle `json:"data"`
	Version string            `json:"version"`
}

func genSQuAD(p genParams) []genSplit {
	nPeople, nFacts, nRels := 2, 2, 6
	switch p.difficulty {
	case 2:
		nPeople, nFacts = 3, 3
	case 3:
		nPeople, nFacts, nRels = 4, 3, 7
	}
	names := map[string]string{Train: "train-v1.1.json", Validation: "dev-v1.1.json", Test: "test-v1.1.json"}
	seen := map[string]bool{}
	var out []genSplit
	for _, split := range genOrder {
		r := p.rand(split)
		n := p.count(split)
		var paras []synSQuADParagraph
		for q := 0; q < n; {
			ctx, facts, starts := makeSQuADParagraph(r, p.difficulty, nPeople, nFacts, nRels)
			if seen[ctx] {
				continue
			}
			seen[ctx] = true
			para := synSQuADParagraph{Context: ctx}
			ask := r.perm(len(facts))
			for _, fi := range ask[:min(3, n-q, len(facts))] {
				f := facts[fi]
				pr := people[f.who]
				qi := 0
				if p.difficulty > 1 {
					qi = r.intn(len(squadRels[f.rel].questions))
				}
				qt := squadRels[f.rel].questions[qi]
				var question string
				if strings.Count(qt, "%s") == 2 {
					question = fmt.Sprintf(qt, pr.name, f.val.extra)
				} else {
					question = fmt.Sprintf(qt, pr.name)
				}
				answers := f.val.answers
				if split == Train {
					answers = answers[:1]
				}
				qa := synSQuADQA{Question: question, ID: fmt.Sprintf("%s-%s-%06d", p.task, split, q+1)}
				for _, a := range answers {
					qa.Answers = append(qa.Answers, synSQuADAnswer{AnswerStart: starts[fi] + strings.Index(squadSentence(ctx, starts[fi]), a), Text: a})
				}
				para.QAs = append(para.QAs, qa)
				q++
			}
			paras = append(paras, para)
		}
		doc := synSQuADFile{Version: "1.1"}
		for i := 0; i < len(paras); i += 5 {
			doc.Data = append(doc.Data, synSQuADArticle{
				Title:      fmt.Sprintf("Village record %d", i/5+1),
				Paragraphs: paras[i:min(i+5, len(paras))],
			})
		}
		var buf bytes.Buffer
		jsonLine(&buf, doc)
		out = append(out, genSplit{split: split, files: []File{{names[split], buf.Bytes()}}, data: names[split], count: n})
	}
	return out
}

// squadSentence returns the sentence of ctx that starts at byte start.
func squadSentence(ctx string, start int) string {
	s := ctx[start:]
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// makeSQuADParagraph makes one paragraph: its text, its facts and the byte
// offset of each fact's sentence. The value of the answer span is searched
// for inside its own sentence, so duplicates elsewhere do not matter.
func makeSQuADParagraph(r *rng, difficulty, nPeople, nFacts, nRels int) (string, []squadFact, []int) {
	who := r.perm(len(people))[:nPeople]
	ps := make([]person, nPeople)
	for i, w := range who {
		ps[i] = people[w]
	}
	// Each person gets nFacts distinct relations; the second person
	// shares the first person's first relation, so no question is
	// answerable by relation type alone.
	var facts []squadFact
	var shared int
	for i := range ps {
		rels := r.perm(nRels)[:nFacts]
		if i == 0 {
			shared = rels[0]
		} else if i == 1 && !contains(rels, shared) {
			rels[r.intn(nFacts)] = shared
		}
		for _, rel := range rels {
			facts = append(facts, squadFact{who: who[i], rel: rel, val: squadRels[rel].values(r, ps, i)})
		}
	}
	var order []int
	if difficulty == 1 {
		order = r.perm(len(facts))
	} else {
		// Grouped by person, in random order within the group, so later
		// facts can use a pronoun.
		for i := range ps {
			for _, k := range r.perm(nFacts) {
				order = append(order, i*nFacts+k)
			}
		}
	}
	var b strings.Builder
	starts := make([]int, len(facts))
	prev := -1
	for _, fi := range order {
		f := facts[fi]
		pr := people[f.who]
		subject := pr.name
		if difficulty > 1 && prev == f.who {
			subject = pr.subj()
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		starts[fi] = b.Len()
		b.WriteString(squadRels[f.rel].fact(subject, pr, f.val))
		prev = f.who
	}
	return b.String(), facts, starts
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
