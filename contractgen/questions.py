"""Quality questions and the scoring scale: shipped data a commissioner can replace, weighted per lot."""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from .errors import SchemaError, SourceError, SourceErrors
from .loader import load_yaml, pos_of
from .render.docx import template_path
from .text import counted

#: The data file, found like a template: a commissioner's DIR/pack/quality-questions.yaml wins.
QUESTIONS_FILE = "pack/quality-questions.yaml"
#: The lot's facts a question about the lot may name, in braces: {services}.
LOT_FIELDS = ("lot", "services", "age_bands", "tiers", "need")
_FIELD = re.compile(r"\{([^{}]*)\}")
#: The national contracts a text may be worded for (fostering:, residential:).
NATIONAL = ("fostering", "residential")


def load_questions(contract_id: str) -> dict[str, Any]:
    """Return the quality questions and scoring scale for a contract ('fostering' or
    'residential'), each text in that contract's wording; a mistake is a located SourceErrors."""
    from .schemas import check

    path = template_path(QUESTIONS_FILE)
    data = load_yaml(path)
    errors, _ = check(data, "quality-questions")
    if errors:
        raise SourceErrors(errors)
    scale = data["scale"]
    for i, row in enumerate(scale):
        if row["score"] != i:
            raise SourceErrors([SchemaError(pos_of(row, "score"), f"score {row['score']} is out of order: the "
                                            f"scale runs from 0 upwards without gaps, so row {i + 1} scores {i}",
                                            "list the scores 0, 1, 2… in order")])
    seen: dict[str, Any] = {}
    problems: list[SourceError] = []
    questions = []
    for q in data["questions"]:
        if q["id"] in seen:
            problems.append(SchemaError(pos_of(q, "id"), f"question id {q['id']!r} is used twice",
                                        "give each question its own id"))
        seen[q["id"]] = q
        title, question = _worded(q, "title", contract_id), _worded(q, "question", contract_id)
        points = [_worded(q["good_answer"], i, contract_id) for i in range(len(q["good_answer"]))]
        allowed = LOT_FIELDS if q.get("for_each_lot") else ()
        problems += _field_problems(title, q, "title", allowed)
        problems += _field_problems(question, q, "question", allowed)
        for i, item in enumerate(points):
            problems += _field_problems(item, q["good_answer"], i, allowed)
        questions.append({"id": q["id"], "for_each_lot": bool(q.get("for_each_lot")), "weight": q["weight"],
                          "word_limit": q["word_limit"], "title": title, "question": question,
                          "good_answer": points})
    if problems:
        raise SourceErrors(problems)
    return {"scale": [{"score": r["score"], "label": r["label"], "meaning": r["meaning"]} for r in scale],
            "questions": questions}


def _worded(container: Any, key: str | int, contract_id: str) -> str:
    """Return a text given once, or once for each contract ({fostering: …, residential: …})."""
    value = container[key]
    if isinstance(value, dict):
        if contract_id not in NATIONAL:  # a contract of its own: the first wording given
            return " ".join(str(next(iter(value.values()))).split())
        if contract_id not in value:
            raise SourceErrors([SchemaError(pos_of(container, key), f"gives no {contract_id} wording",
                                            f"add '{contract_id}:' with its wording, or give one wording for both")])
        return " ".join(str(value[contract_id]).split())
    return " ".join(str(value).split())


def _field_problems(text: str, container: Any, key: str | int, allowed: tuple[str, ...]) -> list[SourceError]:
    out: list[SourceError] = []
    for m in _FIELD.finditer(text):
        if m[1] not in allowed:
            pos = pos_of(container, key)
            fix = (f"use one of {', '.join('{' + f + '}' for f in allowed)}" if allowed else
                   "lot facts can be named only in the question marked for_each_lot: true")
            out.append(SchemaError(pos, f"{{{m[1]}}} names no lot fact", fix))
    return out


def distribute(share: float, weights: list[float]) -> list[Decimal]:
    """Return `share` divided among `weights` in proportion, rounded by the largest-remainder
    method to whole percentages (or to the share's own decimal places), summing to `share`
    exactly; among equal remainders the earlier question gets the extra unit."""
    total = Decimal(str(share))
    places = max(0, -total.normalize().as_tuple().exponent) if total else 0  # type: ignore[operator]
    unit = Decimal(1).scaleb(-places)
    units = int(total / unit)
    wsum = sum(Decimal(str(w)) for w in weights)
    exact = [Decimal(str(w)) * units / wsum for w in weights]
    floors = [int(e.to_integral_value(ROUND_FLOOR)) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: units - sum(floors)]:
        floors[i] += 1
    return [f * unit for f in floors]


def percent(d: Decimal) -> str:
    return f"{d.normalize():f}%"


def _lot_fields(lot: dict[str, Any], facts: list[dict[str, str]]) -> dict[str, str]:
    """Return the words a question about the lot fills its {fields} with, from its specification's facts."""
    row = {r["fact"]: r["value"] for r in facts}
    need = row.get("Level of need")
    tiers = re.match(r"(\d+) tiers?", row.get("Tiers", ""))
    return {
        "lot": lot["name"] if re.match(r"(?i)lot\s*\d", lot["name"]) else f"lot {lot['number']} ({lot['name']})",
        "services": row["Services"],
        "age_bands": row["Age bands"],
        "tiers": f"has {counted(int(tiers[1]), 'tier')}" if tiers else "is not tiered",
        "need": (f"a {need.lower()} level of need" if need and " and " not in need else
                 f"{need.lower().replace(' and ', ' or ')} levels of need" if need else
                 "the needs the service specification describes"),
    }


def _fill(text: str, fields: dict[str, str]) -> str:
    """Return `text` with each {field} replaced; without fields (a general question) it is unchanged,
    as loading has refused a {field} there."""
    return _FIELD.sub(lambda m: fields[m[1]], text) if fields else text


def quality_context(contract_id: str, award: Any, lots: list[dict[str, Any]],
                    facts: list[list[dict[str, str]]]) -> dict[str, Any]:
    """Return the template variables of the quality questions and the scoring scale: for each lot
    its questions, each weighted in whole percentages that add up to the quality share."""
    data = load_questions(contract_id)
    share = award["quality"]  # a pack needs the weightings (pack.check_needed)
    scale = data["scale"]
    top = scale[-1]["score"]
    out_lots = []
    for lot, lot_facts in zip(lots, facts):
        fields = _lot_fields(lot, lot_facts)
        qs = data["questions"]
        weights = distribute(share, [q["weight"] for q in qs])
        rows = []
        for n, (q, w) in enumerate(zip(qs, weights), start=1):
            lot_fields = fields if q["for_each_lot"] else {}
            title = _fill(q["title"], lot_fields)
            rows.append({"number": f"{lot['number']}.{n}", "title": title[:1].upper() + title[1:],
                         "question": _fill(q["question"], lot_fields),
                         "good_answer": [_fill(g, lot_fields) for g in q["good_answer"]],
                         "word_limit": f"{q['word_limit']:,} words", "weight": percent(w),
                         "lot_question": q["for_each_lot"]})
        out_lots.append({"number": lot["number"], "label": lot["label"],
                         "heading": lot["label"][:1].upper() + lot["label"][1:], "questions": rows,
                         "total": percent(sum(weights, Decimal(0)))})
    share_text = percent(Decimal(str(share)))
    return {
        "scale": scale,
        "scale_low": str(scale[0]["score"]),
        "scale_high": str(top),
        "quality_share": share_text,
        "quality_lots": out_lots,
        "quality_weighting_text": (
            f"Quality carries {share_text} of the marks. Each lot's questions are weighted as shown, and their "
            f"weightings add up to {share_text}."),
    }


def questions_path() -> Path:
    """Return the quality-questions file in use (a commissioner's copy under --templates, or the shipped one)."""
    return template_path(QUESTIONS_FILE)
