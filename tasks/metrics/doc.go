// Package metrics scores model outputs exactly as the reference tools do,
// so that a sweep's numbers can be compared with published ones:
//
//   - "bleu": corpus BLEU as sacreBLEU 2.6.0 (tokenizers 13a, intl, char,
//     none; smoothing exp, none, floor, add-k; lowercase; max order;
//     effective order; several references), with its score line and
//     signature. [CorpusBLEU], [SentenceBLEU].
//   - "rouge": ROUGE-N, ROUGE-L and ROUGE-Lsum as rouge-score 0.1.2, with its
//     tokenizer and NLTK 3.8's Porter stemmer. [RougeScorer], [PorterStem].
//   - "squad": SQuAD v1.1 exact match and F1 as evaluate-v1.1.py.
//     [NormalizeAnswer], [SQuADExactMatch], [SQuADF1].
//   - "gsm8k": lm-evaluation-harness's strict-match and flexible-extract
//     answer extraction and exact match, and OpenAI's is_correct.
//     [GSM8KCompare].
//   - "accuracy": lm-evaluation-harness's acc and acc_norm from per-choice
//     log-likelihoods. [ScoreChoice].
//   - "peft": NVIDIA NeMo's peft_metric_calc.py, the likely source of the
//     Tied-LoRA paper's numbers: mean best-reference EM, F1 and ROUGE-L
//     (stemmer on), × 100.
//
// The runner and the sweep score command use one entry point:
//
//	cases, err := metrics.ReadCases(f, "predictions.jsonl")
//	res, err := metrics.Score("rouge", cases, metrics.Options{Stemmer: true})
//	res.Values()  // {"rouge1": 0.41, "rouge2": 0.09, "rougeL": 0.33, "rougeLsum": 0.33}
//	res.String()  // the report for people
//	json.Marshal(res)  // the JSON documented in docs/metrics.md
//
// The reference tools are Python, and a naive port differs from them in
// lowercasing (İ, final sigma), whitespace (U+001C–U+001F), \b and \w,
// Python's $, and float formatting; pystr.go holds the Python semantics and
// docs/metrics.md lists them. Texts must be valid UTF-8: Python would refuse
// the bytes, and Go's regexp would silently replace them.
//
// testdata/ holds vectors computed with the reference tools; the tests use
// every case.
//
// The package imports nothing from this module.
package metrics
