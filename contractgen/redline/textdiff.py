"""Word-level diff of a paragraph: tokens (words, spaces, references) through diff-match-patch."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from diff_match_patch import diff_match_patch

from ..numbering import Numbered
from ..text import split

_WORD = re.compile(r"\s+|[\w’'£%.,-]*\w[\w’'%]*|.", re.UNICODE)


class Tok(NamedTuple):
    """A word, a run of spaces, a punctuation mark, or a reference (compared by its target).

    Both sides of a redline label references with the varied contract's numbers, so two tokens
    are the same change-wise exactly when they are equal as tuples."""

    text: str
    ref: str | None = None
    bold: bool = False

    def key(self) -> tuple[str | bool | None, ...]:
        return self


EQ, DEL, INS = 0, -1, 1


@dataclass(frozen=True)
class Piece:
    op: int  # EQ | DEL | INS
    toks: tuple[Tok, ...]

    @property
    def text(self) -> str:
        return "".join(t.text for t in self.toks)


def words(text: str, bold: bool = False) -> list[Tok]:
    return list(_words(text, bold))


@lru_cache(maxsize=65536)
def _words(text: str, bold: bool) -> tuple[Tok, ...]:
    return tuple(Tok(w, None, bold) for w in _WORD.findall(text))


def tokens(numbered: Numbered, text: str, label: Callable[[str], str], bold: bool = False) -> list[Tok]:
    """Return the tokens of inline `text` as rendered in `numbered` (references labelled by `label`)."""
    out: list[Tok] = []
    for seg in split(text):
        if seg.kind == "ref":
            out.append(Tok(label(seg.value), seg.value, bold))
        elif seg.kind == "param":
            out.extend(words(numbered.segment_text("param", seg.value), bold))
        else:
            out.extend(words(seg.value, bold))
    return out


_dmp = diff_match_patch()
_dmp.Diff_Timeout = 0  # paragraphs are small; never fall back to delete-all/insert-all


def diff(a: list[Tok], b: list[Tok]) -> list[Piece]:
    """Return the word-level difference of two token lists, semantically cleaned up."""
    if a == b:
        return [Piece(EQ, tuple(b))] if b else []
    alphabet: dict[tuple, str] = {}

    def encode(toks: list[Tok]) -> str:
        chars = []
        for k in toks:
            if k not in alphabet:
                code = 0x100 + len(alphabet)
                if code >= 0xD800:
                    code += 0x800  # skip the surrogate range
                alphabet[k] = chr(code)
            chars.append(alphabet[k])
        return "".join(chars)

    sa, sb = encode(a), encode(b)
    diffs = _dmp.diff_main(sa, sb, False)
    _dmp.diff_cleanupSemantic(diffs)
    out: list[Piece] = []
    ia = ib = 0
    for op, chunk in diffs:
        n = len(chunk)
        if op == EQ:
            piece = Piece(EQ, tuple(b[ib:ib + n]))
            ia += n
            ib += n
        elif op == DEL:
            piece = Piece(DEL, tuple(a[ia:ia + n]))
            ia += n
        else:
            piece = Piece(INS, tuple(b[ib:ib + n]))
            ib += n
        if out and out[-1].op == piece.op:
            out[-1] = Piece(piece.op, out[-1].toks + piece.toks)
        else:
            out.append(piece)
    return out
