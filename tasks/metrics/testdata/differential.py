"""Reference side of TestDifferential (tasks/metrics/differential_test.go).

Usage: differential.py CASES.jsonl CHUNKS.jsonl OUT.jsonl

CASES.jsonl holds {"prediction": str, "references": [str | null, ...]} a line,
as `sweep score --input` reads them; CHUNKS.jsonl splits the cases into
corpora, each with its BLEU options. The script scores everything with the
reference tools themselves -- sacreBLEU, rouge-score, transformers' SQuAD
normalize_answer and lm-eval's GSM8K filters and exact_match -- and writes
one JSON line per case, then one per chunk. Exit status 3 means a reference
package is missing.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Sequence

try:
    import numpy as np
    import rouge_score
    import sacrebleu
    import yaml
    from lm_eval.api.metrics import exact_match_hf_evaluate
    from lm_eval.filters.extraction import RegexFilter
    from lm_eval.filters.selection import TakeFirstFilter
    from rouge_score import rouge_scorer
    from sacrebleu.metrics.bleu import BLEU, BLEUScore
    # sacreBLEU imports its tokenizers when first asked for one.
    from sacrebleu.tokenizers import tokenizer_13a, tokenizer_char, tokenizer_intl, tokenizer_none  # noqa: F401
    from transformers.data.metrics.squad_metrics import normalize_answer
except ImportError as err:  # the Go test skips on status 3
    print(f"differential.py: {err}", file=sys.stderr)
    sys.exit(3)

import lm_eval

TOKENIZERS = ("13a", "intl", "char", "none")
SMOOTHINGS = ("exp", "none", "floor", "add-k")
ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]

Json = dict[str, Any]


def squad_f1(prediction: str, ground_truth: str) -> float:
    """evaluate-v1.1.py's f1_score (the v1.1 script is not packaged; its
    normalize_answer is transformers' own). Unlike SQuAD v2.0's compute_f1 it
    is 0 when nothing is in common, even for two empty answers."""
    pred = normalize_answer(prediction).split()
    gold = normalize_answer(ground_truth).split()
    same = sum((Counter(pred) & Counter(gold)).values())
    if same == 0:
        return 0
    precision = 1.0 * same / len(pred)
    recall = 1.0 * same / len(gold)
    return (2 * precision * recall) / (precision + recall)


def gsm8k_task() -> tuple[dict[str, list[Any]], Json]:
    """The gsm8k task's filter pipelines and exact_match arguments, from the
    task YAML that ships with lm-eval."""
    path = Path(lm_eval.__file__).parent / "tasks" / "gsm8k" / "gsm8k.yaml"
    task = yaml.safe_load(path.read_text())
    classes: dict[str, Callable[..., Any]] = {"regex": RegexFilter, "take_first": TakeFirstFilter}
    pipelines = {
        f["name"]: [classes[step["function"]](**{k: v for k, v in step.items() if k != "function"})
                    for step in f["filter"]]
        for f in task["filter_list"]
    }
    (metric,) = [m for m in task["metric_list"] if m["metric"] == "exact_match"]
    kwargs = {k: metric[k] for k in ("regexes_to_ignore", "ignore_case", "ignore_punctuation")}
    return pipelines, kwargs


def em_normalize(text: str, kwargs: Json) -> str:
    """What exact_match_hf_evaluate compares for one string, step by step as
    it does them (a numpy array per step, then np.char.lower): the tool itself
    returns only the mean, which hides most differences."""
    if kwargs["ignore_punctuation"]:
        raise ValueError("the gsm8k task now ignores punctuation; so must em_normalize and GSM8KNormalize")
    arr: Any = [text]  # the first step reads the strings as given, NULs and all
    for pattern in kwargs["regexes_to_ignore"]:
        arr = np.array([re.sub(pattern, "", x) for x in arr])
    if kwargs["ignore_case"]:
        arr = np.char.lower(arr)
    return str(arr[0])


def run_filters(pipeline: list[Any], texts: Sequence[str]) -> list[str]:
    resps: Any = [[t] for t in texts]
    for f in pipeline:
        resps = f.apply(resps, None)
    return list(resps)


def bleu_row(s: BLEUScore) -> list[Any]:
    """score, bp, precisions..., then the printed line (sacrebleu -f text)."""
    return [s.score, s.bp, *s.precisions, s.format()]


def bleu_full(s: BLEUScore, sig: str, short: str) -> Json:
    return {"score": s.score, "counts": list(s.counts), "totals": list(s.totals),
            "precisions": list(s.precisions), "bp": s.bp, "sys_len": s.sys_len,
            "ref_len": s.ref_len, "line": s.format(signature=sig), "signature": sig,
            "short_signature": short}


def score_chunk(k: int, chunk: Json, cases: list[Json], out: list[Json]) -> Json:
    """Scores the chunk's cases into out[i] and returns the chunk's line.

    sacreBLEU's statistics do not depend on the smoothing, so they are
    extracted once per tokenizer and scored with every smoothing, as
    corpus_score and sentence_score would (_extract_corpus_statistics, then
    _aggregate_and_compute on a fresh list: add-k edits it in place). Every
    twentieth chunk goes through the public corpus_score and sentence_score
    instead, to keep the shortcut honest.
    """
    part = cases[chunk["start"]:chunk["end"]]
    hyps = [c["prediction"] for c in part]
    width = max(len(c["references"]) for c in part)
    streams = [[c["references"][j] if j < len(c["references"]) else None for c in part] for j in range(width)]
    public = k % 20 == 0
    corpus: Json = {}
    for tok in TOKENIZERS:
        objs = {}
        for sm in SMOOTHINGS:
            value = {"floor": chunk["floor"], "add-k": chunk["add_k"]}.get(sm)
            objs[sm] = BLEU(tokenize=tok, lowercase=chunk["lowercase"], smooth_method=sm,
                            smooth_value=value, max_ngram_order=chunk["max_order"],
                            effective_order=chunk["effective_order"])
        first = objs["exp"]
        stats = first._extract_corpus_statistics(hyps, streams)
        corpus[tok] = {}
        for sm, obj in objs.items():
            if public:
                total = obj.corpus_score(hyps, streams)
            else:
                obj.num_refs = first.num_refs  # what _cache_references set
                total = obj._aggregate_and_compute([list(s) for s in stats])
            sig = obj.get_signature()
            corpus[tok][sm] = bleu_full(total, sig.format(), sig.format(short=True))
        for i, c in enumerate(part):
            row = out[chunk["start"] + i]
            refs = [r for r in c["references"] if r is not None]
            row["bleu_tokens"][tok] = [" ".join(first._preprocess_segment(s).split()) for s in [c["prediction"], *refs]]
            row["bleu_stats"][tok] = list(stats[i])
            row["bleu"][tok] = {}
            for sm, obj in objs.items():
                if public:
                    seg = obj.sentence_score(c["prediction"], c["references"])
                else:
                    seg = obj._aggregate_and_compute([list(stats[i])])
                row["bleu"][tok][sm] = bleu_row(seg)

    line: Json = {"chunk": k, "bleu": corpus}
    # ROUGE: rouge-score has no corpus mean (its BootstrapAggregator is
    # random); the mean of each case's best-reference scores is what
    # docs/metrics.md defines, summed in case order.
    line["rouge"] = {}
    for stem in (False, True):
        key = "stem" if stem else "plain"
        sums = {t: [0.0, 0.0, 0.0] for t in ROUGE_TYPES}
        for i in range(chunk["start"], chunk["end"]):
            for t in ROUGE_TYPES:
                for j in range(3):
                    sums[t][j] += out[i]["rouge"][key]["scores"][t][j]
        n = chunk["end"] - chunk["start"]
        line["rouge"][key] = {t: [v / n for v in sums[t]] for t in ROUGE_TYPES}
    # SQuAD: evaluate-v1.1.py's evaluate(): 100.0 * sum / total.
    em = f1 = 0.0
    for i in range(chunk["start"], chunk["end"]):
        em += out[i]["squad"]["em_max"]
        f1 += out[i]["squad"]["f1_max"]
    n = chunk["end"] - chunk["start"]
    line["squad"] = {"exact_match": 100.0 * em / n, "f1": 100.0 * f1 / n}
    return line


def main(argv: list[str]) -> None:
    logging.getLogger("sacrebleu").setLevel(logging.ERROR)  # sentence_score's effective_order advice
    cases = [json.loads(line) for line in Path(argv[1]).read_text(encoding="utf-8").split("\n") if line]
    chunks = [json.loads(line) for line in Path(argv[2]).read_text(encoding="utf-8").split("\n") if line]
    start = time.monotonic()
    out: list[Json] = [{"case": i, "bleu_tokens": {}, "bleu_stats": {}, "bleu": {}} for i in range(len(cases))]

    scorers = {stem: rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=stem) for stem in (False, True)}
    # NLTK's stem() is a pure function of the word and most of ROUGE's time:
    # remember its answers.
    stemmer = scorers[True]._tokenizer._stemmer
    stemmer.stem = functools.lru_cache(maxsize=None)(stemmer.stem)
    pipelines, em_kwargs = gsm8k_task()
    texts: list[str] = []  # every prediction and non-null reference, for the filters
    for c in cases:
        texts += [c["prediction"], *[r for r in c["references"] if r is not None]]
    extracted = {name: iter(run_filters(p, texts)) for name, p in pipelines.items()}

    for i, c in enumerate(cases):
        row = out[i]
        hyp = c["prediction"]
        refs = [r for r in c["references"] if r is not None]
        row["rouge"] = {}
        for stem, sc in scorers.items():
            best = sc.score_multi(refs, hyp)
            row["rouge"]["stem" if stem else "plain"] = {
                "tokens": [" ".join(sc._tokenizer.tokenize(s)) for s in [hyp, *refs]],
                "scores": {t: [best[t].precision, best[t].recall, best[t].fmeasure] for t in ROUGE_TYPES},
            }
        ems = [bool(normalize_answer(hyp) == normalize_answer(r)) for r in refs]
        f1s = [squad_f1(hyp, r) for r in refs]
        row["squad"] = {"norm": [normalize_answer(s) for s in [hyp, *refs]], "em": ems, "f1": f1s,
                        # metric_max_over_ground_truths
                        "em_max": max(ems), "f1_max": max(f1s)}
        gsm: Json = {}
        for name in pipelines:
            got = [next(extracted[name]) for _ in range(1 + len(refs))]
            gsm[name] = got
            gsm[name + " normalized"] = [em_normalize(x, em_kwargs) for x in got]
            gsm[name + " exact_match"] = [
                float(exact_match_hf_evaluate(predictions=[got[0]], references=[r], **em_kwargs)["exact_match"])
                for r in refs]
        gsm["normalized"] = [em_normalize(x, em_kwargs) for x in [hyp, *refs]]
        row["gsm8k"] = gsm

    lines = [score_chunk(k, ch, cases, out) for k, ch in enumerate(chunks)]
    header = {"versions": {"python": sys.version.split()[0], "sacrebleu": sacrebleu.__version__,
                           "rouge_score": getattr(rouge_score, "__version__", "0.1.2"),
                           "lm_eval": getattr(lm_eval, "__version__", "?")},
              "seconds": time.monotonic() - start}
    with open(argv[3], "w", encoding="utf-8") as f:
        for obj in [header, *out, *lines]:
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv)
