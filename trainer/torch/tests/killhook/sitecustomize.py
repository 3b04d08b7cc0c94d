"""A test hook, imported at interpreter start when this directory is on
PYTHONPATH (hf_test.go puts it there through the sweep's worker.env): the
first worker that writes a `checkpoint` event while the file named by
$TIEDLORA_KILL_AFTER_CHECKPOINT does not exist creates that file and
SIGKILLs itself, as an attempt killed mid-run would end. Later attempts
find the file and run undisturbed, so the runner's retry resumes from the
checkpoint."""

from __future__ import annotations

import os
import signal

_MARK = os.environ.get("TIEDLORA_KILL_AFTER_CHECKPOINT", "")

if _MARK:
    from tiedlora_worker import events as _events

    _emit = _events.EventWriter.emit

    def _emit_then_die(self: _events.EventWriter, event: str, **fields: object) -> None:
        _emit(self, event, **fields)
        if event == "checkpoint" and not os.path.exists(_MARK):
            with open(_MARK, "w", encoding="utf-8") as f:
                f.write(f"{fields.get('step')}\n")
            os.kill(os.getpid(), signal.SIGKILL)

    _events.EventWriter.emit = _emit_then_die  # type: ignore[method-assign]
