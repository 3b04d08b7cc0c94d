"""Export to PEFT (tiedlora_worker.export): a trial's adapters, written as a
standard LoRA adapter, load with PeftModel.from_pretrained onto the base
and give our model's logits, for LoRA, TL5, TL6, TL7 and VeRA on a tiny
random transformers LLaMA (grouped-query), and TL6 on a tiny GPT-2 (fused
Conv1D c_attn). Each case prints the largest
difference it measured (pytest -s).

    python tests/test_export.py fixture DIR

writes a tiny LLaMA to DIR/model and an attempt (DIR/attempt/spec.json and
checkpoints/step-3.pt, TL6 with random non-zero tensors) for the Go test of
`sweep export`; it prints DIR/attempt/expected.pt's path, our logits on ids
0…11."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest
from typing import Dict, List, Tuple

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from helpers import catalogue  # noqa: E402
from tiedlora_worker import adapters as adp  # noqa: E402
from tiedlora_worker import export as ex  # noqa: E402
from tiedlora_worker.spec import load_spec  # noqa: E402
from tiedlora_worker.train import CHECKPOINT_FORMAT  # noqa: E402

torch.set_num_threads(1)

HAVE_PEFT = all(importlib.util.find_spec(m) is not None for m in ("transformers", "peft"))
SKIP = "transformers and peft are not installed for this python"
TOL = 1e-5  # max |ours − PEFT's| / max |ours| over the logits
ARCH = {"name": "tiny-llama", "vocab": 128, "hidden": 64, "layers": 4, "heads": 4, "kv_heads": 2, "ffn": 128,
        "mlp": "swiglu", "norm": "rmsnorm", "positions": "rope"}
IDS = torch.arange(12).reshape(1, 12)
GPT2_ARCH = {"name": "tiny-gpt2", "vocab": 128, "hidden": 64, "layers": 2, "heads": 4, "kv_heads": 4, "ffn": 256,
             "context": 64, "mlp": "gelu", "norm": "layernorm", "positions": "learned", "bias": True,
             "tied_embeddings": True}


def save_tiny_llama(directory: str) -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=4,
                      num_key_value_heads=2)
    LlamaForCausalLM(cfg).save_pretrained(directory)


def write_attempt(directory: str, model: str, method: str, rank: int, targets: List[str], seed: int = 11,
                  arch: Dict[str, object] = ARCH) -> Tuple[str, Dict[str, torch.Tensor]]:
    """spec.json and a checkpoint in the worker's format whose trained
    tensors are random and non-zero (B too, so ΔW ≠ 0); returns the spec's
    path and the tensors."""
    os.makedirs(os.path.join(directory, "checkpoints"), exist_ok=True)
    spec = {"protocol": 1, "sweep": "test", "trial": f"trial-{method}", "attempt": 1,
            "task": {"name": "arith", "metric": "exact_match"}, "method": catalogue()[method], "rank": rank,
            "seed": seed, "model": {"path": model, "arch": arch}, "targets": targets, "hparams": {},
            "attempt_dir": directory}
    path = os.path.join(directory, "spec.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(spec, f)
    s = load_spec(path)
    ad = adp.Adapters()
    for t in targets:
        din, dout = s.arch.target_shape(t)
        ad.sets[t] = adp.AdapterSet(s.method, rank, din, dout, s.arch.layers, seed, t)
    g = torch.Generator().manual_seed(seed + 1)
    params = {n: torch.randn(p.shape, generator=g) * 0.3 + 0.05 for n, p in ad.named_trainable()}
    best = {n: t * 0.5 for n, t in params.items()}  # best ≠ last, so the choice between them is tested
    torch.save({"format": CHECKPOINT_FORMAT, "step": 3, "params": params, "optimizer": {}, "best": best,
                "best_loss": 1.0, "best_step": 2, "bad": 0}, os.path.join(directory, "checkpoints", "step-3.pt"))
    return path, best


def our_logits(spec_path: str, tensors: Dict[str, torch.Tensor]) -> torch.Tensor:
    """The worker's model: the base from its directory plus our adapters
    (attach) holding the given tensors."""
    from transformers import AutoModelForCausalLM

    s = load_spec(spec_path)
    m = AutoModelForCausalLM.from_pretrained(s.model_path).float().eval()
    ad = adp.attach(m, s.arch, s.method, s.rank, s.targets, s.seed)
    with torch.no_grad():
        for n, p in ad.named_trainable():
            p.copy_(tensors[n])
        return m(input_ids=IDS, use_cache=False).logits


def peft_logits(model: str, out: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """PEFT's logits with the exported adapter, and the base's without it."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(model).float().eval()
    with torch.no_grad():
        plain = base(input_ids=IDS, use_cache=False).logits
        pm = PeftModel.from_pretrained(base, out).eval()
        return pm(input_ids=IDS, use_cache=False).logits, plain


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max())


@unittest.skipUnless(HAVE_PEFT, SKIP)
class TestExport(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory()
        cls.model = os.path.join(cls.tmp.name, "model")
        save_tiny_llama(cls.model)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def check(self, method: str, targets: List[str], rank: int = 4) -> Dict[str, object]:
        name = f"{method}-{'-'.join(targets)}"
        d = os.path.join(self.tmp.name, name)
        spec, best = write_attempt(d, self.model, method, rank, targets)
        out = os.path.join(d, "peft")
        self.assertEqual(ex.main(["--spec", spec, "--out", out]), 0)
        with open(os.path.join(out, "adapter_config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        ours = our_logits(spec, best)
        theirs, plain = peft_logits(self.model, out)
        diff = rel(theirs, ours)
        moved = rel(ours, plain)
        print(f"\nexport {method} on {targets}, rank {rank}: PEFT's logits vs ours {diff:.2e} "
              f"(the adapter moves them by {moved:.2e}); target_modules {cfg['target_modules']}")
        self.assertGreater(moved, 1e-2, f"{name}: the adapter changes the logits by {moved:.2e} only: the test means nothing")
        self.assertLessEqual(diff, TOL, f"{name}: PEFT's logits differ from ours by {diff:.2e}, want ≤ {TOL}")
        self.assertEqual((cfg["peft_type"], cfg["r"], cfg["lora_alpha"]), ("LORA", rank, rank))
        return cfg

    def test_lora(self) -> None:
        self.check("lora", ["qkv"])

    def test_tl5(self) -> None:
        self.check("tl5", ["qkv"])

    def test_tl6(self) -> None:
        cfg = self.check("tl6", ["qkv"])
        self.assertEqual(cfg["target_modules"], ["k_proj", "q_proj", "v_proj"])

    def test_tl7(self) -> None:
        self.check("tl7", ["qkv"])

    def test_vera(self) -> None:  # frozen random A, B regenerated from the seed
        self.check("vera", ["qkv", "down"])

    def test_tl6_many_targets(self) -> None:
        self.check("tl6", ["q", "k", "v", "o", "gate", "up", "down"])

    def test_overlapping_targets_sum_in_one_module(self) -> None:
        """qkv and q both add to q_proj: its LoRA holds both, rank 2r."""
        cfg = self.check("tl6", ["qkv", "q"])
        want = {f"model.layers.{l}.self_attn.q_proj": 8 for l in range(4)}
        self.assertEqual(cfg["rank_pattern"], want)
        self.assertEqual(cfg["alpha_pattern"], want)

    def test_exported_size(self) -> None:
        """TL6 on qkv: per layer, q, k and v each hold a copy of A (r × d)
        and their rows of B: L·r·(3d + d + 2·kv) values."""
        d = os.path.join(self.tmp.name, "size")
        spec, _ = write_attempt(d, self.model, "tl6", 4, ["qkv"])
        res = ex.export(load_spec(spec), os.path.join(d, "checkpoints", "step-3.pt"), os.path.join(d, "peft"))
        want = 4 * 4 * (3 * 64 + 64 + 2 * 32)
        self.assertEqual(res["params"], want, f"got {res['params']} exported values, want {want}")
        self.assertEqual(res["modules"], 12)

    def test_last_tensors(self) -> None:
        d = os.path.join(self.tmp.name, "last")
        spec, best = write_attempt(d, self.model, "tl5", 4, ["qkv"])
        out = os.path.join(d, "peft")
        self.assertEqual(ex.main(["--spec", spec, "--out", out, "--tensors", "last"]), 0)
        last = {n: t * 2 for n, t in best.items()}  # write_attempt's best is half of last
        diff = rel(peft_logits(self.model, out)[0], our_logits(spec, last))
        self.assertLessEqual(diff, TOL, f"--tensors last: got a difference of {diff:.2e}, want ≤ {TOL}")

    def test_builtin_model_is_refused(self) -> None:
        d = os.path.join(self.tmp.name, "builtin")
        spec, _ = write_attempt(d, "", "tl6", 4, ["qkv"])
        with self.assertRaises(ex.SpecError) as e:
            ex.export(load_spec(spec), os.path.join(d, "checkpoints", "step-3.pt"), os.path.join(d, "peft"))
        self.assertIn("export to PEFT needs a Hugging Face model", str(e.exception))
        self.assertIn("the built-in model", str(e.exception))

    def test_checkpoint_of_another_method_is_refused(self) -> None:
        d = os.path.join(self.tmp.name, "mismatch")
        spec, _ = write_attempt(d, self.model, "tl6", 4, ["qkv"])
        with open(spec, encoding="utf-8") as f:
            raw = json.load(f)
        raw["method"] = catalogue()["lora"]
        with open(spec, "w", encoding="utf-8") as f:
            json.dump(raw, f)
        with self.assertRaises(ex.SpecError) as e:
            ex.export(load_spec(spec), os.path.join(d, "checkpoints", "step-3.pt"), os.path.join(d, "peft"))
        self.assertIn("the checkpoint holds", str(e.exception))

    def test_command_line(self) -> None:
        d = os.path.join(self.tmp.name, "cli")
        spec, _ = write_attempt(d, self.model, "tl5", 2, ["qkv"])
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
        p = subprocess.run([sys.executable, "-m", "tiedlora_worker.export", "--spec", spec, "--out",
                            os.path.join(d, "peft")], capture_output=True, text=True, env=env, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        res = json.loads(p.stdout)
        self.assertEqual((res["modules"], res["rank"]), (12, 2))
        self.assertTrue(res["checkpoint"].endswith("step-3.pt"), res["checkpoint"])


@unittest.skipUnless(HAVE_PEFT, SKIP)
class TestExportGPT2(unittest.TestCase):
    """GPT-2's fused c_attn (a Conv1D): q and v both add to it, so its LoRA
    holds both side by side (rank 2r, zero rows where a target does not
    write), and fan_in_fan_out is set for PEFT's Conv1D."""

    def test_gpt2_fused_attention(self) -> None:
        from transformers import GPT2Config, GPT2LMHeadModel

        with tempfile.TemporaryDirectory() as tmp:
            model = os.path.join(tmp, "model")
            torch.manual_seed(0)
            GPT2LMHeadModel(GPT2Config(vocab_size=128, n_embd=64, n_layer=2, n_head=4, n_positions=64)).save_pretrained(model)
            spec, best = write_attempt(os.path.join(tmp, "a"), model, "tl6", 4, ["q", "v", "o"], arch=GPT2_ARCH)
            out = os.path.join(tmp, "peft")
            res = ex.export(load_spec(spec), os.path.join(tmp, "a", "checkpoints", "step-3.pt"), out)
            with open(os.path.join(out, "adapter_config.json"), encoding="utf-8") as f:
                cfg = json.load(f)
            ours = our_logits(spec, best)
            theirs, plain = peft_logits(model, out)
            diff, moved = rel(theirs, ours), rel(ours, plain)
            print(f"\nexport tl6 on GPT-2 ['q', 'v', 'o'], rank 4: PEFT's logits vs ours {diff:.2e} "
                  f"(the adapter moves them by {moved:.2e})")
            self.assertGreater(moved, 1e-2, f"the adapter changes the logits by {moved:.2e} only")
            self.assertLessEqual(diff, TOL, f"PEFT's logits differ from ours by {diff:.2e}, want ≤ {TOL}")
            self.assertTrue(cfg["fan_in_fan_out"])
            # c_proj names both attn.c_proj (o, adapted) and mlp.c_proj (not): full paths, not suffixes.
            want = sorted([f"transformer.h.{l}.attn.c_attn" for l in range(2)] +
                          [f"transformer.h.{l}.attn.c_proj" for l in range(2)])
            self.assertEqual(cfg["target_modules"], want)
            self.assertEqual(cfg["rank_pattern"], {f"transformer.h.{l}.attn.c_attn": 8 for l in range(2)})
            self.assertEqual(res["modules"], 4)


def fixture(directory: str) -> str:
    """For the Go test of `sweep export`; see the module's docstring."""
    model = os.path.join(directory, "model")
    save_tiny_llama(model)
    attempt = os.path.join(directory, "attempt")
    spec, best = write_attempt(attempt, model, "tl6", 4, ["qkv"])
    path = os.path.join(attempt, "expected.pt")
    torch.save(our_logits(spec, best), path)
    return path


def compare(out: str, model: str, expected: str) -> float:
    """PEFT's logits with the adapter in out against the saved ones."""
    return rel(peft_logits(model, out)[0], torch.load(expected))


if __name__ == "__main__":
    if sys.argv[1:2] == ["fixture"]:
        print(fixture(sys.argv[2]))
    elif sys.argv[1:2] == ["compare"]:
        print(f"{compare(sys.argv[2], sys.argv[3], sys.argv[4]):.3e}")
    else:
        unittest.main()
