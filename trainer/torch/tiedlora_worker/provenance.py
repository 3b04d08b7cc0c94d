"""What the worker runs on, sent in its start event and stored with the
attempt: the Python, library and CUDA versions and the GPUs."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Dict

import torch


def _version(dist: str) -> str:
    """A distribution's version from its metadata, without importing it
    (transformers takes seconds to import); "" when it is not installed."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def provenance() -> Dict[str, str]:
    """python, torch, transformers and peft versions, and cuda and gpu when
    CUDA is available; keys whose value is unknown are left out."""
    p = {"python": platform.python_version(), "torch": torch.__version__,
         "transformers": _version("transformers"), "peft": _version("peft")}
    if torch.cuda.is_available():
        p["cuda"] = torch.version.cuda or ""
        p["gpu"] = ", ".join(sorted({torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())}))
    return {k: v for k, v in p.items() if v}
