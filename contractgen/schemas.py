"""JSON Schemas of the source files: used to check sources and written by `contractgen schema`."""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported when a source is checked, not by every command
    from jsonschema import ValidationError

from .errors import SchemaError, SourceError, did_you_mean
from .loader import Map, Seq, key_pos_of, literal_problem, pos_of, written
from .render.zipnorm import FIRST_YEAR, LAST_YEAR

ID_PATTERN = r"^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$"
PARAM_PATTERN = r"^[a-z][a-z0-9_]*$"
ARRANGEMENTS = [
    "framework", "dps", "approved-list", "select-list", "block", "cost-and-volume", "spot",
    "open-framework", "dynamic-market",
]
CATEGORIES = ["specification", "terms", "commercial", "procedure", "monitoring"]
PARAM_TYPES = ["integer", "number", "money", "percent", "text", "choice", "boolean", "date"]
#: An https address a file name can be appended to: a host, an optional port and a path of URI
#: characters (RFC 3986); no query, fragment, user name or spaces.
HTTPS_URL_PATTERN = (r"^https://[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                     r"(?::[0-9]{1,5})?(?:/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*)*$")

_ID = {"type": "string", "pattern": ID_PATTERN,
       "x-fix": "use lower-case letters and digits, joined by '.' or '-', e.g. 'fees.annual-uplift'"}
_TEXT = {"type": "string", "minLength": 1}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date",
         "x-fix": "write the date as YYYY-MM-DD"}
#: A date that becomes the timestamps inside the .docx and pack zips.
_ZIP_DATE = {**_DATE, "x-zip-year": [FIRST_YEAR, LAST_YEAR]}
_SCALAR = {"type": ["string", "number", "boolean"]}

_TABLE = {
    "type": "object",
    "description": "A table shown after the clause's text.",
    "required": ["columns", "rows"],
    "additionalProperties": False,
    "properties": {
        "columns": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "rows": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
    },
}

_WHEN = {
    "type": "object",
    "description": "Include the clause only when each named parameter has the value (or one of the values) given.",
    "propertyNames": {"pattern": PARAM_PATTERN},
    "additionalProperties": {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR, "minItems": 1}]},
}

CLAUSE: dict[str, Any] = {
    "type": "object",
    "required": ["id"],
    "additionalProperties": False,
    "properties": {
        "id": {**_ID, "description": "Stable id, unique in the contract; never a number."},
        "heading": {**_TEXT, "description": "Heading (level 1) or bold lead-in (levels 2+)."},
        "text": {**_TEXT, "description": "Text; {{ parameter }} inserts a value, [[ id ]] a clause or schedule number."},
        "when": _WHEN,
        "list": {"enum": ["definitions"], "description": "Render the defined terms after this clause."},
        "table": _TABLE,
        "changes": {**_TEXT, "description": "The editor's note on what this version changed in the clause "
                                            "(docs/dev/revisions.md); not contract text."},
        "children": {"type": "array", "items": {"$ref": "#/$defs/clause"}},
    },
}

PARAMETER: dict[str, Any] = {
    "type": "object",
    "required": ["type", "default", "description"],
    "additionalProperties": False,
    "properties": {
        "type": {"enum": PARAM_TYPES},
        "default": {"description": "The value used unless an overlay sets another."},
        "description": _TEXT,
        "unit": {"type": "string", "description": "Singular unit for integer/number values, e.g. 'day'."},
        "unit_plural": {"type": "string"},
        "choices": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "minimum": {"type": "number"},
        "from": {"type": "string", "pattern": r"^consortium\.[a-z_.]+$",
                 "description": "Take the value from an overlay's consortium particulars, e.g. consortium.tiers."},
        "changes": {**_TEXT, "description": "The editor's note on what this version changed in the parameter."},
    },
}

MIGRATION_ENTRY: dict[str, Any] = {
    "type": "object",
    "required": ["from", "to", "note"],
    "additionalProperties": False,
    "description": "What became of ids of the revised version (docs/dev/revisions.md).",
    "properties": {
        "of": {"enum": ["clause", "term", "parameter"], "description": "What the ids name; clause by default."},
        "from": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        "to": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "note": _TEXT,
    },
}

CONTRACT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "contract.schema.json",
    "title": "contractgen national contract version (contract.yaml)",
    "type": "object",
    "required": ["id", "title", "version", "date", "status", "parts", "parameters"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z][a-z0-9-]*$"},
        "title": _TEXT,
        "short_title": _TEXT,
        "version": {"type": "string", "minLength": 1, "x-fix": 'quote the version, e.g. version: "2026.1"'},
        "date": {**_ZIP_DATE, "description": "The version's date; also the timestamp inside the .docx."},
        "status": {"enum": ["draft", "published", "withdrawn"]},
        "parts": {"type": "array", "minItems": 1,
                  "items": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]+\.ya?ml$"}},
        "names": {"type": "array", "items": {"type": "string"}},
        "parameters": {"type": "object", "propertyNames": {"pattern": PARAM_PATTERN},
                       "additionalProperties": {"$ref": "#/$defs/parameter"}},
        "revises": {"type": "string", "minLength": 1, "x-fix": 'quote the version, e.g. revises: "2026.1"',
                    "description": "The version of this contract that this version revises."},
        "migration": {"type": "array", "items": MIGRATION_ENTRY,
                      "description": "What became of the revised version's ids that did not stay."},
    },
    "$defs": {"parameter": PARAMETER},
}

DEFINITIONS: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "definitions.schema.json",
    "title": "contractgen defined terms (definitions.yaml)",
    "type": "object",
    "required": ["definitions"],
    "additionalProperties": False,
    "properties": {
        "definitions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["term", "text"],
                "additionalProperties": False,
                "properties": {
                    "term": {"type": "string", "pattern": r"^[A-Z0-9]",
                             "x-fix": "a defined term starts with a capital letter"},
                    "forms": {"type": "array", "items": {"type": "string"}},
                    "text": _TEXT,
                    "changes": {**_TEXT, "description": "The editor's note on what this version changed."},
                },
            },
        }
    },
}

PART: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "part.schema.json",
    "title": "contractgen terms or schedule (a part of a contract)",
    "type": "object",
    "required": ["id", "kind", "title", "clauses"],
    "additionalProperties": False,
    "properties": {
        "id": _ID,
        "kind": {"enum": ["terms", "schedule"]},
        "title": _TEXT,
        "clauses": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/clause"}},
    },
    "$defs": {"clause": CLAUSE},
}

_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_NEW_CLAUSE = {"$ref": "#/$defs/clause"}
from .ops import NAMES as OPS  # noqa: E402  (the operations are declared in contractgen.ops)

VARIATION: dict[str, Any] = {
    "type": "object",
    "required": ["id", "op", "rationale", "category"],
    "additionalProperties": False,
    "properties": {
        "id": {**_ID, "description": "The variation's own id, unique in the overlay."},
        "op": {"enum": OPS, "description": "What the variation does."},
        "clause": {"description": "The clause varied (an id), or for insert the new clause itself.",
                   "anyOf": [_ID, _NEW_CLAUSE]},
        "parameter": {"type": "string", "pattern": PARAM_PATTERN, "description": "set: the parameter."},
        "value": {"description": "set: the new value."},
        "term": {"type": "string", "description": "define / undefine: the defined term."},
        "forms": _STRINGS,
        "text": {**_TEXT, "description": "replace / define: the new text."},
        "heading": {**_TEXT, "description": "retitle / replace: the new heading."},
        "table": {**_TABLE, "description": "replace: the clause's new table."},
        "find": {**_TEXT, "description": "amend: the exact text to find (it must occur exactly once)."},
        "replace": {"type": "string", "description": "amend: what replaces it."},
        "before": _ID,
        "after": _ID,
        "into": {**_ID, "description": "insert / move: as the last child of this clause (or schedule)."},
        "rationale": {"type": "string",
                      "x-fix": "say why local need requires this variation",
                      "description": "Why local need requires this variation."},
        "category": {"enum": CATEGORIES},
        "pin": {"type": "string", "pattern": r"^[0-9a-f]{8}$",
                "x-fix": "run `contractgen pin` on the overlay to fill it",
                "description": "Short hash of the base text the variation was written against."},
    },
}

#: The tender's dates a consortium may give (docs/dev/pack-facts.md), in the order they fall.
TIMETABLE_KEYS = ["published", "clarifications_close", "tender_deadline", "award_notified", "signed"]
#: The consortium particulars an `assumed:` entry may name.
PARTICULAR_KEYS = ["name", "short_name", "region", "lead", "members", "arrangement", "services", "lots",
                   "age_bands", "tiers", "term", "award", "call_off", "monitoring", "documents_url", "portal",
                   "contact", "timetable"]

CONSORTIUM: dict[str, Any] = {
    "type": "object",
    "required": ["name", "arrangement"],
    "additionalProperties": False,
    "properties": {
        "name": _TEXT,
        "short_name": _TEXT,
        "region": _TEXT,
        "lead": {**_TEXT, "description": "The lead authority."},
        "members": {**_STRINGS, "description": "The member authorities."},
        "arrangement": {"enum": ARRANGEMENTS},
        "services": _STRINGS,
        "lots": {**_STRINGS, "description": "The lots; empty when there are none."},
        "age_bands": _STRINGS,
        "tiers": {"type": "integer", "minimum": 0, "description": "Number of tiers; 0 when none."},
        "term": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "start": _DATE,
                "years": {"type": "number", "exclusiveMinimum": 0},
                "extensions": {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0}},
            },
        },
        "award": {
            "type": "object",
            "required": ["quality", "price"],
            "additionalProperties": False,
            "properties": {
                "quality": {"type": "number", "minimum": 0, "maximum": 100},
                "price": {"type": "number", "minimum": 0, "maximum": 100},
            },
        },
        "call_off": {**_TEXT, "description": "How referrals go out: sequential by tier, all at once, mini-competition…"},
        "monitoring": _TEXT,
        "documents_url": {
            "type": "string", "pattern": HTTPS_URL_PATTERN,
            "x-fix": "write the https address the pack's documents will be published at, "
                     "e.g. https://www.example.gov.uk/tenders/fostering-2026/",
            "description": "Where the consortium will publish the pack's documents (https); the OCDS "
                           "release package's document URLs are this address followed by each file's name.",
        },
        "portal": {
            "type": "object",
            "required": ["name", "url"],
            "additionalProperties": False,
            "description": "The e-tendering portal tenders and clarification questions go through.",
            "properties": {
                "name": _TEXT,
                "url": {"type": "string", "pattern": HTTPS_URL_PATTERN,
                        "x-fix": "write the portal's https address, e.g. https://www.example-portal.co.uk/"},
            },
        },
        "contact": {**_TEXT, "description": "Who answers clarification questions, e.g. the Children's "
                                            "Commissioning Team."},
        "timetable": {
            "type": "object",
            "additionalProperties": False,
            "description": "Dates of the tender; any left out is set back from the Commencement Date.",
            "properties": {key: _DATE for key in TIMETABLE_KEYS},
        },
        "assumed": {
            "type": "object",
            "description": "Particulars whose values are illustrative (the sources do not state them): "
                           "each key is a particular, its value why it is assumed.",
            "propertyNames": {"enum": PARTICULAR_KEYS},
            "additionalProperties": _TEXT,
        },
    },
}

OVERLAY: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "overlay.schema.json",
    "title": "contractgen overlay: a consortium's declared variations (variations/<id>.yaml)",
    "type": "object",
    "required": ["id", "effective", "consortium", "variations"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z][a-z0-9-]*$",
               "x-fix": "use lower-case letters, digits and '-'; it must match the file name"},
        "base": {"type": "string", "pattern": r"^[a-z][a-z0-9-]*@[A-Za-z0-9._-]+$",
                 "x-fix": "write the base as contract@version, e.g. fostering@2026.1"},
        "extends": {"type": "string", "pattern": r"^[a-z][a-z0-9-]*$"},
        "effective": {**_ZIP_DATE, "description": "The date the varied contract takes effect."},
        "title": _TEXT,
        "consortium": CONSORTIUM,
        "variations": {"type": "array", "items": VARIATION},
    },
    "$defs": {"clause": CLAUSE},
}

#: A text given once, or once for each national contract.
_WORDED = {"anyOf": [_TEXT, {"type": "object", "additionalProperties": False, "minProperties": 1,
                             "properties": {"fostering": _TEXT, "residential": _TEXT}}],
           "x-fix": "write the text, or give fostering: and residential: wordings"}

QUALITY_QUESTIONS: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "contractgen quality questions (templates/pack/quality-questions.yaml)",
    "type": "object",
    "required": ["scale", "questions"],
    "additionalProperties": False,
    "properties": {
        "scale": {
            "type": "array", "minItems": 2,
            "description": "The scoring scale, one row per score from 0 upwards, printed in the award criteria "
                           "and the quality questions.",
            "items": {"type": "object", "required": ["score", "label", "meaning"], "additionalProperties": False,
                      "properties": {"score": {"type": "integer", "minimum": 0, "maximum": 100},
                                     "label": _TEXT, "meaning": _TEXT}},
        },
        "questions": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "title", "weight", "word_limit", "question", "good_answer"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": r"^[a-z][a-z0-9-]*$",
                           "x-fix": "use lower-case letters, digits and '-'"},
                    "for_each_lot": {"type": "boolean",
                                     "description": "The question about the lot itself: {lot}, {services}, "
                                                    "{age_bands}, {tiers} and {need} name its facts."},
                    "title": _WORDED,
                    "weight": {"type": "number", "exclusiveMinimum": 0,
                               "description": "Relative weight: the quality share is divided in proportion.",
                               "x-fix": "give a number greater than 0"},
                    "word_limit": {"type": "integer", "minimum": 1, "maximum": 100000,
                                   "x-fix": "give a whole number of words"},
                    "question": _WORDED,
                    "good_answer": {"type": "array", "minItems": 1, "items": _WORDED,
                                    "description": "What a good answer covers, one point an item."},
                },
            },
        },
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "overlay": OVERLAY,
    "contract": CONTRACT,
    "definitions": DEFINITIONS,
    "part": PART,
    "quality-questions": QUALITY_QUESTIONS,
}


def write_schemas(folder: Path) -> list[Path]:
    """Return the paths of the JSON Schema files written into `folder`."""
    from .output import write_atomic

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in sorted(SCHEMAS.items()):
        path = folder / f"{name}.schema.json"
        write_atomic(path, (json.dumps(schema, indent=2, sort_keys=False) + "\n").encode())
        written.append(path)
    return written


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def _is_date(value: object) -> bool:
    """A YYYY-MM-DD string must be a real date (a quoted "2026-02-30" is not)."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        _dt.date.fromisoformat(value)
    return True


def _zip_year(validator: Any, years: list[int], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    from jsonschema import ValidationError  # noqa: PLC0415

    if isinstance(instance, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", instance):
        year = int(instance[:4])
        if year < years[0]:
            yield ValidationError(f"{instance} is before {years[0]}, the first year a .docx (zip) can record")
        elif year > years[1]:
            yield ValidationError(f"{instance} is after {years[1]}, the last year a .docx (zip) can record")


_VALIDATORS: dict[str, Any] = {}
_KIT: list[Any] = []  # [validator class, format checker], made on first use


def _kit() -> list[Any]:
    if not _KIT:
        from jsonschema import Draft202012Validator, FormatChecker, validators  # noqa: PLC0415

        formats = FormatChecker(formats=())
        formats.checks("date", raises=ValueError)(_is_date)
        _KIT[:] = [validators.extend(Draft202012Validator, {"x-zip-year": _zip_year}), formats]
    return _KIT


#: Keys whose value is an id (text); a number there is almost always a clause number or an
#: unquoted id that YAML read as a number.
ID_KEYS = ("id", "clause", "before", "after", "into", "target", "extends")
_CLAUSE_REFS = ("clause", "before", "after", "into", "target")


def check(data: Any, schema_name: str) -> tuple[list[SourceError], list[SourceError]]:
    """Return (errors, warnings) for `data` (a loaded Map) against the named schema."""
    validator = _VALIDATORS.get(schema_name)
    if validator is None:
        cls, formats = _kit()
        validator = _VALIDATORS[schema_name] = cls(SCHEMAS[schema_name], format_checker=formats)
    errors: list[SourceError] = []
    warnings: list[SourceError] = []
    for err in validator.iter_errors(_plain(data)):
        _report(err, data, errors, warnings)
    return errors, warnings


def _report(err: ValidationError, data: Any, errors: list[SourceError], warnings: list[SourceError]) -> None:
    """Add the message for one schema error, located in `data`, to `errors` (or `warnings`)."""
    container = data
    path = list(err.absolute_path)
    parent = None
    for step in path:
        parent = container
        try:
            container = container[step]
        except (KeyError, IndexError, TypeError):
            break
    last = path[-1] if path else None
    pos = pos_of(parent, last) if parent is not None else pos_of(data)
    if pos is None:
        pos = pos_of(data)
    where = ".".join(str(p) for p in path) or "the document"
    fix = err.schema.get("x-fix", "") if isinstance(err.schema, dict) else ""
    v = err.validator
    inst = err.instance
    if v == "additionalProperties" and isinstance(container, dict):
        allowed = list(err.schema.get("properties", {}))
        for extra in sorted(set(container) - set(allowed)):
            hint = did_you_mean(extra, allowed) or f"allowed keys: {', '.join(allowed)}"
            warnings.append(SchemaError(key_pos_of(container, extra), f"unknown key '{extra}'", hint))
        return
    if v in ("type", "anyOf", "oneOf") and _is_number(inst) and last in ID_KEYS:
        errors.append(_number_for_id(pos, str(last), inst))
        return
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        errors.append(SchemaError(pos_of(container) or pos, f"missing required key '{missing}' in {where}",
                                  f"add '{missing}:'"))
    elif v == "type":
        wants = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        special = next((p for w in wants if (p := literal_problem(inst, pos, w))), None)
        if special:
            errors.append(SchemaError(pos, *special))
        else:
            want = _either([_article(w) for w in wants])
            errors.append(SchemaError(pos, f"{where} should be {want}, not {_kind(inst)}",
                                      fix or f"write {want} here"))
    elif v in ("anyOf", "oneOf"):
        fitting = _fitting_alternatives(err)
        if len(fitting) == 1:
            for sub in fitting[0]:
                _report(sub, data, errors, warnings)
            return
        want = _either([_describe(alt) for alt in err.validator_value])
        errors.append(SchemaError(pos, f"{where} should be {want}, not {_kind(inst)}", fix or "write one of those here"))
    elif v == "enum":
        choices = [str(c) for c in err.validator_value]
        hint = did_you_mean(str(inst), choices) or f"use one of: {', '.join(choices)}"
        errors.append(SchemaError(pos, f"'{inst}' is not allowed for {where}", hint))
    elif v == "pattern":
        if isinstance(err.schema, dict) and err.schema.get("format") == "date":
            special = literal_problem(inst, pos, "date")
            loose = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", str(inst))
            hint = f"write it as {loose[1]}-{int(loose[2]):02d}-{int(loose[3]):02d}" if loose else fix
            errors.append(SchemaError(pos, special[0] if special else f"'{inst}' is not a date in the form YYYY-MM-DD",
                                      special[1] if special else hint))
        else:
            errors.append(SchemaError(pos, f"'{inst}' is not a valid {path[-1] if path else 'value'}",
                                      fix or f"it must match {err.validator_value}"))
    elif v == "format" and err.validator_value == "date":
        why = f": {err.cause}" if err.cause else ""
        errors.append(SchemaError(pos, f"'{inst}' is not a date{why}", "write a real date as YYYY-MM-DD"))
    elif v == "x-zip-year":
        first, end = err.validator_value
        errors.append(SchemaError(pos, err.message, f"give a date from {first} to {end}"))
    elif v == "propertyNames":
        errors.append(SchemaError(pos, f"'{inst}' is not a valid name in {where}",
                                  "use lower-case letters, digits and '_'"))
    elif v == "minLength":
        errors.append(SchemaError(pos, f"{where} is empty", "write the text, or remove the key"))
    elif v == "minItems":
        errors.append(SchemaError(pos, f"{where} needs at least {err.validator_value} item(s)",
                                  "add an item"))
    else:
        errors.append(SchemaError(pos, f"{where}: {err.message}", fix))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number_for_id(pos: Any, key: str, value: float) -> SchemaError:
    """A number where an id is wanted: `clause: 1.10` is read as 1.1; `id: 12` as 12."""
    raw = written(pos)
    shown = f"'{value}' is a number here ({raw} read as {value})" if raw and raw != str(value) \
        else f"{value} is a number here"
    if key in _CLAUSE_REFS:
        return SchemaError(pos, f"{shown}, but {key}: takes a clause id, which is text",
                           f"write the id the clause has in its part file, e.g. {key}: fees.invoicing, not its number")
    return SchemaError(pos, f"{shown}, but an id is text that starts with a letter",
                       f"write e.g. {key}: fees.annual-uplift")


def _fitting_alternatives(err: ValidationError) -> list[list[ValidationError]]:
    """Return, per alternative of an anyOf/oneOf whose type the value has, why it does not fit."""
    by_alt: dict[Any, list[ValidationError]] = {}
    for sub in err.context or []:
        by_alt.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = []
    for subs in by_alt.values():
        wrong_type = any(s.validator == "type" and [p for p in list(s.relative_schema_path)[1:] if p != "$ref"] == ["type"]
                         for s in subs)
        if not wrong_type:
            fitting.append(subs)
    return fitting


def _describe(schema: Any) -> str:
    """Return what a (sub)schema wants, in words: 'a clause id (text)', 'a list'…"""
    if not isinstance(schema, dict):
        return "a value"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        return {"clause": "a new clause (a mapping with id:, text:…)"}.get(name, f"a {name}")
    if "enum" in schema:
        return "one of: " + ", ".join(str(c) for c in schema["enum"])
    if schema.get("pattern") == ID_PATTERN:
        return "an id (text)"
    t = schema.get("type")
    if isinstance(t, list):
        return _either([_article(w) for w in t])
    if t == "array" and isinstance(schema.get("items"), dict):
        return f"a list of {_describe(schema['items']).removeprefix('a ').removeprefix('an ')}"
    return _article(t) if isinstance(t, str) else "a value"


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _article(word: str) -> str:
    word = {"object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
            "number": "a number", "boolean": "true or false"}.get(word, word)
    return word


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return type(value).__name__


__all__ = ["SCHEMAS", "Map", "Seq", "check", "write_schemas"]
