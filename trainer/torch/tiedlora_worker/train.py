"""Fine-tuning: AdamW on the trained adapter tensors, cosine schedule with
warmup, global-norm clipping, gradient accumulation, loss on the answer
tokens only, validation loss with early stopping, and checkpoints from
which a resumed attempt continues exactly."""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import torch

from .adapters import Adapters
from .data import Sampler, Seq, batch
from .evaluate import mean_loss, token_loss
from .schedule import cosine
from .spec import HParams

Emit = Callable[..., None]
CHECKPOINT_FORMAT = 1


class Stopped(Exception):
    """The runner asked the worker to stop (SIGTERM or SIGINT)."""


@dataclass
class State:
    step: int = 0
    best: Optional[Dict[str, torch.Tensor]] = None  # trained tensors at the best validation loss
    best_loss: float = math.inf
    best_step: int = 0
    bad: int = 0  # evaluations since the best


def _seed(*parts: object) -> int:
    d = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(d[:8], "little") & ((1 << 63) - 1)


@dataclass
class Trainer:
    logits_of: Callable[[torch.Tensor], torch.Tensor]
    adapters: Adapters
    h: HParams
    seed: int
    pad: int
    device: torch.device
    autocast: Callable
    emit: Emit
    ckpt_dir: str
    stop: threading.Event

    def save(self, path: str, opt: torch.optim.Optimizer, st: State) -> None:
        named = dict(self.adapters.named_trainable())
        blob = {"format": CHECKPOINT_FORMAT, "step": st.step, "params": {n: p.detach().cpu() for n, p in named.items()},
                "optimizer": opt.state_dict(), "best": st.best, "best_loss": st.best_loss, "best_step": st.best_step,
                "bad": st.bad}
        tmp = path + ".tmp"
        torch.save(blob, tmp)
        os.replace(tmp, path)

    def load(self, path: str, opt: torch.optim.Optimizer) -> State:
        blob = torch.load(path, map_location="cpu")
        if not isinstance(blob, dict) or blob.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"{path}: not a checkpoint of this worker")
        named = dict(self.adapters.named_trainable())
        if set(blob["params"]) != set(named):
            raise ValueError(f"{path}: holds {sorted(blob['params'])}, this method trains {sorted(named)}")
        with torch.no_grad():
            for n, p in named.items():
                p.copy_(blob["params"][n])
        opt.load_state_dict(blob["optimizer"])
        return State(blob["step"], blob["best"], blob["best_loss"], blob["best_step"], blob["bad"])

    def fit(self, train: List[Seq], val: List[Seq], resume: str = "") -> int:
        """Trains; leaves the best tensors (by validation loss) in place and
        returns the last step taken."""
        h = self.h
        named = self.adapters.named_trainable()
        params = [p for _, p in named]
        if not params:
            raise ValueError("the method trains no tensor")
        opt = torch.optim.AdamW(params, lr=h.lr, weight_decay=h.weight_decay)
        st = self.load(resume, opt) if resume else State()
        smp = Sampler(len(train), h.batch_size, self.seed)
        loss_sum, loss_steps, tokens, norm = 0.0, 0, 0, 0.0
        tick = time.perf_counter()
        prev = ""
        step = st.step
        while step < h.steps:
            if self.stop.is_set():
                # Asked to stop (a user's Ctrl-C, or an early-stopping rule
                # pausing the trial): keep the steps since the last
                # checkpoint so that a resumed attempt loses nothing.
                if step > st.step:
                    prev = self._checkpoint(step, opt, st, prev)
                raise Stopped("stopped by a signal")
            step += 1
            micro = []
            for a in range(h.grad_accum):
                k = (step - 1) * h.grad_accum + a
                micro.append((k, batch([train[i] for i in smp.micro(k)], self.pad)))
            total = max(sum(int((t != -100).sum()) for _, (_, t) in micro), 1)
            opt.zero_grad(set_to_none=True)
            step_loss = 0.0
            self.adapters.train()
            for k, (ids, tgt) in micro:
                if h.dropout > 0:  # masks are a function of (seed, micro-batch): resume repeats them
                    torch.manual_seed(_seed("dropout", self.seed, k))
                with self.autocast():
                    logits = self.logits_of(ids.to(self.device))
                loss, _ = token_loss(logits, tgt.to(self.device))
                (loss / total).backward()
                step_loss += float(loss)
                tokens += ids.numel()
            self.adapters.eval()
            if h.grad_clip > 0:
                norm = float(torch.nn.utils.clip_grad_norm_(params, h.grad_clip))
            else:
                norm = float(torch.norm(torch.stack([p.grad.norm() for p in params if p.grad is not None])))
            lr = cosine(h.lr, step, h.warmup, h.steps)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.step()
            loss_sum += step_loss / total
            loss_steps += 1
            if step % h.log_every == 0 or step == h.steps:
                el = max(time.perf_counter() - tick, 1e-9)
                self.emit("metric", step=step, values={"loss": loss_sum / loss_steps, "lr": lr, "grad_norm": norm,
                                                       "tokens_per_s": tokens / el})
                loss_sum, loss_steps, tokens, tick = 0.0, 0, 0, time.perf_counter()
            stop = False
            if (h.eval_every > 0 and step % h.eval_every == 0) or step == h.steps:
                stop = self._evaluate(step, val, st)
            if (h.checkpoint_every > 0 and step % h.checkpoint_every == 0) or stop or step == h.steps:
                prev = self._checkpoint(step, opt, st, prev)
            if stop:
                break
        if st.best is not None:
            with torch.no_grad():
                for n, p in named:
                    p.copy_(st.best[n].to(p.device))
        return step

    def _checkpoint(self, step: int, opt: torch.optim.Optimizer, st: State, prev: str) -> str:
        """Saves the state after step, drops the previous checkpoint and returns the new path."""
        st.step = step
        os.makedirs(self.ckpt_dir, exist_ok=True)
        path = os.path.join(self.ckpt_dir, f"step-{step}.pt")
        self.save(path, opt, st)
        self.emit("checkpoint", step=step, path=path)
        if prev and prev != path and os.path.exists(prev):
            os.remove(prev)
        return path

    def _evaluate(self, step: int, val: List[Seq], st: State) -> bool:
        loss = mean_loss(self.logits_of, val, 2 * self.h.batch_size, self.pad, self.device, self.autocast)
        self.emit("eval", step=step, split="validation", values={"loss": loss})
        if loss < st.best_loss:
            st.best_loss, st.best_step, st.bad = loss, step, 0
            st.best = {n: p.detach().cpu().clone() for n, p in self.adapters.named_trainable()}
            return False
        st.bad += 1
        return self.h.patience > 0 and st.bad >= self.h.patience
