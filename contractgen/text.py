"""Inline text: `{{ parameter }}` placeholders and `[[ id ]]` cross-references."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal
from typing import Any

from .model import Parameter

TOKEN = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}|\[\[\s*([^\[\]]*?)\s*\]\]")
UNCLOSED = re.compile(r"\{\{(?![^{}]*\}\})|\[\[(?![^\[\]]*\]\])")


@dataclass(frozen=True)
class Seg:
    """A piece of inline text: plain text, a parameter value, or a reference."""

    kind: str  # "text" | "param" | "ref"
    value: str  # text; parameter name; target id
    raw: str = ""  # the token as written


def split(text: str) -> tuple[Seg, ...]:
    """Return the segments of `text` in order (cached: the same texts are split many times)."""
    return _split(text)


@lru_cache(maxsize=65536)
def _split(text: str) -> tuple[Seg, ...]:
    out: list[Seg] = []
    pos = 0
    for m in TOKEN.finditer(text):
        if m.start() > pos:
            out.append(Seg("text", text[pos : m.start()]))
        if m.group(1) is not None:
            out.append(Seg("param", m.group(1), m.group(0)))
        else:
            out.append(Seg("ref", m.group(2), m.group(0)))
        pos = m.end()
    if pos < len(text):
        out.append(Seg("text", text[pos:]))
    return tuple(out)


WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number_words(n: Any) -> str:
    """Return a count as UK drafting writes it in prose: one to nine in words, anything else in figures."""
    if isinstance(n, (int, float)) and not isinstance(n, bool) and float(n).is_integer() and 1 <= n <= 9:
        return WORDS[int(n) - 1]
    return _num(n)


def plural(n: Any, unit: str, unit_plural: str | None = None) -> str:
    """Return `unit` in the number `n` calls for ("year" for 1, else "years" or `unit_plural`)."""
    return unit if n == 1 else (unit_plural or unit + "s")


def in_months(n: Any, unit: str) -> int | None:
    """Return a period of years that is not whole (1.25) in months (15), else None."""
    if unit == "year" and isinstance(n, float) and not n.is_integer() and (n * 12).is_integer():
        return int(n * 12)
    return None


def counted(n: Any, unit: str, unit_plural: str | None = None) -> str:
    """Return "three years", "one year", "10 Working Days": a count and its noun, as prose writes
    them; a part of a year in months ("15 months" for 1.25 years)."""
    months = in_months(n, unit)
    if months is not None:
        return counted(months, "month")
    return f"{number_words(n)} {plural(n, unit, unit_plural)}"


def long_date(day: Any) -> str:
    """Return a date as prose writes it: 1 April 2026."""
    day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    return f"{day.day} {day.strftime('%B')} {day.year}"


def term_wording(commencement: Any, years: Any, extensions: Any, extension_total: Any) -> str:
    """Return the one wording of the term every document uses ("three years from 1 April 2026,
    which the Purchaser may extend by up to two years in all, in two extensions of one year each").

    `years` and `extension_total` are the contract's own values (contract_years, extension_years);
    `extensions` is the particulars' list of extension periods (None when they give none), used to
    say how the total is made up only when it adds up to that total; an empty list means no option
    to extend."""
    text = counted(years, "year") if years else "the term set out in the framework agreement"
    if commencement is not None:
        text += f" from {long_date(commencement)}" if years else f", from {long_date(commencement)}"
    if extension_total is None:  # a contract without an extension parameter: nothing to say
        return text
    periods = [e for e in (extensions or []) if isinstance(e, (int, float)) and not isinstance(e, bool)]
    if not extension_total or (extensions is not None and not periods):  # `extensions: []`: none
        return text + ", with no option to extend"
    if periods and sum(periods) != extension_total:
        periods = []
    if len(periods) == 1:
        return text + f", which the Purchaser may extend once, by up to {counted(extension_total, 'year')}"
    text += f", which the Purchaser may extend by up to {counted(extension_total, 'year')} in all"
    if not periods:
        return text
    if len(set(periods)) == 1:
        return text + f", in {counted(len(periods), 'extension')} of {counted(periods[0], 'year')} each"
    shown = [counted(e, "year") for e in periods]
    return text + f", in {counted(len(periods), 'extension')} of " + ", ".join(shown[:-1]) + " and " + shown[-1]


def earlier_start(commencement: Any, start: Any) -> str:
    """Return how documents mention a start date the particulars record (`term: {start: …}`):
    as the consortium's earlier arrangement, never as this Contract's start."""
    begun = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    now = commencement if isinstance(commencement, dt.date) else dt.date.fromisoformat(str(commencement))
    if begun < now:
        return f"The consortium's earlier arrangement began on {long_date(begun)}."
    return (f"The consortium's particulars record a start of {long_date(begun)}; this Contract starts "
            f"on the Commencement Date, {long_date(now)}.")


def format_value(param: Parameter, value: Any, figures: bool = False) -> str:
    """Return the prose form of a parameter value: counts of one to nine in words ("five Working
    Days"), 10 and over in figures; `figures` keeps every count in figures (for table cells)."""
    t = param.type
    if t == "money":
        d = Decimal(str(value))
        if d == d.to_integral_value():
            return f"£{int(d):,}"
        return f"£{d:,.2f}"
    if t == "percent":
        return f"{_num(value)}%"
    if t in ("integer", "number"):
        shown = f"{value:,}" if isinstance(value, int) and abs(value) >= 10000 else \
            _num(value) if figures else number_words(value)
        if param.unit:
            months = in_months(value, param.unit)
            if months is not None:
                return f"{_num(months) if figures else number_words(months)} {plural(months, 'month')}"
            return f"{shown} {plural(value, param.unit, param.unit_plural)}"
        return shown
    if t == "date":
        return long_date(value)
    if t == "choice":
        return param.labels.get(str(value), str(value))
    if t == "boolean":
        return "yes" if value else "no"
    return str(value)


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def type_problem(param: Parameter, value: Any) -> str | None:
    """Return why `value` is not a valid value for `param`, or None when it is."""
    t = param.type
    if t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return "a whole number"
    elif t in ("number", "money", "percent"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "a number"
        if isinstance(value, float) and not math.isfinite(value):
            return "a finite number"
        if t == "money" and value < 0:
            return "an amount of at least 0"
    elif t == "text":
        if not isinstance(value, str) or not value.strip():
            return "text"
    elif t == "choice":
        if not isinstance(value, str) or value not in param.choices:
            return "one of: " + ", ".join(param.choices)
    elif t == "boolean":
        if not isinstance(value, bool):
            return "true or false"
    elif t == "date":
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            return "a date (YYYY-MM-DD)"
    if param.minimum is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < param.minimum:
            return f"at least {_num(param.minimum)}"
    return None
