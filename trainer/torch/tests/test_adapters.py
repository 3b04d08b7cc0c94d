"""Adapters against METHODS.md: counts, tying, zero start, gradients, and
the update's formula, on the built-in model and on a model laid out as
transformers' LLaMA (separate q, k, v projections, grouped-query)."""

from __future__ import annotations

import unittest

import torch
from torch import nn

from helpers import adapter_methods, arch, cases, catalogue
from tiedlora_worker import adapters as adp
from tiedlora_worker.model import build
from tiedlora_worker.spec import Arch, Method

torch.set_num_threads(1)


class HFLike(nn.Module):
    """The module layout of transformers' LlamaForCausalLM (only what the
    adapters touch): model.layers[i].self_attn.{q,k,v,o}_proj and
    mlp.{gate,up,down}_proj."""

    def __init__(self, a: Arch) -> None:
        super().__init__()
        d, kv, f = a.hidden, a.kv_dim, a.ffn

        def layer() -> nn.Module:
            m = nn.Module()
            m.self_attn, m.mlp = nn.Module(), nn.Module()
            for n, (i, o) in {"q_proj": (d, d), "k_proj": (d, kv), "v_proj": (d, kv), "o_proj": (d, d)}.items():
                setattr(m.self_attn, n, nn.Linear(i, o, bias=False))
            for n, (i, o) in {"gate_proj": (d, f), "up_proj": (d, f), "down_proj": (f, d)}.items():
                setattr(m.mlp, n, nn.Linear(i, o, bias=False))
            return m

        self.model = nn.Module()
        self.model.layers = nn.ModuleList(layer() for _ in range(a.layers))


def randomise(ad: adp.Adapters, seed: int = 0) -> None:
    """Every adapter tensor random and non-zero, so ΔW is not zero."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in list(ad.parameters()) + list(ad.buffers()):
            t.copy_(torch.randn(t.shape, generator=g) * 0.5 + 0.1)


def reference_delta(s: adp.AdapterSet, layer: int, x: torch.Tensor) -> torch.Tensor:
    """METHODS.md, term by term: s · v ⊙ B (u ⊙ (A x)) with s = 1."""
    A, B = s.tensor("A", layer), s.tensor("B", layer)
    u = s.tensor("u", layer)
    v = s.tensor("v", layer)
    u = u if u is not None else torch.full((s.rank,), s.const["u"])
    v = v if v is not None else torch.full((s.dout,), s.const["v"])
    h = torch.einsum("rd,nd->nr", A.double(), x.double())
    h = u.double() * h
    return (v.double() * torch.einsum("or,nr->no", B.double(), h)).float()


class TestCounts(unittest.TestCase):
    def test_params_equal_analytic_count(self) -> None:
        for c in cases():
            a, m = Arch.from_json(c["arch"]), Method.from_json(c["method"])
            layouts = [("builtin", build(a))]
            if a.mlp == "swiglu":
                layouts.append(("hf", HFLike(a)))
            for name, model in layouts:
                with self.subTest(arch=a.name, layout=name, method=m.name, rank=c["rank"], targets=c["targets"]):
                    ad = adp.attach(model, a, m, c["rank"], c["targets"], seed=1)
                    got = adp.count(model, ad)
                    want = c["count"]
                    self.assertEqual(got["trainable"], want["trainable"])
                    self.assertEqual(got["by_component"], want["by_component"])
                    if name == "builtin":
                        total = want["base_params"] + want["trainable"] + want["frozen_adapter"]
                        self.assertEqual(got["total"], total)
                    ad.detach_from(model)

    def test_tied_tensors_once_in_the_optimizer(self) -> None:
        a = Arch.from_json(arch("llama-gqa-tiny"))
        targets = ["q", "k", "v", "o", "gate", "up", "down"]
        for name, mj in adapter_methods().items():
            m = Method.from_json(mj)
            with self.subTest(method=name):
                model = build(a)
                ad = adp.attach(model, a, m, 4, targets, seed=1)
                opt = torch.optim.AdamW(ad.trainable(), lr=1e-3)
                ids = [id(p) for g in opt.param_groups for p in g["params"]]
                self.assertEqual(len(ids), len(set(ids)), "a tensor is in the optimizer twice")
                want = sum((1 if m.component(c).tied else a.layers) * len(targets) for c in "ABuv" if m.component(c).train)
                self.assertEqual(len(ids), want)
                # the trainable tensors are exactly the optimizer's
                self.assertEqual(set(ids), {id(p) for p in model.parameters() if p.requires_grad})


class TestUpdate(unittest.TestCase):
    def setUp(self) -> None:
        self.gpt = Arch.from_json(arch("go-micro"))
        self.llama = Arch.from_json(arch("llama-gqa-tiny"))

    def test_update_starts_at_zero(self) -> None:
        ids = torch.randint(0, 300, (2, 9))
        for a in (self.gpt, self.llama):
            base = build(a)
            want = base(ids)
            for name, mj in adapter_methods().items():
                with self.subTest(arch=a.name, method=name):
                    ad = adp.attach(base, a, Method.from_json(mj), 4, ["qkv", "o", "up", "down"], seed=3)
                    self.assertTrue(torch.equal(base(ids), want), "ΔW ≠ 0 at init")
                    ad.detach_from(base)
                    self.assertTrue(torch.equal(base(ids), want), "detaching changed the base")

    def test_gradients_reach_only_trained_components(self) -> None:
        ids = torch.randint(0, 300, (2, 9))
        for name, mj in adapter_methods().items():
            m = Method.from_json(mj)
            with self.subTest(method=name):
                model = build(self.llama)
                ad = adp.attach(model, self.llama, m, 4, ["qkv"], seed=3)
                randomise(ad)  # at init some gradients are zero by construction (B = 0 ⇒ ∂A = 0)
                model(ids).logsumexp(-1).sum().backward()
                for n, p in model.named_parameters():
                    if n.startswith("tiedlora."):
                        self.assertTrue(p.requires_grad)
                        self.assertIsNotNone(p.grad, n)
                        self.assertGreater(float(p.grad.abs().sum()), 0, n)
                    else:
                        self.assertFalse(p.requires_grad, n)
                        self.assertIsNone(p.grad, n)
                trained = {n.split(".")[-1].split("_")[0] for n, _ in ad.named_trainable()}
                self.assertEqual(trained, {c for c in "ABuv" if m.component(c).train})
                for n, b in ad.named_buffers():  # frozen random A, B
                    self.assertFalse(b.requires_grad, n)
                    self.assertFalse(m.component(n.split(".")[-1].split("_")[0]).train, n)

    def test_fused_update_matches_formula(self) -> None:
        x = torch.randn(5, self.gpt.hidden)
        for name, mj in adapter_methods().items():
            with self.subTest(method=name):
                model = build(self.gpt)
                base = [blk.attn.c_attn for blk in model.h]
                ad = adp.attach(model, self.gpt, Method.from_json(mj), 3, ["qkv"], seed=5)
                randomise(ad)
                s = ad.sets["qkv"]
                for layer, blk in enumerate(model.h):
                    want = base[layer](x) + reference_delta(s, layer, x)
                    torch.testing.assert_close(blk.attn.c_attn(x), want, rtol=1e-5, atol=1e-5)

    def test_split_qkv_shares_one_A_and_is_gqa_aware(self) -> None:
        a = self.llama
        d, kv = a.hidden, a.kv_dim
        x = torch.randn(2, 4, d)
        for name, mj in adapter_methods().items():
            with self.subTest(method=name):
                model = HFLike(a)
                base = [(l.self_attn.q_proj, l.self_attn.k_proj, l.self_attn.v_proj) for l in model.model.layers]
                ad = adp.attach(model, a, Method.from_json(mj), 3, ["qkv"], seed=5)
                randomise(ad)
                s = ad.sets["qkv"]
                self.assertEqual((s.din, s.dout), (d, d + 2 * kv))
                for layer, l in enumerate(model.model.layers):
                    ref = reference_delta(s, layer, x.reshape(-1, d)).reshape(2, 4, -1)
                    q, k, v = l.self_attn.q_proj(x), l.self_attn.k_proj(x), l.self_attn.v_proj(x)
                    torch.testing.assert_close(q, base[layer][0](x) + ref[..., :d], rtol=1e-5, atol=1e-5)
                    torch.testing.assert_close(k, base[layer][1](x) + ref[..., d:d + kv], rtol=1e-5, atol=1e-5)
                    torch.testing.assert_close(v, base[layer][2](x) + ref[..., d + kv:], rtol=1e-5, atol=1e-5)
                    self.assertEqual(s._cache, {}, "the shared delta outlived its layer")

    def test_frozen_random_tensors_are_reproducible(self) -> None:
        m = Method.from_json(catalogue()["vera"])
        one = adp.attach(build(self.gpt), self.gpt, m, 4, ["qkv"], seed=11)
        two = adp.attach(build(self.gpt), self.gpt, m, 4, ["qkv"], seed=11)
        other = adp.attach(build(self.gpt), self.gpt, m, 4, ["qkv"], seed=12)
        self.assertTrue(torch.equal(one.sets["qkv"].A, two.sets["qkv"].A))
        self.assertFalse(torch.equal(one.sets["qkv"].A, other.sets["qkv"].A))
        self.assertEqual(dict(one.state_dict()).keys() & {"sets.qkv.A", "sets.qkv.B"}, set(),
                         "frozen random tensors are not checkpointed")


if __name__ == "__main__":
    unittest.main()


class TestReference(unittest.TestCase):
    def test_base_attaches_nothing(self) -> None:
        a = Arch.from_json(arch("go-micro"))
        m = Method.from_json(catalogue()["base"])
        self.assertTrue(m.reference)
        model = build(a)
        ids = torch.randint(0, 300, (2, 9))
        want = model(ids)
        ad = adp.attach(model, a, m, 4, ["qkv"], seed=1)
        self.assertEqual(len(ad.sets), 0)
        self.assertEqual(ad.trainable(), [])
        self.assertTrue(torch.equal(model(ids), want), "the base changed")
        got = adp.count(model, ad)
        self.assertEqual((got["trainable"], got["by_component"]), (0, {c: 0 for c in "ABuv"}))

    def test_reference_that_trains_is_refused(self) -> None:
        mj = dict(catalogue()["base"])
        mj["v"] = {**mj["v"], "train": True}
        with self.assertRaisesRegex(ValueError, "reference method trains nothing"):
            Method.from_json(mj)
