"""Failure kinds the worker reports in `done failed` (error_kind): the
kinds of trainer.WorkerErrorKinds, which a Go test compares with the
assignments here."""

from __future__ import annotations

import torch

from .spec import SpecError

_OOM_TEXT = ("out of memory", "can't allocate memory", "cannot allocate memory", "not enough memory")

OOM = "oom"
# A spec, model directory or tokenizer the worker cannot act on: no
# config.json, an architecture the adapters cannot attach to, targets that
# match no module, a missing tokenizer, a wrong analytic count, a protocol
# version this worker does not speak. Another attempt fails the same way.
CONFIG = "config"


def kind(e: BaseException) -> str:
    """oom for any out-of-memory error (CUDA, the CPU allocator, Python),
    config for a SpecError; empty otherwise, so the runner classifies it by
    the exit."""
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)  # torch ≥ 1.13 on some builds, 2.x
    if isinstance(e, MemoryError) or (oom_type is not None and isinstance(e, oom_type)):
        return OOM
    if isinstance(e, RuntimeError) and any(t in str(e).lower() for t in _OOM_TEXT):
        return OOM
    if isinstance(e, SpecError):
        return CONFIG
    return ""
