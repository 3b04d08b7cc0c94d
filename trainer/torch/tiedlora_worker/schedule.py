"""The learning-rate schedule, as the Go trainer's optim.Cosine and
transformers' get_cosine_schedule_with_warmup."""

import math


def cosine(peak: float, step: int, warmup: int, steps: int) -> float:
    """The rate at step (1-based): linear warmup from 0 over warmup steps,
    then a half cosine down to 0 at the last step."""
    if warmup > 0 and step <= warmup:
        return peak * step / warmup
    if steps <= warmup:
        return peak
    progress = min((step - warmup) / (steps - warmup), 1.0)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))
