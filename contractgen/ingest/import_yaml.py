"""YAML that looks like the shipped sources, for `contractgen import`: block style, long text
folded (`>-`) at 100 columns, plain scalars where they read back unchanged, quoted otherwise,
and the `# yaml-language-server: $schema=…` first line. Deterministic: the same data gives the
same bytes."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import yaml

WIDTH = 100
SCHEMA_LINE = "# yaml-language-server: $schema=../../../schemas/{}.schema.json"
_PLAIN_START = re.compile(r"[A-Za-z0-9(£$€\u00a0-\uffff]")
_SEPARATOR = "# " + "-" * 91


def _reads_back(text: str) -> bool:
    """Whether `text` written plain after `key: ` reads back as the same string (under YAML 1.1
    and 1.2: a value 1.1 would read as a boolean, number or date is quoted)."""
    if not text or text != text.strip() or not _PLAIN_START.match(text[0]):
        return False
    if ": " in text or " #" in text or text.endswith(":") or "\t" in text:
        return False
    if any(c in text for c in "\n\r\x85\u2028\u2029") or not text.isprintable():
        return False
    try:
        return yaml.safe_load("k: " + text) == {"k": text}
    except yaml.YAMLError:
        return False


def _flow_ok(text: str) -> bool:
    return _reads_back(text) and not any(c in text for c in ",[]{}") and \
        yaml.safe_load(f"k: [{text}]") == {"k": [text]}


def quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def scalar(text: str) -> str:
    return text if _reads_back(text) else quoted(text)


def _fold(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def _foldable(text: str) -> bool:
    """A folded block gives back `text` exactly: single spaces between words, nothing at either end."""
    return bool(text) and text == " ".join(text.split()) and text.isprintable() and \
        not any(c in text for c in "\u2028\u2029\x85")


def key_value(indent: int, key: str, text: str, lead: str = "") -> list[str]:
    """`key: text` at `indent` (with `lead`, e.g. "- ", before the key): on one line when it fits,
    else a folded block."""
    pad = " " * indent
    one = f"{pad}{lead}{key}: {scalar(text)}"
    if len(one) <= WIDTH or not _foldable(text):
        return [one]
    inner = " " * (indent + len(lead) + 2)
    return [f"{pad}{lead}{key}: >-"] + [inner + line for line in _fold(text, WIDTH - len(inner))]


def flow_list(items: list[str]) -> str | None:
    if all(_flow_ok(i) for i in items):
        return "[" + ", ".join(items) + "]"
    return None


# --- the files ----------------------------------------------------------------------------------------


def contract_yaml(data: dict[str, Any]) -> str:
    out = [SCHEMA_LINE.format("contract")]
    out.append(f"id: {data['id']}")
    out += key_value(0, "title", data["title"])
    out.append(f"version: {quoted(data['version'])}")
    date: dt.date = data["date"]
    out.append(f"date: {date.isoformat()}")
    out.append(f"status: {data['status']}")
    out.append("parts:")
    out += [f"  - {scalar(p)}" for p in data["parts"]]
    if data.get("names"):
        out.append("names:")
        out += [f"  - {scalar(n)}" for n in data["names"]]
    out.append("parameters: {}")
    return "\n".join(out) + "\n"


def definitions_yaml(defs: list[dict[str, Any]]) -> str:
    out = [SCHEMA_LINE.format("definitions"), "definitions:"]
    for d in defs:
        out.append(f"  - term: {scalar(d['term'])}")
        if d.get("forms"):
            flow = flow_list(d["forms"])
            if flow is not None and len(flow) + 12 <= WIDTH:
                out.append(f"    forms: {flow}")
            else:
                out.append("    forms:")
                out += [f"      - {scalar(f)}" for f in d["forms"]]
        out += key_value(4, "text", d["text"])
    if not defs:
        out[-1] = "definitions: []"
    return "\n".join(out) + "\n"


def part_yaml(part: dict[str, Any]) -> str:
    out = [SCHEMA_LINE.format("part"), f"id: {part['id']}", f"kind: {part['kind']}"]
    out += key_value(0, "title", part["title"])
    out.append("clauses:")
    for clause in part["clauses"]:
        out.append(f"  {_SEPARATOR}")
        out += _clause(clause, 2)
        out.append("")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _clause(c: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    out = [f"{pad}- id: {c['id']}"]
    inner = indent + 2
    if c.get("heading") is not None:
        out += key_value(inner, "heading", c["heading"])
    if c.get("text") is not None:
        out += key_value(inner, "text", c["text"])
    if c.get("list"):
        out.append(f"{' ' * inner}list: {c['list']}")
    if c.get("table") is not None:
        out += _table(c["table"], inner)
    if c.get("children"):
        out.append(f"{' ' * inner}children:")
        for child in c["children"]:
            out += _clause(child, inner + 2)
    return out


def _table(t: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    out = [f"{pad}table:"]
    flow = flow_list(t["columns"])
    if flow is not None and indent + 11 + len(flow) <= WIDTH:
        out.append(f"{pad}  columns: {flow}")
    else:
        out.append(f"{pad}  columns:")
        out += [f"{pad}    - {scalar(c)}" for c in t["columns"]]
    if not t["rows"]:
        out.append(f"{pad}  rows: []")
        return out
    out.append(f"{pad}  rows:")
    for row in t["rows"]:
        if not row:
            out.append(f"{pad}    - []")
            continue
        flow = flow_list(row)
        if flow is not None and indent + 6 + len(flow) <= WIDTH:
            out.append(f"{pad}    - {flow}")
            continue
        out.append(f"{pad}    - - {scalar(row[0])}")
        out += [f"{pad}      - {scalar(c)}" for c in row[1:]]
    return out
