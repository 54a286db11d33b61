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


#: Work (steps of the O(ND) search, each a diagonal tried or a token matched) one paragraph's word
#: diff may take before it is shown replaced whole; about a second in the worst case. A count,
#: not a clock: the same inputs give the same redline on every machine.
WORK_BUDGET = 1_500_000
#: Tokens (after the common beginning and end) beyond which a paragraph is not compared word by word.
MAX_TOKENS = 50_000
#: Pieces of a word diff the semantic clean-up (quadratic in them) is given.
MAX_PIECES = 2_000
_CODES = 0x110000 - 0x100 - 0x800  # characters a token can be encoded as


class _OverBudget(Exception):
    pass


class _CountedDmp(diff_match_patch):  # type: ignore[misc]
    """diff-match-patch whose middle-snake search counts its steps against a budget (no clock).

    `diff_bisect` is diff-match-patch's own (Myers 1986), with the deadline replaced by `work`."""

    def __init__(self) -> None:
        super().__init__()
        self.Diff_Timeout = 0  # no clock: the budget below bounds the work
        self.work = 0

    def charge(self, n: int) -> None:
        self.work += n
        if self.work > WORK_BUDGET:
            raise _OverBudget

    def diff_bisect(self, text1: str, text2: str, deadline: float) -> list[tuple[int, str]]:
        text1_length = len(text1)
        text2_length = len(text2)
        max_d = (text1_length + text2_length + 1) // 2
        v_offset = max_d
        v_length = 2 * max_d
        v1 = [-1] * v_length
        v1[v_offset + 1] = 0
        v2 = v1[:]
        delta = text1_length - text2_length
        front = delta % 2 != 0
        k1start = k1end = k2start = k2end = 0
        for d in range(max_d):
            steps = 0
            for k1 in range(-d + k1start, d + 1 - k1end, 2):
                k1_offset = v_offset + k1
                if k1 == -d or (k1 != d and v1[k1_offset - 1] < v1[k1_offset + 1]):
                    x1 = v1[k1_offset + 1]
                else:
                    x1 = v1[k1_offset - 1] + 1
                y1 = x1 - k1
                x0 = x1
                while x1 < text1_length and y1 < text2_length and text1[x1] == text2[y1]:
                    x1 += 1
                    y1 += 1
                steps += 1 + x1 - x0
                v1[k1_offset] = x1
                if x1 > text1_length:
                    k1end += 2
                elif y1 > text2_length:
                    k1start += 2
                elif front:
                    k2_offset = v_offset + delta - k1
                    if 0 <= k2_offset < v_length and v2[k2_offset] != -1:
                        x2 = text1_length - v2[k2_offset]
                        if x1 >= x2:
                            self.charge(steps)
                            return self.diff_bisectSplit(text1, text2, x1, y1, deadline)  # type: ignore[no-any-return]
            for k2 in range(-d + k2start, d + 1 - k2end, 2):
                k2_offset = v_offset + k2
                if k2 == -d or (k2 != d and v2[k2_offset - 1] < v2[k2_offset + 1]):
                    x2 = v2[k2_offset + 1]
                else:
                    x2 = v2[k2_offset - 1] + 1
                y2 = x2 - k2
                x0 = x2
                while x2 < text1_length and y2 < text2_length and text1[-x2 - 1] == text2[-y2 - 1]:
                    x2 += 1
                    y2 += 1
                steps += 1 + x2 - x0
                v2[k2_offset] = x2
                if x2 > text1_length:
                    k2end += 2
                elif y2 > text2_length:
                    k2start += 2
                elif not front:
                    k1_offset = v_offset + delta - k2
                    if 0 <= k1_offset < v_length and v1[k1_offset] != -1:
                        x1 = v1[k1_offset]
                        y1 = v_offset + x1 - k1_offset
                        x2 = text1_length - x2
                        if x1 >= x2:
                            self.charge(steps)
                            return self.diff_bisectSplit(text1, text2, x1, y1, deadline)  # type: ignore[no-any-return]
            self.charge(steps)
        return [(self.DIFF_DELETE, text1), (self.DIFF_INSERT, text2)]


@dataclass(frozen=True)
class Diff:
    """A paragraph's word diff; `whole` when it was too costly and the change is shown replaced whole."""

    pieces: list[Piece]
    whole: bool = False


def diff(a: list[Tok], b: list[Tok]) -> list[Piece]:
    """Return the word-level difference of two token lists, semantically cleaned up."""
    return compare(a, b).pieces


def compare(a: list[Tok], b: list[Tok]) -> Diff:
    """Return the word-level difference of two token lists, within a fixed budget of work.

    Beyond the budget (two long, very different texts) the tokens between the common beginning
    and the common end are shown deleted and inserted whole, and the result says so."""
    if a == b:
        return Diff([Piece(EQ, tuple(b))] if b else [])
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    mid_a, mid_b = a[head:len(a) - tail], b[head:len(b) - tail]
    pieces = None
    if len(mid_a) + len(mid_b) <= MAX_TOKENS:
        try:
            pieces = _dmp_diff(a, b)
        except _OverBudget:
            pieces = None
    if pieces is not None:
        return Diff(pieces)
    whole = [Piece(EQ, tuple(b[:head])), Piece(DEL, tuple(mid_a)), Piece(INS, tuple(mid_b)),
             Piece(EQ, tuple(b[len(b) - tail:]))]
    return Diff([p for p in whole if p.toks], whole=True)


def _dmp_diff(a: list[Tok], b: list[Tok]) -> list[Piece]:
    alphabet: dict[Tok, str] = {}

    def encode(toks: list[Tok]) -> str:
        chars = []
        for k in toks:
            if k not in alphabet:
                if len(alphabet) >= _CODES:
                    raise _OverBudget
                code = 0x100 + len(alphabet)
                if code >= 0xD800:
                    code += 0x800  # skip the surrogate range
                alphabet[k] = chr(code)
            chars.append(alphabet[k])
        return "".join(chars)

    sa, sb = encode(a), encode(b)
    dmp = _CountedDmp()
    diffs = dmp.diff_main(sa, sb, False)
    if len(diffs) > MAX_PIECES:
        raise _OverBudget
    dmp.diff_cleanupSemantic(diffs)
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
