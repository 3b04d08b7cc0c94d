"""Worker-protocol events: JSON Lines appended to $SWEEP_EVENTS."""

from __future__ import annotations

import json
import math
import os
import threading
import time
from datetime import datetime, timezone
from typing import Any, Optional


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _finite(x: Any) -> Any:
    """JSON has no NaN or infinity: such a number becomes null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


class EventWriter:
    """Appends one JSON object a line, each with a single write, so a reader
    never sees half of a line unless the process dies mid-write."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()
        self.done = False

    def emit(self, event: str, **fields: Any) -> None:
        rec = {"t": _now(), "event": event}
        rec.update({k: v for k, v in fields.items() if v is not None})
        line = (json.dumps(_finite(rec), allow_nan=False) + "\n").encode()
        with self._lock:
            if self.done:
                return  # nothing may follow `done`
            if event == "done":
                self.done = True
            os.write(self._fd, line)

    def close(self) -> None:
        os.close(self._fd)


class Heartbeat:
    """Emits `heartbeat` every `every` seconds from a daemon thread, so long
    silent work (loading a model, evaluation) is not taken for a hang."""

    def __init__(self, events: EventWriter, every: float = 5.0) -> None:
        self._events = events
        self._every = every
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def __enter__(self) -> "Heartbeat":
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._events.emit("heartbeat")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def monotonic() -> float:
    return time.perf_counter()
