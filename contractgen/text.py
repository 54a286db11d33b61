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


def format_value(param: Parameter, value: Any) -> str:
    """Return the prose form of a parameter value."""
    t = param.type
    if t == "money":
        d = Decimal(str(value))
        if d == d.to_integral_value():
            return f"£{int(d):,}"
        return f"£{d:,.2f}"
    if t == "percent":
        return f"{_num(value)}%"
    if t in ("integer", "number"):
        shown = f"{value:,}" if isinstance(value, int) and abs(value) >= 10000 else _num(value)
        if param.unit:
            unit = param.unit if value == 1 else (param.unit_plural or param.unit + "s")
            return f"{shown} {unit}"
        return shown
    if t == "date":
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return f"{day.day} {day.strftime('%B')} {day.year}"
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
