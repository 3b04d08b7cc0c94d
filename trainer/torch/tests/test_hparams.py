"""Defaults of the hyper-parameters a spec leaves out: the sweep loader's
for the torch worker (sweeps/hparams.go)."""

from __future__ import annotations

import unittest

from tiedlora_worker.spec import HParams


class TestHParamDefaults(unittest.TestCase):
    def test_warmup_scales_with_steps_and_patience_is_off(self) -> None:
        cases = [
            ({}, 100, 0),  # 1000 steps
            ({"steps": 80}, 8, 0),
            ({"steps": 9}, 0, 0),
            ({"steps": 80, "warmup": 30}, 30, 0),  # what the file gives wins
            ({"steps": 80, "patience": 3}, 8, 3),
        ]
        for given, warmup, patience in cases:
            with self.subTest(given=given):
                h = HParams.from_json(given)
                self.assertEqual((h.warmup, h.patience), (warmup, patience))
