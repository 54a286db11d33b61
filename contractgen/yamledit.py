"""Lossless edits to a YAML file: splice new text in at exact offsets, keep every other byte.

A YAML file a person keeps (an overlay) has comments, quoting, anchors, flow or block style,
CRLF or LF line endings and perhaps a byte-order mark; re-emitting it from data would lose all
of that. Here an edit is planned against the positions the loader gives each node, applied as
a splice of the decoded text, and then *verified*: the result is parsed again and must equal
the original data with exactly the intended edits applied, and every character outside the
spliced spans must be unchanged. An edit that cannot be made that way is refused
(:class:`EditRefused`), never written.

    new_bytes = edit_yaml(old_bytes, [SetValue(("variations", 0, "pin"), "1a2b3c4d"),
                                      AddKey(("variations", 1), "pin", "5e6f7a8b", after="id")],
                          "variations/x.yaml")
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import ContractgenError, Pos, SourceError
from .loader import Map, Seq, decode_utf8, load_yaml_text

BOM = "\ufeff"
Step = str | int
NodePath = tuple[Step, ...]


@dataclass(frozen=True)
class SetValue:
    """Set the scalar at `path` (mapping keys and sequence indexes from the root) to `value`."""

    path: NodePath
    value: str


@dataclass(frozen=True)
class AddKey:
    """Add `key: value` to the mapping at `path`.

    In a block mapping the new key goes on a line of its own after the entry `after` (the last
    entry when None), indented like the mapping's keys; in a flow mapping (`{…}`) it goes after
    the last entry, as `, key: value`.
    """

    path: NodePath
    key: str
    value: str
    after: str | None = None


Edit = SetValue | AddKey


class EditRefused(SourceError):
    """An edit that cannot be spliced in without changing something else in the file."""

    def __init__(self, pos: Pos | None, detail: str, edit: Edit | None = None) -> None:
        self.detail = detail
        self.edit = edit
        super().__init__(pos, f"cannot make this edit without changing other text: {detail}")


@dataclass(frozen=True)
class _Splice:
    start: int
    end: int
    text: str
    edit: Edit
    pos: Pos


# ---------------------------------------------------------------------------------------------
# Reading


def decode(data: bytes, shown: str) -> tuple[str, str]:
    """Return (BOM or "", text after it) of UTF-8 `data`; raise a SourceError if it is not UTF-8."""
    text = decode_utf8(data, shown)
    if text.startswith(BOM):
        return BOM, text[1:]
    return "", text


def parse(data: bytes, shown: str) -> Any:
    """Return the document in `data` as the loader gives it (positions index the text after any BOM)."""
    return load_yaml_text(decode(data, shown)[1], shown)


def line_ending(text: str) -> str:
    """Return the first line break of `text` ("\\r\\n", "\\n" or "\\r"), or "\\n" when it has none."""
    m = re.search(r"\r\n|\n|\r", text)
    return m.group(0) if m else "\n"


# ---------------------------------------------------------------------------------------------
# Editing


def edit_yaml(data: bytes, edits: Sequence[Edit], shown: str) -> bytes:
    """Return `data` with `edits` spliced in, verified; raise EditRefused when that is not possible."""
    bom, text = decode(data, shown)
    doc = load_yaml_text(text, shown)
    if not edits:
        return data
    try:
        new_text = _apply(text, doc, list(edits), shown)
    except EditRefused as exc:
        culprit = exc
        if exc.edit is None:  # the result failed verification: find the edit that cannot be made
            culprit = EditRefused(_where(doc, edits[0], shown), exc.detail, edits[0])
            for edit in edits if len(edits) > 1 else ():
                try:
                    _apply(text, doc, [edit], shown)
                except EditRefused as single:
                    culprit = single if single.edit else EditRefused(_where(doc, edit, shown), single.detail, edit)
                    break
        load_yaml_text(text, shown)  # the loader's record of the file is the file's text again
        raise culprit from None
    return (bom + new_text).encode("utf-8")


def _apply(text: str, doc: Any, edits: list[Edit], shown: str) -> str:
    events = _events(text)
    splices = sorted((_plan(text, doc, e, shown, events) for e in edits), key=lambda s: (s.start, s.end))
    for a, b in itertools.pairwise(splices):
        if b.start < a.end or (b.start == a.start and a.end > a.start):
            raise EditRefused(b.pos, "another edit falls on the same text (a value shared through an anchor or merge key)", b.edit)
    pieces: list[str] = []
    at = 0
    for s in splices:
        pieces += [text[at:s.start], s.text]
        at = s.end
    pieces.append(text[at:])
    new_text = "".join(pieces)
    _check_outside(text, new_text, splices)
    try:
        new_doc = load_yaml_text(new_text, shown)
    except ContractgenError as exc:
        first = str(exc).splitlines()[0]
        raise EditRefused(None, f"the result would not be valid YAML ({first})") from None
    expected = plain(doc)
    for e in edits:
        expected = _apply_to_data(expected, e)
    diff = difference(expected, plain(new_doc))
    if diff is not None:
        raise EditRefused(None, f"it would change {diff or 'the document'}")
    return new_text


def _check_outside(old: str, new: str, splices: list[_Splice]) -> None:
    """Assert every character outside the spliced spans is unchanged, in order."""
    shift = 0
    at = 0
    for s in splices:
        assert new[at + shift:s.start + shift] == old[at:s.start]
        assert new[s.start + shift:s.start + shift + len(s.text)] == s.text
        shift += len(s.text) - (s.end - s.start)
        at = s.end
    assert new[at + shift:] == old[at:] and len(new) == len(old) + shift


def _where(doc: Any, edit: Edit, shown: str) -> Pos:
    """Return the place in the file an edit is about (for messages)."""
    try:
        parent, last = _walk(doc, edit.path)
        node = parent[last] if last is not None else parent
    except (KeyError, IndexError, TypeError):
        return Pos(shown, 1, 1)
    if isinstance(edit, SetValue):
        found = _child_pos(parent, last) or getattr(parent, "pos", None)
    elif isinstance(node, Map) and edit.after in node.key_pos:
        found = node.key_pos[edit.after]
    else:
        found = getattr(node, "pos", None)
    return found if isinstance(found, Pos) else Pos(shown, 1, 1)


def _walk(doc: Any, path: NodePath) -> tuple[Any, Step | None]:
    """Return (parent, last step) of `path`; for an empty path (doc, None)."""
    if not path:
        return doc, None
    node = doc
    for step in path[:-1]:
        node = node[step]
    return node, path[-1]


def _child_pos(container: Any, step: Step | None) -> Pos | None:
    if isinstance(container, Map) and isinstance(step, str):
        return container.value_pos.get(step)
    if isinstance(container, Seq) and isinstance(step, int) and 0 <= step < len(container.item_pos):
        return container.item_pos[step]
    return None


def _plan(text: str, doc: Any, edit: Edit, shown: str, events: list[yaml.Event]) -> _Splice:
    where = _where(doc, edit, shown)
    try:
        if isinstance(edit, SetValue):
            if not edit.path:
                raise EditRefused(where, "the document itself is not a value to set", edit)
            parent, last = _walk(doc, edit.path)
            node = parent[last]
            pos = _child_pos(parent, last)
            if pos is None:
                raise EditRefused(where, "the value has no position", edit)
            if pos.start == pos.end and isinstance(parent, Map) and isinstance(last, str):
                # `key:` with no value: in a flow mapping the empty value sits at the next token
                colon = re.compile(r"[ \t]*:").match(text, parent.key_pos[last].end)
                if colon:
                    pos = Pos(pos.path, pos.line, pos.col, colon.end(), colon.end())
            return _plan_set(text, node, pos, edit, where)
        parent, last = _walk(doc, edit.path)
        node = parent[last] if last is not None else parent
    except (KeyError, IndexError, TypeError):
        raise EditRefused(where, f"nothing at {_show_path(edit.path)}", edit) from None
    if not isinstance(node, Map):
        raise EditRefused(where, f"{_show_path(edit.path) or 'the document'} is not a mapping", edit)
    if edit.key in node:
        raise EditRefused(where, f"the mapping already has '{edit.key}'", edit)
    return _plan_add(text, node, edit, where, events)


_PROPS = re.compile(r"(?:(?:&[^\s,\[\]{}]+|![^\s,\[\]{}]*)\s+)*")


def _node_start(text: str, pos: Pos) -> int:
    """Return where the node at `pos` starts after its anchor and tag (&name !tag)."""
    m = _PROPS.match(text, pos.start, pos.end)
    return m.end() if m else pos.start


def _plan_set(text: str, node: Any, pos: Pos, edit: SetValue, where: Pos) -> _Splice:
    if isinstance(node, (Map, Seq)):
        raise EditRefused(where, "the value there is a mapping or list, not a single value", edit)
    start, end = _node_start(text, pos), pos.end
    first = text[start:start + 1]
    if first in ("|", ">"):  # a block scalar: keep the line breaks after its last line
        while end > start and text[end - 1] in " \t\r\n":
            end -= 1
    new = _render(edit.value, "'" if first == "'" else '"')
    if first not in ("'", '"', "|", ">", "") and edit.path[-1] != "pin" \
            and re.fullmatch(r"[a-z][a-z0-9._-]*(?:@[A-Za-z0-9._-]+)?", edit.value) \
            and edit.value not in ("true", "false", "null", "yes", "no", "on", "off"):
        new = edit.value  # an id or base written plain stays plain (a pin is always quoted)
    if first == ">" and "\n" not in edit.value and edit.value.strip() == edit.value and edit.value:
        header, _, rest = text[start:end].partition("\n")
        indent = len(rest) - len(rest.lstrip(" "))
        if header.strip() in (">", ">-") and indent:  # keep a folded block folded, at its indentation
            eol = "\r\n" if header.endswith("\r") else "\n"
            new = header.rstrip("\r") + eol + eol.join(" " * indent + line for line in _fold(edit.value, 96 - indent))
    if start == end and start > 0 and text[start - 1] not in " \t":
        new = " " + new  # `key:` with no value: the value needs a space after the colon
    return _Splice(start, end, new, edit, where)


def _plan_add(text: str, m: Map, edit: AddKey, where: Pos, events: list[yaml.Event]) -> _Splice:
    entry = f"{_render_key(edit.key)}: {_render(edit.value, chr(34))}"
    opening = next((i for i, ev in enumerate(events)
                    if isinstance(ev, yaml.MappingStartEvent) and _mark(ev.start_mark).index == m.pos.start), None)
    if opening is None:
        raise EditRefused(where, "the mapping is not found in the text", edit)
    flow, entries = _entries(events, opening)
    if flow:  # `, key: value` after the last entry, before the closing brace
        if not entries:
            at = text.index("{", m.pos.start) + 1
            return _Splice(at, at, entry, edit, where)
        at = entries[-1][2]
        return _Splice(at, at, f", {entry}", edit, where)
    # a block mapping: a line of its own after the entry `after` (or the last), indented like it
    kpos = m.key_pos.get(edit.after or "")
    chosen = next((e for e in entries if kpos and _mark(e[0].start_mark).index == kpos.start), entries[-1])
    indent = " " * _mark(chosen[0].start_mark).column
    at = chosen[2]
    if at > 0 and text[at - 1] in "\r\n":  # after a block scalar, which ends with its line break
        eol = "\r\n" if text[max(at - 2, 0):at] == "\r\n" else text[at - 1]
        return _Splice(at, at, f"{indent}{entry}{eol}", edit, where)
    brk = re.compile(r"\r\n|\n|\r").search(text, at)
    if brk is None:  # the last line, without a line break at the end of the file
        return _Splice(len(text), len(text), f"{line_ending(text)}{indent}{entry}", edit, where)
    return _Splice(brk.start(), brk.start(), f"{brk.group(0)}{indent}{entry}", edit, where)


def _mark(mark: Any) -> Any:
    assert mark is not None  # the parser marks every event
    return mark


def _events(text: str) -> list[yaml.Event]:
    """Return the parse events of `text` (their marks index the text like the loader's positions)."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return list(yaml.parse(text, Loader=fast))
        except yaml.YAMLError:
            pass  # libyaml refuses a few things the pure-Python parser (and so the loader) accepts
    return list(yaml.parse(text, Loader=yaml.SafeLoader))


def _entries(events: list[yaml.Event], opening: int) -> tuple[bool, list[tuple[yaml.Event, int, int]]]:
    """Return (flow style?, [(key event, key end, end of the entry's text)]) of the mapping whose
    start event is events[opening], entries as written (a merge key `<<` is one entry)."""
    start = events[opening]
    assert isinstance(start, yaml.MappingStartEvent)
    entries = []
    i = opening + 1
    while not isinstance(events[i], yaml.MappingEndEvent):
        key = events[i]
        i, key_end = _node_end(events, i)
        i, value_end = _node_end(events, i)
        entries.append((key, key_end, max(key_end, value_end)))
    return bool(start.flow_style), entries


def _node_end(events: list[yaml.Event], i: int) -> tuple[int, int]:
    """Return (index of the event after the node starting at events[i], where its text ends).

    A block collection's own end mark is where the next token starts (after comments and blank
    lines), so its text ends where its last scalar, alias or flow collection does.
    """
    ev = events[i]
    if not isinstance(ev, yaml.CollectionStartEvent):
        return i + 1, _mark(ev.end_mark).index
    end = _mark(ev.start_mark).index
    i += 1
    while not isinstance(events[i], yaml.CollectionEndEvent):
        i, e = _node_end(events, i)
        end = max(end, e)
    if ev.flow_style:
        end = _mark(events[i].end_mark).index
    return i + 1, end


def _fold(value: str, width: int) -> list[str]:
    """Return `value`'s words in lines of at most `width` characters (a longer word alone)."""
    lines: list[str] = []
    line = ""
    for word in value.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def _render(value: str, quote: str) -> str:
    """Return `value` as a YAML quoted scalar, single-quoted when asked and possible."""
    if quote == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


def _render_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else json.dumps(key, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Data: what the edits mean, and comparing documents


def plain(value: Any) -> Any:
    """Return `value` as plain dicts, lists and scalars (merge keys expanded)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _apply_to_data(data: Any, edit: Edit) -> Any:
    """Return plain `data` with `edit` made (copying only along the path)."""

    def go(node: Any, path: NodePath) -> Any:
        if not path:
            if isinstance(edit, SetValue):
                return edit.value
            return {**node, edit.key: edit.value}
        step, rest = path[0], path[1:]
        if isinstance(node, dict):
            return {**node, step: go(node[step], rest)}
        copy = list(node)
        copy[step] = go(node[step], rest)  # type: ignore[index]
        return copy

    return go(data, edit.path)


def difference(a: Any, b: Any, path: str = "") -> str | None:
    """Return the path of the first place plain `a` and `b` differ ("" for the top), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in [*a, *(k for k in b if k not in a)]:
            if k not in a or k not in b:
                return f"{path}.{k}".lstrip(".")
            d = difference(a[k], b[k], f"{path}.{k}")
            if d is not None:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = difference(x, y, f"{path}[{i}]")
            if d is not None:
                return d
        return None if len(a) == len(b) else path.lstrip(".")
    if type(a) is not type(b):
        return path.lstrip(".")
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return None
    return None if a == b else path.lstrip(".")


def _show_path(path: NodePath) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out.lstrip(".")
