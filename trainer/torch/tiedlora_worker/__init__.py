"""The PyTorch training worker of tiedlora-sweep.

Started by the runner as ``python -m tiedlora_worker --spec spec.json``; it
speaks the worker protocol of DESIGN.md (contract 1) like the built-in Go
trainer, so a sweep switches between them with ``worker: torch``.
"""

PROTOCOL = 1
