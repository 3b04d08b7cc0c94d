"""The worker end to end: events, predictions, checkpoints and resume,
failures (done failed, out of memory), and the command line."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

import torch

from helpers import read_events, spec
from tiedlora_worker import main as worker
from tiedlora_worker import train
from tiedlora_worker.tokenizer import ByteBPE

torch.set_num_threads(1)
PKG_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(spec_path: str):
    events = os.path.join(os.path.dirname(spec_path), "events.jsonl")
    with mock.patch.dict(os.environ, {"SWEEP_EVENTS": events}):
        rc = worker.main(["--spec", spec_path])
    return rc, read_events(events)


class TestWorker(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="tiedlora-worker-test-")

    def test_generate_task_events_and_predictions(self) -> None:
        rc, ev = run(spec(self.dir))
        kinds = [e["event"] for e in ev if e["event"] != "heartbeat"]
        self.assertEqual(rc, 0, ev[-1])
        self.assertEqual(kinds[0], "start")
        self.assertEqual(ev[-1], {**ev[-1], "event": "done", "status": "ok"})
        for k in ("params", "metric", "eval", "checkpoint", "predictions"):
            self.assertIn(k, kinds)
        preds = [e for e in ev if e["event"] == "predictions"]
        self.assertEqual([p["split"] for p in preds], ["validation", "test"])
        with open(preds[1]["path"], encoding="utf-8") as f:
            lines = [json.loads(l) for l in f]
        self.assertEqual([l["id"] for l in lines], [f"test-{i}" for i in range(4)])
        self.assertTrue(all(isinstance(l["prediction"], str) for l in lines))
        ckpts = [e for e in ev if e["event"] == "checkpoint"]
        self.assertEqual([c["step"] for c in ckpts], [3, 6])
        self.assertFalse(os.path.exists(ckpts[0]["path"]), "the older checkpoint is removed")
        self.assertTrue(os.path.exists(ckpts[1]["path"]))

    def test_choice_task_writes_logprobs(self) -> None:
        rc, ev = run(spec(self.dir, method="lora", mode="choice"))
        self.assertEqual(rc, 0, ev[-1])
        path = [e for e in ev if e["event"] == "predictions"][0]["path"]
        with open(path, encoding="utf-8") as f:
            first = json.loads(f.readline())
        self.assertEqual(len(first["choice_logprobs"]), 3)
        self.assertTrue(all(x < 0 for x in first["choice_logprobs"]))

    def test_training_lowers_the_loss(self) -> None:
        rc, ev = run(spec(self.dir, hparams={"steps": 30, "eval_every": 30, "checkpoint_every": 30, "lr": 2e-2}))
        self.assertEqual(rc, 0, ev[-1])
        losses = [e["values"]["loss"] for e in ev if e["event"] == "metric"]
        self.assertLess(sum(losses[-5:]) / 5, sum(losses[:5]) / 5)

    def test_resume_gives_the_same_final_loss(self) -> None:
        straight = os.path.join(self.dir, "straight")
        rc, ev = run(spec(straight))
        self.assertEqual(rc, 0, ev[-1])
        want = [e for e in ev if e["event"] == "metric"][-1]

        # attempt 1 stops after its step-3 checkpoint, as a killed attempt would
        first = os.path.join(self.dir, "first")
        real_emit = worker.EventWriter.emit

        def emit_then_stop(self_, event, **fields):
            real_emit(self_, event, **fields)
            if event == "checkpoint" and fields["step"] == 3:
                raise train.Stopped("killed")

        with mock.patch.object(worker.EventWriter, "emit", emit_then_stop):
            rc, ev1 = run(spec(first))
        self.assertEqual(rc, 1)
        ckpt = [e for e in ev1 if e["event"] == "checkpoint"][-1]["path"]

        second = os.path.join(self.dir, "second")
        rc, ev2 = run(spec(second, resume_from=ckpt))
        self.assertEqual(rc, 0, ev2[-1])
        metrics = [e for e in ev2 if e["event"] == "metric"]
        self.assertEqual(metrics[0]["step"], 4, "the resumed attempt continues after the checkpoint")
        self.assertEqual(metrics[-1]["step"], want["step"])
        self.assertAlmostEqual(metrics[-1]["values"]["loss"], want["values"]["loss"], places=6)

    def test_sigterm_checkpoints_the_step_reached(self) -> None:
        """SIGTERM between checkpoints (the runner pausing a trial for early
        stopping) saves the step reached, and resuming from it loses nothing."""
        straight = os.path.join(self.dir, "straight")
        rc, ev = run(spec(straight))
        self.assertEqual(rc, 0, ev[-1])
        want = [e for e in ev if e["event"] == "metric"][-1]

        stopped = os.path.join(self.dir, "stopped")
        real_emit = worker.EventWriter.emit

        def emit_then_signal(self_, event, **fields):
            real_emit(self_, event, **fields)
            if event == "metric" and fields["step"] == 4:
                os.kill(os.getpid(), signal.SIGTERM)

        handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            with mock.patch.object(worker.EventWriter, "emit", emit_then_signal):
                rc, ev1 = run(spec(stopped))
        finally:
            for s, h in handlers.items():
                signal.signal(s, h)
        self.assertEqual(rc, 1)
        ckpt = [e for e in ev1 if e["event"] == "checkpoint"][-1]
        self.assertEqual(ckpt["step"], 4, "the checkpoint is at the step reached, not the last periodic one (3)")

        resumed = os.path.join(self.dir, "resumed")
        rc, ev2 = run(spec(resumed, resume_from=ckpt["path"]))
        self.assertEqual(rc, 0, ev2[-1])
        metrics = [e for e in ev2 if e["event"] == "metric"]
        self.assertEqual(metrics[0]["step"], 5)
        self.assertAlmostEqual(metrics[-1]["values"]["loss"], want["values"]["loss"], places=6)

    def test_exception_ends_with_done_failed(self) -> None:
        rc, ev = run(spec(self.dir, hparams={"lr": -1.0, "bogus": 1}))
        self.assertEqual(rc, 1)
        self.assertEqual(ev[-1]["event"], "done")
        self.assertEqual(ev[-1]["status"], "failed")
        self.assertIn("lr must be positive", ev[-1]["error"])
        self.assertIn("unknown hparam 'bogus'", ev[-1]["error"])
        self.assertEqual(ev[-1].get("error_kind"), "config", "a spec the worker cannot act on")

    def test_start_says_protocol_and_provenance(self) -> None:
        rc, ev = run(spec(self.dir, hparams={"steps": 1}))
        self.assertEqual(rc, 0, ev[-1])
        start = ev[0]
        self.assertEqual((start["event"], start["protocol"]), ("start", 1))
        for key in ("python", "torch", "transformers", "peft"):
            installed = key in ("python", "torch") or importlib.util.find_spec(key) is not None
            self.assertEqual(bool(start["worker"].get(key)), installed, f"{key} in {start['worker']}")
        self.assertEqual("cuda" in start["worker"], torch.cuda.is_available())

    def test_other_protocol_is_refused(self) -> None:
        rc, ev = run(spec(self.dir, protocol=2))
        self.assertEqual(rc, 1)
        self.assertEqual((ev[-1]["event"], ev[-1]["status"], ev[-1].get("error_kind")), ("done", "failed", "config"))
        self.assertIn("protocol 2; this worker speaks 1", ev[-1]["error"])

    def test_out_of_memory_is_reported_as_oom(self) -> None:
        errors = [RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB"), MemoryError(),
                  RuntimeError("[enforce fail at alloc_cpu.cpp:75] DefaultCPUAllocator: can't allocate memory")]
        if hasattr(torch.cuda, "OutOfMemoryError"):
            errors.append(torch.cuda.OutOfMemoryError("CUDA error"))
        for i, err in enumerate(errors):
            with self.subTest(error=repr(err)):
                with mock.patch.object(train.Trainer, "fit", side_effect=err):
                    rc, ev = run(spec(os.path.join(self.dir, str(i))))
                self.assertEqual(rc, 1)
                self.assertEqual((ev[-1]["status"], ev[-1].get("error_kind")), ("failed", "oom"))

    def test_params_mismatch_fails(self) -> None:
        rc, ev = run(spec(self.dir, params={"trainable": 1, "by_component": {"A": 1}}))
        self.assertEqual(rc, 1)
        self.assertIn("differs from the analytic count", ev[-1]["error"])

    def test_command_line(self) -> None:
        path = spec(self.dir, method="lora", hparams={"steps": 2})
        env = dict(os.environ, PYTHONPATH=PKG_ROOT, SWEEP_EVENTS=os.path.join(self.dir, "events.jsonl"),
                   OMP_NUM_THREADS="1")
        p = subprocess.run([sys.executable, "-m", "tiedlora_worker", "--spec", path], env=env, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        ev = read_events(os.path.join(self.dir, "events.jsonl"))
        self.assertEqual((ev[0]["event"], ev[-1]["event"], ev[-1]["status"]), ("start", "done", "ok"))


class TestTokenizer(unittest.TestCase):
    def test_bpe_round_trip_and_merges(self) -> None:
        tok = ByteBPE([(ord("t"), ord("h")), (257, ord("e"))])
        text = "the thesis — thé 42\n\tok"
        ids = tok.encode(text)
        self.assertIn(258, ids)  # "the" merged
        self.assertEqual(tok.decode(ids), text)
        self.assertEqual(ByteBPE().encode("ab"), [97, 98])


if __name__ == "__main__":
    unittest.main()


class TestReferenceWorker(unittest.TestCase):
    def test_base_takes_no_step_and_is_evaluated(self) -> None:
        d = tempfile.mkdtemp(prefix="tiedlora-worker-test-")
        rc, ev = run(spec(d, method="base"))
        self.assertEqual(rc, 0, ev[-1])
        kinds = [e["event"] for e in ev if e["event"] != "heartbeat"]
        self.assertNotIn("metric", kinds)
        self.assertNotIn("checkpoint", kinds)
        params = [e for e in ev if e["event"] == "params"][0]
        self.assertEqual(params["trainable"], 0)
        preds = [e for e in ev if e["event"] == "predictions"]
        self.assertEqual([(p["split"], p["step"]) for p in preds], [("validation", 0), ("test", 0)])
        self.assertEqual([e["step"] for e in ev if e["event"] == "eval"], [0, 0])
        self.assertEqual(ev[-1], {**ev[-1], "event": "done", "status": "ok"})
