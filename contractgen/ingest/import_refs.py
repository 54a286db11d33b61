"""Cross-references typed in the text of an imported contract: "clause 14.2", "clauses 4 to 6",
"paragraph 3.1 of Schedule 2", "Schedule 2" (docs/dev/import.md, Cross-references).

`find_refs` finds them in a text; `paths` turns a number into the sibling positions it names,
whatever the format the document numbered it in ("14.2(a)" is the first child of the second child
of the fourteenth clause)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_NUM = r"\d{1,3}(?:\.\d{1,3}){0,4}(?:\s?\((?:[a-z]{1,5}|\d{1,2})\)){0,2}"
_JOIN = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and/or|and|or|to)\s+|\s?[-\u2013\u2014]\s?)"
_KW = r"(?:[Ss]ub-?[Cc]lauses?|[Cc]lauses?|CLAUSES?|[Pp]aragraphs?|PARAGRAPHS?|[Pp]aras?\.)"
REFS = re.compile(
    rf"(?<![\w-])(?P<kw>{_KW})\s+(?P<nums>{_NUM}(?:{_JOIN}{_NUM})*)(?![\w.]\d)"
    rf"(?P<sch>\s+(?:of|in)\s+(?:(?P<this>this\s+[Ss]chedule)|(?P<schword>[Ss]chedule|SCHEDULE)\s+(?P<schn>\d{{1,3}})))?"
    r"(?![\w])"
)
SCHEDULES = re.compile(rf"(?<![\w-])(?P<word>[Ss]chedules?|SCHEDULES?)\s+(?P<nums>\d{{1,3}}(?:{_JOIN}\d{{1,3}})*)(?![\w.]\d)(?!\w)")
NUM = re.compile(_NUM)
#: "… of the Children Act 1989", "… to the Data Protection Act 2018": another instrument's numbering.
EXTERNAL = re.compile(
    r"\s*,?\s+(?:of|to|in|under)\s+(?:the\s+)?(?:[A-Z][\w’'()-]*\s+){0,8}?"
    r"(?:Act|Regulations|Order|Rules|Directive|Convention|Treaty|Code|Framework|Agreement\s+\d{4})\b"
)


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    keyword: str  # "clause" | "paragraph" | "schedule"
    numbers: tuple[tuple[int, int, str], ...]  # (start, end, text) of each number
    schedule: tuple[int, int, int] | None = None  # (start, end, N) of "Schedule N" after "of"
    this_schedule: bool = False
    plural_schedules: bool = False


def find_refs(text: str) -> list[Found]:
    """Return the typed references in `text`, left to right, never overlapping; references to
    another instrument ("section 3 of the X Act", "paragraph 2 of Schedule 1 to the Y Act") are
    left out."""
    out: list[Found] = []
    taken: list[tuple[int, int]] = []
    for m in REFS.finditer(text):
        if EXTERNAL.match(text, m.end()):
            continue
        kw = m.group("kw").lower()
        keyword = "paragraph" if kw.startswith("para") else "clause"
        base = m.start("nums")
        nums = tuple((base + n.start(), base + n.end(), n.group(0)) for n in NUM.finditer(m.group("nums")))
        sched = None
        if m.group("schn"):
            sched = (m.start("schword"), m.end("schn"), int(m.group("schn")))
        out.append(Found(m.start(), m.end(), keyword, nums, sched, bool(m.group("this"))))
        taken.append((m.start(), m.end()))
    for m in SCHEDULES.finditer(text):
        if any(a <= m.start() < b for a, b in taken) or EXTERNAL.match(text, m.end()):
            continue
        base = m.start("nums")
        nums = tuple((base + n.start(), base + n.end(), n.group(0)) for n in re.finditer(r"\d{1,3}", m.group("nums")))
        plural = m.group("word").lower().endswith("s")
        out.append(Found(m.start(), m.end(), "schedule", nums, None, False, plural))
    out.sort(key=lambda f: f.start)
    return out


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
          "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15, "xvi": 16, "xvii": 17, "xviii": 18,
          "xix": 19, "xx": 20}


def _letters(s: str) -> int | None:
    if len(s) == 1:
        return ord(s) - 96
    if len(s) == 2 and s[0] == s[1]:  # (aa) after (z)
        return 26 + ord(s[0]) - 96
    return None


def paths(number: str) -> list[tuple[int, ...]]:
    """The sibling positions `number` may name, most likely first: "14.2.1(a)" → [(14, 2, 1, 1)];
    "3(i)" → [(3, 9), (3, 1)] (a letter i, or a roman one)."""
    m = re.match(r"(\d{1,3}(?:\.\d{1,3})*)", number)
    if not m:
        return []
    head = tuple(int(x) for x in m.group(1).split("."))
    groups = re.findall(r"\(([a-z]{1,5}|\d{1,2})\)", number[m.end():])
    options: list[list[int]] = []
    for k, g in enumerate(groups):
        choice: list[int] = []
        if g.isdigit():
            choice.append(int(g))
        else:
            letter, roman = _letters(g), _ROMAN.get(g)
            # contractgen's scheme: the first bracket is a letter, the second a roman numeral
            first, second = (letter, roman) if k == 0 else (roman, letter)
            choice += [v for v in (first, second) if v is not None]
        if not choice:
            return []
        options.append(list(dict.fromkeys(choice)))
    return [head + tuple(combo) for combo in itertools.product(*options)] if options else [head]
