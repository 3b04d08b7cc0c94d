"""The worker's entry point: python -m tiedlora_worker --spec spec.json."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
import threading
import traceback
from typing import List, Optional

import torch

from . import PROTOCOL
from . import adapters as adp
from . import loading
from .data import SPLITS, encode, load_examples
from .evaluate import choice_logprobs, eval_examples, generate, mean_loss, write_predictions
from .events import EventWriter, Heartbeat
from .provenance import provenance
from .spec import Spec, SpecError, load_spec
from .errors import kind as error_kind
from .train import Trainer

HEARTBEAT_EVERY = 5.0


def devices() -> List[str]:
    if torch.cuda.is_available():
        return [f"cuda:{i} {torch.cuda.get_device_name(i)}" for i in range(torch.cuda.device_count())]
    return ["cpu"]


def check_params(spec: Spec, got: dict, exact_total: bool) -> None:
    """The count from the tensors must equal the analytic one (trainer.CountParams)."""
    want = spec.expected
    if not want:
        return
    keys = ["trainable", "by_component"]
    wanted = {"trainable": want.get("trainable"), "by_component": {c: want.get("by_component", {}).get(c, 0) for c in "ABuv"}}
    if exact_total:  # other HF models may hold tensors the arch does not describe (biases, extra norms)
        keys.append("total")
        wanted["total"] = want.get("base_params", 0) + want.get("trainable", 0) + want.get("frozen_adapter", 0)
    bad = [f"{k} {got[k]} (want {wanted[k]})" for k in keys if got[k] != wanted[k]]
    if bad:
        raise SpecError("parameter count differs from the analytic count: " + ", ".join(bad))


def run(spec: Spec, emit, stop: threading.Event, examples_dir: str = "") -> None:
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    bf16 = cuda and torch.cuda.is_bf16_supported()
    dtype = torch.bfloat16 if bf16 else torch.float32
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    model, tok, kind = loading.load(spec, device, dtype)
    model.eval()  # the base runs without dropout; the adapters switch their own
    h = spec.hparams
    ad = adp.attach(model, spec.arch, spec.method, spec.rank, spec.targets, spec.seed, h.dropout)
    counts = adp.count(model, ad)
    emit("params", **counts)
    check_params(spec, counts, loading.total_is_exact(model, kind))

    data = load_examples(examples_dir or os.path.join(spec.attempt_dir, "examples"))
    max_len = h.max_seq_len
    if spec.arch.context > 0 and (kind == "hf" or spec.arch.positions == "learned"):
        max_len = min(max_len, spec.arch.context)  # learned positions end there; RoPE models were trained to it

    def enc(exs):
        return [encode(tok, e.prompt, e.target, max_len) for e in exs]

    def logits_of(ids: torch.Tensor) -> torch.Tensor:
        return loading.logits_of(model, kind, ids)

    train = enc(data["train"])
    tr = Trainer(logits_of, ad, h, spec.seed, tok.pad_id, device, autocast, emit,
                 os.path.join(spec.attempt_dir, "checkpoints"), stop)
    # A reference method trains nothing: no optimizer step, no checkpoint;
    # it is evaluated at step 0 as the base model it is.
    val = eval_examples("validation", data["validation"], h.eval_examples)
    step = 0 if spec.method.reference else tr.fit(train, enc(val), spec.resume_from)

    max_new = h.max_new_tokens or max((len(s.answer) for s in train), default=16) + 4
    for split in SPLITS[1:]:
        exs = eval_examples(split, data.get(split) or [], h.eval_examples)
        if not exs:
            continue
        if stop.is_set():
            raise KeyboardInterrupt("stopped by a signal")
        loss = mean_loss(logits_of, enc(exs), 2 * h.batch_size, tok.pad_id, device, autocast)
        path = os.path.join(spec.attempt_dir, f"predictions-{split}-{step}.jsonl")
        if spec.mode == "choice":
            lps = choice_logprobs(logits_of, tok, exs, max_len, tok.pad_id, device, autocast)
            write_predictions(path, exs, None, lps)
        else:
            preds = generate(model, kind, tok, [e.prompt for e in exs], max_len, max_new, device, autocast,
                             beat=lambda: emit("heartbeat"))
            write_predictions(path, exs, preds, None)
        emit("eval", step=step, split=split, values={"loss": loss})
        emit("predictions", step=step, split=split, path=path)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tiedlora_worker", description=__doc__)
    ap.add_argument("--spec", default=os.environ.get("SWEEP_SPEC"), help="spec.json (default $SWEEP_SPEC)")
    ap.add_argument("--events", default=os.environ.get("SWEEP_EVENTS"), help="events file (default $SWEEP_EVENTS)")
    ap.add_argument("--examples", default="", help="directory of <split>.jsonl examples (default <attempt_dir>/examples)")
    args = ap.parse_args(argv)
    if not args.spec:
        ap.error("--spec is required (or $SWEEP_SPEC)")
    events = EventWriter(args.events or os.path.join(os.path.dirname(os.path.abspath(args.spec)), "events.jsonl"))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # python: the interpreter, so that `sweep export` runs the one that
    # trained; protocol: the version this worker speaks, which the runner
    # checks against the spec's; worker: what it runs on.
    events.emit("start", pid=os.getpid(), host=socket.gethostname(), devices=devices(), python=sys.executable,
                protocol=PROTOCOL, worker=provenance())
    try:
        if os.environ.get("OMP_NUM_THREADS"):
            torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        spec = load_spec(args.spec)
        with Heartbeat(events, HEARTBEAT_EVERY):
            run(spec, events.emit, stop, args.examples)
    except BaseException as e:  # every failure ends with `done failed`
        traceback.print_exc()
        events.emit("done", status="failed", error=f"{type(e).__name__}: {e}", error_kind=error_kind(e) or None)
        return 1
    events.emit("done", status="ok")
    return 0
