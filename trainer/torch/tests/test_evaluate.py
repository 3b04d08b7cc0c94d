"""Which examples a split is evaluated on: eval_examples caps validation
only; the test split is always scored whole."""

from __future__ import annotations

import json
import os
import tempfile
import unittest
from typing import List
from unittest import mock

import torch

from helpers import read_events, spec
from tiedlora_worker import main as worker
from tiedlora_worker.data import Example
from tiedlora_worker.evaluate import eval_examples

torch.set_num_threads(1)


def examples(n: int) -> List[Example]:
    return [Example(f"e{i}", "p", " t", ["t"], [], 0) for i in range(n)]


class TestEvalExamples(unittest.TestCase):
    def test_cap_applies_to_validation_only(self) -> None:
        cases = [
            ("validation", 10, 3, 3),
            ("validation", 10, 0, 10),  # 0: all
            ("validation", 2, 5, 2),
            ("test", 10, 3, 10),
            ("test", 10, 0, 10),
        ]
        for split, n, cap, want in cases:
            got = eval_examples(split, examples(n), cap)
            self.assertEqual(len(got), want, f"{split}, {n} examples, cap {cap}: got {len(got)}, want {want}")
            self.assertEqual([e.id for e in got], [f"e{i}" for i in range(want)])

    def test_worker_scores_every_test_example(self) -> None:
        d = tempfile.mkdtemp(prefix="tiedlora-eval-test-")
        path = spec(d, hparams={"eval_examples": 2, "steps": 2, "eval_every": 2, "checkpoint_every": 0})
        events = os.path.join(d, "events.jsonl")
        with mock.patch.dict(os.environ, {"SWEEP_EVENTS": events}):
            rc = worker.main(["--spec", path])
        ev = read_events(events)
        self.assertEqual(rc, 0, ev[-1])
        lines = {}
        for e in ev:
            if e["event"] == "predictions":
                with open(e["path"], encoding="utf-8") as f:
                    lines[e["split"]] = [json.loads(l)["id"] for l in f]
        self.assertEqual(lines["validation"], ["validation-0", "validation-1"])
        self.assertEqual(lines["test"], [f"test-{i}" for i in range(4)])


if __name__ == "__main__":
    unittest.main()
