"""Parity with Hugging Face PEFT on a tiny random transformers LLaMA
(grouped-query): our LoRA against PEFT's LoraConfig, and our `vera` against
PEFT's VeraConfig — same logits, same adapter gradients, same loss curve
over 20 AdamW steps, in float32. Each test prints what it measured
(pytest -s)."""

from __future__ import annotations

import copy
import importlib.util
import unittest
from typing import Any, Callable, Dict, List, Tuple

import torch
from torch import nn

from helpers import catalogue
from tiedlora_worker import adapters as adp
from tiedlora_worker.spec import Arch, Method

torch.set_num_threads(1)

HAVE_PEFT = all(importlib.util.find_spec(m) is not None for m in ("transformers", "peft"))
SKIP = "transformers and peft are not installed for this python"

LOGITS_TOL = GRAD_TOL = 1e-5  # max |ours − PEFT's| / max |PEFT's|, per tensor
CURVE_TOL = 1e-4  # the same, over the 20 losses
STEPS = 20
RANK = 4
SEED = 7
HF_NAMES = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "o_proj", "gate": "gate_proj", "up": "up_proj",
            "down": "down_proj"}


def tiny_llama() -> Tuple[nn.Module, Arch]:
    """A random LlamaForCausalLM (4 query heads, 2 KV heads) and its Arch."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=4,
                      num_key_value_heads=2)
    m = LlamaForCausalLM(cfg).float().eval()
    a = Arch(vocab=128, hidden=64, layers=4, heads=4, kv_heads=2, ffn=128, name="tiny-llama")
    return m, a


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a − b| / max |b|."""
    return float((a.detach() - b.detach()).abs().max() / b.detach().abs().max().clamp_min(1e-30))


def loss_of(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    return nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def batch(seed: int) -> torch.Tensor:
    return torch.randint(0, 128, (2, 12), generator=torch.Generator().manual_seed(seed))


def peft_module(pm: nn.Module, layer: int, target: str) -> nn.Module:
    blk = pm.base_model.model.model.layers[layer]
    part = blk.mlp if target in ("gate", "up", "down") else blk.self_attn
    return getattr(part, HF_NAMES[target])


def curves(ours: nn.Module, theirs: nn.Module, ours_params: List[nn.Parameter],
           theirs_params: List[nn.Parameter]) -> Tuple[List[float], List[float]]:
    """Losses of 20 AdamW steps of both models on the same two batches."""
    out: Tuple[List[float], List[float]] = ([], [])
    for m, params, losses in ((ours, ours_params, out[0]), (theirs, theirs_params, out[1])):
        opt = torch.optim.AdamW(params, lr=1e-2, weight_decay=0.01)
        for step in range(STEPS):
            ids = batch(100 + step % 2)  # two batches in turn: the loss falls, so the curve has a shape
            loss = loss_of(m(input_ids=ids, use_cache=False).logits, ids)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss))
    return out


def compare(name: str, ours: nn.Module, theirs: nn.Module,
            pairs: Callable[[], List[Tuple[str, torch.Tensor, torch.Tensor]]]) -> Dict[str, float]:
    """Logits and the gradient of each (ours, PEFT's) tensor pair on one
    batch; returns the largest relative differences."""
    ids = batch(1)
    lo = ours(input_ids=ids, use_cache=False).logits
    lt = theirs(input_ids=ids, use_cache=False).logits
    with theirs.disable_adapter():  # the adapters must change the model, or equal logits prove nothing
        lb = theirs(input_ids=ids, use_cache=False).logits.detach()
    if rel(lt, lb) < 1e-3:
        raise AssertionError(f"{name}: the adapters change the logits by {rel(lt, lb):.2e} only")
    loss_of(lo, ids).backward()
    loss_of(lt, ids).backward()
    worst_grad, worst_name = 0.0, "all equal"
    for n, a, b in pairs():
        if a.grad is None or b.grad is None:
            raise AssertionError(f"{name} {n}: no gradient (ours {a.grad is not None}, PEFT's {b.grad is not None})")
        if float(b.grad.abs().max()) == 0:
            raise AssertionError(f"{name} {n}: PEFT's gradient is zero, so the comparison would mean nothing")
        r = rel(a.grad, b.grad)
        if r > worst_grad:
            worst_grad, worst_name = r, n
    return {"logits": rel(lo, lt), "grad": worst_grad, "grad_at": worst_name}  # type: ignore[dict-item]


def assert_parity(tc: unittest.TestCase, label: str, grads: str, got: Dict[str, Any], ours: nn.Module,
                  theirs: nn.Module, ad: adp.Adapters) -> None:
    """Prints and checks what compare measured, then trains both for the
    loss curve: the same trainable tensors, within the tolerances, and a
    loss that moves (so equal curves mean something)."""
    theirs_params = [p for p in theirs.parameters() if p.requires_grad]
    tc.assertEqual(len(theirs_params), len(ad.trainable()))
    for p in ad.trainable() + theirs_params:
        p.grad = None
    lo, lt = curves(ours, theirs, ad.trainable(), theirs_params)
    curve = max(abs(x - y) / abs(y) for x, y in zip(lo, lt))
    print(f"\n{label}: logits {got['logits']:.2e}, {grads} {got['grad']:.2e} (worst {got['grad_at']}), "
          f"{STEPS}-step AdamW loss curve {curve:.2e} (loss {lt[0]:.4f} → {lt[-1]:.4f})")
    tc.assertLessEqual(got["logits"], LOGITS_TOL, f"logits: got {got['logits']:.2e}, want ≤ {LOGITS_TOL}")
    tc.assertLessEqual(got["grad"], GRAD_TOL, f"gradient of {got['grad_at']}: got {got['grad']:.2e}, want ≤ {GRAD_TOL}")
    tc.assertLessEqual(curve, CURVE_TOL, f"loss curve: got {curve:.2e}, want ≤ {CURVE_TOL}; ours {lo}, PEFT's {lt}")
    tc.assertLess(lt[-1], lt[0] - 0.05, f"the loss did not move: {lt}")


@unittest.skipUnless(HAVE_PEFT, SKIP)
class TestLoRAParity(unittest.TestCase):
    """lora on q, k, v, o, gate, up, down against LoraConfig(r, lora_alpha=r,
    lora_dropout=0): PEFT's A and a random non-zero B copied into ours."""

    def test_lora_matches_peft(self) -> None:
        from peft import LoraConfig, get_peft_model

        base, a = tiny_llama()
        targets = list(HF_NAMES)
        ours = copy.deepcopy(base)
        ad = adp.attach(ours, a, Method.from_json(catalogue()["lora"]), RANK, targets, SEED)
        pm = get_peft_model(base, LoraConfig(r=RANK, lora_alpha=RANK, lora_dropout=0.0,
                                             target_modules=[HF_NAMES[t] for t in targets]))
        g = torch.Generator().manual_seed(3)
        pairs = []
        with torch.no_grad():
            for t in targets:
                s = ad.sets[t]
                for l in range(a.layers):
                    mod = peft_module(pm, l, t)
                    self.assertEqual(mod.scaling["default"], 1.0)
                    pa, pb = mod.lora_A["default"].weight, mod.lora_B["default"].weight
                    pb.copy_(torch.randn(pb.shape, generator=g) * 0.1)  # non-zero, so ΔW ≠ 0 and A has a gradient
                    getattr(s, f"A_{l}").copy_(pa)
                    getattr(s, f"B_{l}").copy_(pb)
                    pairs.append((f"{t}.A_{l}", getattr(s, f"A_{l}"), pa))
                    pairs.append((f"{t}.B_{l}", getattr(s, f"B_{l}"), pb))
        got = compare("lora", ours, pm, lambda: pairs)
        assert_parity(self, f"LoRA vs PEFT (rank {RANK}, 7 targets, float32)", "gradients", got,
                      ours, pm, ad)


@unittest.skipUnless(HAVE_PEFT, SKIP)
class TestVeRAParity(unittest.TestCase):
    """vera against VeraConfig(r, projection_prng_key=seed) on q, k, v, o,
    gate, up. PEFT draws one vera_A (r × largest d_in) and one vera_B
    (largest d_out × r) for all targets and slices them; we draw a pair
    per target from the trial seed. The two agree exactly when every
    target has the largest d_in (B's rows are the first values of the
    stream, A's columns are not, and A's bound uses the largest fan-in),
    so down_proj (d_in = ffn) is left out. Our fused `qkv` is another
    model: one u for q, k, v where PEFT has a lambda_d per projection."""

    TARGETS = ["q", "k", "v", "o", "gate", "up"]

    def build(self) -> Tuple[nn.Module, adp.Adapters, nn.Module, Arch]:
        from peft import VeraConfig, get_peft_model

        base, a = tiny_llama()
        ours = copy.deepcopy(base)
        ad = adp.attach(ours, a, Method.from_json(catalogue()["vera"]), RANK, self.TARGETS, SEED)
        pm = get_peft_model(base, VeraConfig(r=RANK, target_modules=[HF_NAMES[t] for t in self.TARGETS],
                                             projection_prng_key=SEED, vera_dropout=0.0))
        return ours, ad, pm, a

    def lambdas(self, ad: adp.Adapters, pm: nn.Module, a: Arch) -> List[Tuple[str, torch.Tensor, torch.Tensor]]:
        out = []
        for t in self.TARGETS:
            for l in range(a.layers):
                mod = peft_module(pm, l, t)
                out.append((f"{t}.u_{l}", getattr(ad.sets[t], f"u_{l}"), mod.vera_lambda_d["default"]))
                out.append((f"{t}.v_{l}", getattr(ad.sets[t], f"v_{l}"), mod.vera_lambda_b["default"]))
        return out

    def test_same_seed_same_projections(self) -> None:
        """Trial seed s gives PEFT's vera_A, vera_B for projection_prng_key=s,
        bit for bit; d starts at 0.1 and b at 0, as PEFT's."""
        _, ad, pm, a = self.build()
        pa, pb = pm.base_model.vera_A["default"], pm.base_model.vera_B["default"]
        for t in self.TARGETS:
            s = ad.sets[t]
            self.assertTrue(torch.equal(s.A, pa[:, : s.din]), f"{t}: A differs from PEFT's vera_A by {rel(s.A, pa[:, :s.din]):.2e}")
            self.assertTrue(torch.equal(s.B, pb[: s.dout]), f"{t}: B differs from PEFT's vera_B by {rel(s.B, pb[:s.dout]):.2e}")
        for n, ours, theirs in self.lambdas(ad, pm, a):
            self.assertTrue(torch.equal(ours, theirs), f"{n}: got {ours[:4].tolist()}…, PEFT's {theirs[:4].tolist()}…")
        bound = (6 / a.hidden) ** 0.5
        self.assertAlmostEqual(float(pa.abs().max()), bound, delta=0.05 * bound)  # √(6/fan_in), not 1/√fan_in

    def test_vera_matches_peft(self) -> None:
        ours, ad, pm, a = self.build()
        pairs = self.lambdas(ad, pm, a)
        # d and b random and non-zero for the logits and gradients: at the init
        # b = 0, which makes ΔW and d's gradient zero.
        g = torch.Generator().manual_seed(5)
        with torch.no_grad():
            saved = [(o.clone(), t.clone()) for _, o, t in pairs]
            for _, o, t in pairs:
                t.copy_(torch.randn(t.shape, generator=g) * 0.5)
                o.copy_(t)
        got = compare("vera", ours, pm, lambda: pairs)
        with torch.no_grad():  # back to the init for the curve: it is the same in both
            for (_, o, t), (so, st) in zip(pairs, saved):
                o.copy_(so)
                t.copy_(st)
        assert_parity(self, f"VeRA vs PEFT (rank {RANK}, 6 targets, float32)", "gradients of d and b",
                      got, ours, pm, ad)


if __name__ == "__main__":
    unittest.main()
