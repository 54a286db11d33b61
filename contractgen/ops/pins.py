"""Pins: a short hash of the text a variation was written against."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..model import Clause, Part, Term


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:8]


def pin_of_clause(clause: Clause) -> str:
    """Return the pin of a clause's own content (heading, text, table; not its children)."""
    table = [list(clause.table.columns), [list(r) for r in clause.table.rows]] if clause.table else None
    return _hash(["clause", clause.heading, clause.text, table])


def pin_of_part(part: Part) -> str:
    return _hash(["part", part.id, part.title])


def pin_of_value(name: str, value: Any) -> str:
    return _hash(["parameter", name, value])


def pin_of_term(term: Term | None) -> str:
    return _hash(["term", term.term if term else None, term.text if term else None])
