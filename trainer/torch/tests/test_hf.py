"""The worker on real transformers models, built offline by make_tiny_hf:
a LLaMA with grouped-query attention (separate q, k, v projections) and a
GPT-2 (Conv1D projections, fused c_attn). The adapters' update against
METHODS.md's formula module by module, the zero start, the counts, frozen
parts without gradients, the worker end to end with resume, and the
errors for directories and models the worker cannot use."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
import unittest
from typing import Any, Dict, List, Tuple
from unittest import mock

import torch

from helpers import adapter_methods, catalogue, read_events, spec
from make_tiny_hf import arch_of, make
from test_adapters import randomise, reference_delta
from tiedlora_worker import adapters as adp
from tiedlora_worker import main as worker
from tiedlora_worker import train
from tiedlora_worker.spec import COMPONENTS, Arch, Method, SpecError

torch.set_num_threads(1)
HAS_TRANSFORMERS = importlib.util.find_spec("transformers") is not None

TARGETS = {"llama": ["qkv", "o", "gate", "up", "down"], "gpt2": ["qkv", "o", "up", "down"]}


def modules(kind: str, a: Arch) -> Dict[str, List[Tuple[str, int, int]]]:
    """Written out by hand from transformers' module names: for each target,
    the modules of a layer its adapter adds to and the rows of the adapter's
    output each takes (qkv on LLaMA: q, then k, then v, K and V kv wide)."""
    d, kv, f = a.hidden, a.kv_dim, a.ffn
    if kind == "llama":
        return {"qkv": [("self_attn.q_proj", 0, d), ("self_attn.k_proj", d, d + kv), ("self_attn.v_proj", d + kv, d + 2 * kv)],
                "o": [("self_attn.o_proj", 0, d)], "gate": [("mlp.gate_proj", 0, f)], "up": [("mlp.up_proj", 0, f)],
                "down": [("mlp.down_proj", 0, d)]}
    return {"qkv": [("attn.c_attn", 0, 3 * d)], "o": [("attn.c_proj", 0, d)], "up": [("mlp.c_fc", 0, f)],
            "down": [("mlp.c_proj", 0, d)]}


def arch_of_config(kind: str, cfg: Any) -> Dict[str, Any]:
    """arch_of for a config that is not on disk."""
    d = tempfile.mkdtemp(prefix="tiedlora-hf-config-")
    try:
        cfg.save_pretrained(d)
        return arch_of(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def layers(kind: str, model: torch.nn.Module) -> List[torch.nn.Module]:
    return list(model.model.layers if kind == "llama" else model.transformer.h)


def analytic(a: Arch, m: Method, rank: int, targets: List[str]) -> Tuple[Dict[str, int], int]:
    """METHODS.md's count per target: A r·d_in, B d_out·r, u r, v d_out, once
    when tied, per layer otherwise. (trainable by component, frozen A/B.)"""
    by = {c: 0 for c in COMPONENTS}
    frozen = 0
    for t in targets:
        din, dout = a.target_shape(t)
        size = {"A": rank * din, "B": dout * rank, "u": rank, "v": dout}
        for c in COMPONENTS:
            comp = m.component(c)
            n = size[c] * (1 if comp.tied else a.layers)
            if comp.train:
                by[c] += n
            elif c in "AB":
                frozen += n
    return by, frozen


@unittest.skipUnless(HAS_TRANSFORMERS, "transformers is not installed for this python")
class HFCase(unittest.TestCase):
    root = ""

    @classmethod
    def setUpClass(cls) -> None:
        cls.root = tempfile.mkdtemp(prefix="tiedlora-hf-test-")
        for kind in ("llama", "gpt2"):
            make(kind, os.path.join(cls.root, kind))

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.root, ignore_errors=True)

    def load(self, kind: str) -> Tuple[torch.nn.Module, Arch]:
        from transformers import AutoModelForCausalLM

        path = os.path.join(self.root, kind)
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True).eval()
        return model, Arch.from_json(arch_of(path))


class TestHFAdapters(HFCase):
    def test_update_matches_formula_module_by_module(self) -> None:
        for kind in ("llama", "gpt2"):
            for name, mj in adapter_methods().items():
                with self.subTest(model=kind, method=name):
                    model, a = self.load(kind)
                    table = modules(kind, a)
                    base = [{p: l.get_submodule(p) for p, *_ in sum(table.values(), [])} for l in layers(kind, model)]
                    ad = adp.attach(model, a, Method.from_json(mj), 3, TARGETS[kind], seed=5)
                    randomise(ad)
                    for target in TARGETS[kind]:
                        s = ad.sets[target]
                        din, dout = a.target_shape(target)
                        self.assertEqual((s.din, s.dout), (din, dout))
                        x = torch.randn(2, 3, din)
                        for i, layer in enumerate(layers(kind, model)):
                            ref = reference_delta(s, i, x.reshape(-1, din)).reshape(2, 3, dout)
                            for path, lo, hi in table[target]:
                                got = layer.get_submodule(path)(x)
                                want = base[i][path](x) + ref[..., lo:hi]
                                torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5,
                                                           msg=f"{target}: layer {i} {path}")

    def test_update_starts_at_zero(self) -> None:
        ids = torch.randint(0, 300, (2, 7))
        for kind in ("llama", "gpt2"):
            model, a = self.load(kind)
            with torch.no_grad():
                want = model(input_ids=ids).logits
            for name, mj in adapter_methods().items():
                with self.subTest(model=kind, method=name):
                    ad = adp.attach(model, a, Method.from_json(mj), 4, TARGETS[kind], seed=3)
                    with torch.no_grad():
                        got = model(input_ids=ids).logits
                    self.assertTrue(torch.equal(got, want), f"ΔW ≠ 0 at init: max diff {float((got - want).abs().max())}")
                    ad.detach_from(model)

    def test_params_equal_the_analytic_count(self) -> None:
        for kind in ("llama", "gpt2"):
            for name, mj in adapter_methods().items():
                with self.subTest(model=kind, method=name):
                    model, a = self.load(kind)
                    m = Method.from_json(mj)
                    base = sum(p.numel() for p in model.parameters())
                    self.assertEqual(base, a.base_params(), "the arch counts the transformers model exactly")
                    ad = adp.attach(model, a, m, 4, TARGETS[kind], seed=3)
                    got = adp.count(model, ad)
                    by, frozen = analytic(a, m, 4, TARGETS[kind])
                    self.assertEqual(got["by_component"], by)
                    self.assertEqual(got["trainable"], sum(by.values()))
                    self.assertEqual(got["total"], base + sum(by.values()) + frozen)

    def test_a_module_of_another_shape_is_named(self) -> None:
        model, a = self.load("llama")
        wrong = Arch.from_json({**arch_of(os.path.join(self.root, "llama")), "kv_heads": a.heads})  # no GQA
        with self.assertRaises(SpecError) as cm:
            adp.attach(model, wrong, Method.from_json(catalogue()["lora"]), 2, ["o", "k"], seed=1)
        self.assertIn(f"target k: model.layers.0.self_attn.k_proj maps {a.hidden} → {a.kv_dim}, the spec's "
                      f"architecture says {a.hidden} → {a.hidden}", str(cm.exception))
        self.assertEqual([n for n, m in model.named_modules() if isinstance(m, adp.AdaptedLinear)], [],
                         "o was wrapped although k failed")

    def test_total_is_checked_where_the_arch_counts_it_exactly(self) -> None:
        from transformers import AutoModelForCausalLM

        from make_tiny_hf import config
        from tiedlora_worker import loading

        ids = {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 3}
        for kind, extra, want in (("llama", {}, True), ("llama", {"attention_bias": True}, False),
                                  ("gpt2", {}, True), ("gpt2", {"tie_word_embeddings": False}, False),
                                  ("gpt_neox", {}, False)):
            with self.subTest(model=kind, config=extra):
                cfg = config(kind, 320, ids)
                for k, v in extra.items():
                    setattr(cfg, k, v)
                model = AutoModelForCausalLM.from_config(cfg)
                self.assertEqual(loading.total_is_exact(model, "hf"), want)
                if want:
                    a = Arch.from_json(arch_of_config(kind, cfg))
                    self.assertEqual(sum(p.numel() for p in model.parameters()), a.base_params())

    def test_frozen_parts_get_no_gradient(self) -> None:
        for kind in ("llama", "gpt2"):
            for name, mj in adapter_methods().items():
                with self.subTest(model=kind, method=name):
                    model, a = self.load(kind)
                    m = Method.from_json(mj)
                    ad = adp.attach(model, a, m, 4, TARGETS[kind], seed=3)
                    randomise(ad)  # at init some gradients are zero by construction (B = 0 ⇒ ∂A = 0)
                    frozen = {n: b.clone() for n, b in ad.named_buffers()}
                    base = {n: p.detach().clone() for n, p in model.named_parameters() if not n.startswith("tiedlora.")}
                    opt = torch.optim.AdamW(ad.trainable(), lr=0.1)
                    ids = torch.randint(0, 300, (2, 9))
                    model(input_ids=ids, labels=ids).loss.backward()
                    for n, p in model.named_parameters():
                        if n.startswith("tiedlora."):
                            self.assertTrue(p.requires_grad, n)
                            self.assertGreater(float(p.grad.abs().sum()), 0, f"{n}: no gradient")
                        else:
                            self.assertFalse(p.requires_grad, n)
                            self.assertIsNone(p.grad, n)
                    opt.step()
                    for n, p in model.named_parameters():
                        if n in base:
                            self.assertTrue(torch.equal(p, base[n]), f"{n} changed")
                    for n, b in ad.named_buffers():
                        self.assertFalse(b.requires_grad, n)
                        self.assertTrue(torch.equal(b, frozen[n]), f"frozen {n} changed")
                    self.assertEqual({n.split(".")[-1].split("_")[0] for n, _ in ad.named_trainable()},
                                     {c for c in COMPONENTS if m.component(c).train})


def run(spec_path: str):
    events = os.path.join(os.path.dirname(spec_path), "events.jsonl")
    with mock.patch.dict(os.environ, {"SWEEP_EVENTS": events}):
        rc = worker.main(["--spec", spec_path])
    return rc, read_events(events)


class TestHFWorker(HFCase):
    def hf_spec(self, directory: str, kind: str, method: str, path: str = "", **extra: Any) -> str:
        path = path or os.path.join(self.root, kind)
        a = arch_of(path) if os.path.isfile(os.path.join(path, "config.json")) else arch_of(os.path.join(self.root, "llama"))
        targets = extra.pop("targets", TARGETS.get(kind, ["qkv"]))
        m, ar = Method.from_json(catalogue()[method]), Arch.from_json(a)
        by, frozen = analytic(ar, m, 2, targets)
        params = {"trainable": sum(by.values()), "by_component": by, "frozen_adapter": frozen,
                  "base_params": ar.base_params()}
        return spec(directory, method=method, arch_json=a, model={"arch": a, "path": path}, targets=targets,
                    params=params, **extra)

    def test_methods_end_to_end(self) -> None:
        for kind, method, mode in (("llama", "vera", "generate"), ("llama", "tl3", "choice"), ("gpt2", "tl6", "generate"),
                                   ("gpt2", "lora", "choice")):
            with self.subTest(model=kind, method=method, mode=mode):
                d = tempfile.mkdtemp(dir=self.root)
                rc, ev = run(self.hf_spec(d, kind, method, mode=mode))
                self.assertEqual(rc, 0, ev[-1])
                self.assertEqual((ev[-1]["event"], ev[-1]["status"]), ("done", "ok"))
                preds = [e for e in ev if e["event"] == "predictions"]
                self.assertEqual([p["split"] for p in preds], ["validation", "test"])
                with open(preds[-1]["path"], encoding="utf-8") as f:
                    lines = [json.loads(l) for l in f]
                self.assertEqual([l["id"] for l in lines], [f"test-{i}" for i in range(4)])
                if mode == "choice":
                    self.assertTrue(all(len(l["choice_logprobs"]) == 3 and max(l["choice_logprobs"]) < 0 for l in lines))
                else:
                    self.assertTrue(all(isinstance(l["prediction"], str) for l in lines))

    def test_resume_gives_the_same_result(self) -> None:
        for kind, method in (("llama", "tl6"), ("gpt2", "lora")):
            with self.subTest(model=kind, method=method):
                d = tempfile.mkdtemp(dir=self.root)
                rc, ev = run(self.hf_spec(os.path.join(d, "straight"), kind, method))
                self.assertEqual(rc, 0, ev[-1])
                want = [e for e in ev if e["event"] in ("metric", "eval")]

                # attempt 1 stops after its step-3 checkpoint, as a killed attempt would
                real_emit = worker.EventWriter.emit

                def emit_then_stop(self_, event, **fields):
                    real_emit(self_, event, **fields)
                    if event == "checkpoint" and fields["step"] == 3:
                        raise train.Stopped("killed")

                with mock.patch.object(worker.EventWriter, "emit", emit_then_stop):
                    rc, ev1 = run(self.hf_spec(os.path.join(d, "first"), kind, method))
                self.assertEqual(rc, 1)
                ckpt = [e for e in ev1 if e["event"] == "checkpoint"][-1]["path"]

                rc, ev2 = run(self.hf_spec(os.path.join(d, "second"), kind, method, resume_from=ckpt))
                self.assertEqual(rc, 0, ev2[-1])
                got = [e for e in ev2 if e["event"] in ("metric", "eval")]
                self.assertEqual(got[0]["step"], 4, "the resumed attempt continues after the checkpoint")
                tail = [e for e in want if e["step"] >= 4]
                self.assertEqual([(e["event"], e["step"], e.get("split")) for e in got],
                                 [(e["event"], e["step"], e.get("split")) for e in tail])
                for g, w in zip(got, tail):
                    self.assertAlmostEqual(g["values"]["loss"], w["values"]["loss"], places=6,
                                           msg=f"{g['event']} {g.get('split')} at step {g['step']}")

    def test_errors_name_what_was_looked_for(self) -> None:
        r = self.root
        no_config = os.path.join(r, "no-config")
        shutil.copytree(os.path.join(r, "llama"), no_config)
        os.remove(os.path.join(no_config, "config.json"))
        empty = tempfile.mkdtemp(dir=r)
        no_tok = make("llama", os.path.join(r, "no-tokenizer"), tokenizer=False)
        neox = make("gpt_neox", os.path.join(r, "neox"))
        phi3 = make("phi3", os.path.join(r, "phi3"))
        cases = [
            ("no config.json", no_config, {}, ["has no config.json, but tokenizer_config.json", "save_pretrained"]),
            ("empty directory", empty, {}, ["has no config.json (a Hugging Face model) and no model.safetensors"]),
            ("missing tokenizer", no_tok, {}, ["has no tokenizer: looked for tokenizer.json, tokenizer.model, "
                                               "vocab.json + merges.txt"]),
            ("unknown layout", neox, {"targets": ["qkv"]},
             ["cannot attach adapters to GPTNeoXForCausalLM (model_type gpt_neox)", "model.layers (LLaMA family",
              "transformer.h (GPT-2"]),
            ("targets match no module", phi3, {"targets": ["o", "qkv"]},
             ["target qkv matches no module in Phi3ForCausalLM (model_type phi3): looked for "
              "model.layers.0.self_attn.q_proj", "self_attn.qkv_proj"]),
        ]
        for name, path, extra, want in cases:
            with self.subTest(case=name):
                d = tempfile.mkdtemp(dir=r)
                rc, ev = run(self.hf_spec(d, "llama", "tl6", path=path, **extra))
                self.assertEqual(rc, 1)
                done = ev[-1]
                self.assertEqual((done["event"], done["status"], done.get("error_kind")), ("done", "failed", "config"))
                for w in want:
                    self.assertIn(w, done["error"])
                self.assertNotIn("params", [e["event"] for e in ev], "no adapter was counted")

    def test_attach_leaves_the_model_alone_on_error(self) -> None:
        from transformers import AutoModelForCausalLM

        path = make("phi3", os.path.join(self.root, "phi3-untouched"))
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        a = Arch.from_json(arch_of(path))
        with self.assertRaises(SpecError):
            adp.attach(model, a, Method.from_json(catalogue()["lora"]), 2, ["o", "qkv"], seed=1)
        self.assertEqual([n for n, m in model.named_modules() if isinstance(m, adp.AdaptedLinear)], [])
        self.assertTrue(all(p.requires_grad for p in model.parameters()))


if __name__ == "__main__":
    unittest.main()
