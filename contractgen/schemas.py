"""JSON Schemas of the source files: used to check sources and written by `contractgen schema`."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .errors import SchemaError, SourceError, did_you_mean
from .loader import Map, Seq, key_pos_of, pos_of

ID_PATTERN = r"^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$"
PARAM_PATTERN = r"^[a-z][a-z0-9_]*$"
ARRANGEMENTS = [
    "framework", "dps", "approved-list", "select-list", "block", "cost-and-volume", "spot",
    "open-framework", "dynamic-market",
]
CATEGORIES = ["specification", "terms", "commercial", "procedure", "monitoring"]
PARAM_TYPES = ["integer", "number", "money", "percent", "text", "choice", "boolean", "date"]

_ID = {"type": "string", "pattern": ID_PATTERN,
       "x-fix": "use lower-case letters and digits, joined by '.' or '-', e.g. 'fees.annual-uplift'"}
_TEXT = {"type": "string", "minLength": 1}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "x-fix": "write the date as YYYY-MM-DD"}
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
        "date": _DATE,
        "status": {"enum": ["draft", "published", "withdrawn"]},
        "parts": {"type": "array", "minItems": 1,
                  "items": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]+\.ya?ml$"}},
        "names": {"type": "array", "items": {"type": "string"}},
        "parameters": {"type": "object", "propertyNames": {"pattern": PARAM_PATTERN},
                       "additionalProperties": {"$ref": "#/$defs/parameter"}},
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
OPS = ["set", "replace", "amend", "insert", "delete", "move", "define", "undefine", "retitle"]

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
        "effective": {**_DATE, "description": "The date the varied contract takes effect."},
        "title": _TEXT,
        "consortium": CONSORTIUM,
        "variations": {"type": "array", "items": VARIATION},
    },
    "$defs": {"clause": CLAUSE},
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "overlay": OVERLAY,
    "contract": CONTRACT,
    "definitions": DEFINITIONS,
    "part": PART,
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


def check(data: Any, schema_name: str) -> tuple[list[SourceError], list[SourceError]]:
    """Return (errors, warnings) for `data` (a loaded Map) against the named schema."""
    schema = SCHEMAS[schema_name]
    validator = Draft202012Validator(schema)
    errors: list[SourceError] = []
    warnings: list[SourceError] = []
    for err in validator.iter_errors(_plain(data)):
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
        if v == "additionalProperties" and isinstance(container, dict):
            allowed = list(err.schema.get("properties", {}))
            for extra in sorted(set(container) - set(allowed)):
                hint = did_you_mean(extra, allowed) or f"allowed keys: {', '.join(allowed)}"
                warnings.append(SchemaError(key_pos_of(container, extra), f"unknown key '{extra}'", hint))
            continue
        if v == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            errors.append(SchemaError(pos_of(container) or pos, f"missing required key '{missing}' in {where}",
                                      f"add '{missing}:'"))
        elif v == "type":
            want = err.validator_value
            want = " or ".join(want) if isinstance(want, list) else want
            errors.append(SchemaError(pos, f"{where} should be {_article(want)}, not {_kind(err.instance)}",
                                      fix or f"write {_article(want)} here"))
        elif v == "enum":
            choices = [str(c) for c in err.validator_value]
            hint = did_you_mean(str(err.instance), choices) or f"use one of: {', '.join(choices)}"
            errors.append(SchemaError(pos, f"'{err.instance}' is not allowed for {where}", hint))
        elif v == "pattern":
            errors.append(SchemaError(pos, f"'{err.instance}' is not a valid {path[-1] if path else 'value'}",
                                      fix or f"it must match {err.validator_value}"))
        elif v == "propertyNames":
            errors.append(SchemaError(pos, f"'{err.instance}' is not a valid name in {where}",
                                      "use lower-case letters, digits and '_'"))
        elif v == "minLength":
            errors.append(SchemaError(pos, f"{where} is empty", "write the text, or remove the key"))
        elif v == "minItems":
            errors.append(SchemaError(pos, f"{where} needs at least {err.validator_value} item(s)",
                                      "add an item"))
        else:
            errors.append(SchemaError(pos, f"{where}: {err.message}", fix))
    return errors, warnings


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


__all__ = ["SCHEMAS", "check", "write_schemas", "Map", "Seq"]
