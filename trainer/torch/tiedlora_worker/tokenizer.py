"""Tokenizers: the Go trainer's byte-level BPE (256 byte tokens, EOS = 256,
merges from 257 on; with no merges it is a plain byte tokenizer), read from
its tokenizer.json, and Hugging Face's AutoTokenizer for HF models."""

from __future__ import annotations

import json
import unicodedata
from typing import Dict, List, Optional, Tuple

EOS = 256
FIRST_MERGE = 257


def _cls(ch: str) -> int:
    """The Go chunker's classes: letter, digit, space, other."""
    cat = unicodedata.category(ch)
    if cat.startswith("L"):
        return 1
    if cat == "Nd":
        return 2
    if ch in "\t\n\v\f\r \x85\xa0" or cat == "Zs" or ch in "\u2028\u2029":
        return 3
    return 4


def chunks(text: str) -> List[str]:
    """The pieces BPE works within, exactly as the Go tokenizer splits: a run
    of letters, digits or other symbols with at most one space before it,
    or a run of whitespace (the last space is left to the word after it)."""
    out, i, n = [], 0, len(text)
    while i < n:
        start = i
        ch = text[i]
        if ch == " " and i + 1 < n and _cls(text[i + 1]) != 3:
            i += 1
            ch = text[i]
        c = _cls(ch)
        i += 1
        while i < n:
            r = text[i]
            if _cls(r) != c or (c == 3 and r not in " \t"):
                break
            if c == 3 and r == " " and i + 1 < n and _cls(text[i + 1]) != 3:
                break
            i += 1
        out.append(text[start:i])
    return out


class ByteBPE:
    """The Go trainer's tokenizer (trainer/gotrain/tokenizer)."""

    def __init__(self, merges: Optional[List[Tuple[int, int]]] = None) -> None:
        self.merges = [tuple(m) for m in (merges or [])]
        self.rank: Dict[Tuple[int, int], int] = {}
        self.pieces: List[bytes] = [bytes([i]) for i in range(256)] + [b""]
        for i, (a, b) in enumerate(self.merges):
            tid = FIRST_MERGE + i
            if not (0 <= a < tid and 0 <= b < tid) or EOS in (a, b):
                raise ValueError(f"tokenizer: merge {i} refers to an impossible token")
            self.rank[(a, b)] = tid
            self.pieces.append(self.pieces[a] + self.pieces[b])
        self._cache: Dict[str, List[int]] = {}
        self.eos_id = EOS
        self.pad_id = EOS

    @property
    def vocab_size(self) -> int:
        return FIRST_MERGE + len(self.merges)

    @staticmethod
    def load(path: str) -> "ByteBPE":
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        if d.get("version") != 1 or d.get("kind") != "byte-bpe" or d.get("eos") != EOS:
            raise ValueError(f"{path}: not a version-1 byte-level BPE tokenizer")
        return ByteBPE(d.get("merges") or [])

    def _chunk(self, c: str) -> List[int]:
        ids = self._cache.get(c)
        if ids is not None:
            return ids
        ids = list(c.encode("utf-8"))
        while len(ids) > 1:
            best, at = -1, -1
            for i in range(len(ids) - 1):
                r = self.rank.get((ids[i], ids[i + 1]))
                if r is not None and (best < 0 or r < best):
                    best, at = r, i
            if at < 0:
                break
            pair, out, i = self.merges[best - FIRST_MERGE], [], 0
            while i < len(ids):
                if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
                    out.append(best)
                    i += 2
                else:
                    out.append(ids[i])
                    i += 1
            ids = out
        self._cache[c] = ids
        return ids

    def encode(self, text: str) -> List[int]:
        out: List[int] = []
        for c in chunks(text):
            out.extend(self._chunk(c))
        return out

    def decode(self, ids: List[int]) -> str:
        raw = b"".join(self.pieces[i] for i in ids if 0 <= i < len(self.pieces) and i != EOS)
        return raw.decode("utf-8", errors="replace")

    def encode_prompt(self, text: str) -> List[int]:
        return self.encode(text)


class HFTokenizer:
    """AutoTokenizer with the interface the worker uses: a prompt gets the
    model's BOS when it has one, an answer none; EOS ends an answer."""

    def __init__(self, path: str) -> None:
        from transformers import AutoTokenizer

        self.tok = AutoTokenizer.from_pretrained(path, local_files_only=True)  # a directory; never the hub
        if self.tok.eos_token_id is None:
            raise ValueError(f"{path}: the tokenizer has no EOS token")
        self.eos_id = int(self.tok.eos_token_id)
        self.pad_id = int(self.tok.pad_token_id if self.tok.pad_token_id is not None else self.eos_id)

    @property
    def vocab_size(self) -> int:
        return len(self.tok)

    def encode(self, text: str) -> List[int]:
        return list(self.tok.encode(text, add_special_tokens=False))

    def encode_prompt(self, text: str) -> List[int]:
        return list(self.tok.encode(text, add_special_tokens=True))

    def decode(self, ids: List[int]) -> str:
        return self.tok.decode(ids, skip_special_tokens=True)
