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

from .errors import ContractgenError, Pos, SourceError
from .loader import Map, Seq, load_yaml_text

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
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SourceError(Pos(shown, line, col), f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
                          "save the file as UTF-8") from None
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
    splices = sorted((_plan(text, doc, e, shown) for e in edits), key=lambda s: (s.start, s.end))
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


def _plan(text: str, doc: Any, edit: Edit, shown: str) -> _Splice:
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
            return _plan_set(text, node, pos, edit, where)
        parent, last = _walk(doc, edit.path)
        node = parent[last] if last is not None else parent
    except (KeyError, IndexError, TypeError):
        raise EditRefused(where, f"nothing at {_show_path(edit.path)}", edit) from None
    if not isinstance(node, Map):
        raise EditRefused(where, f"{_show_path(edit.path) or 'the document'} is not a mapping", edit)
    if edit.key in node:
        raise EditRefused(where, f"the mapping already has '{edit.key}'", edit)
    return _plan_add(text, node, edit, where)


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
    if start == end and start > 0 and text[start - 1] not in " \t":
        new = " " + new  # `key:` with no value: the value needs a space after the colon
    return _Splice(start, end, new, edit, where)


def _plan_add(text: str, m: Map, edit: AddKey, where: Pos) -> _Splice:
    own = _own_keys(text, m)
    entry = f"{_render_key(edit.key)}: {_render(edit.value, chr(34))}"
    start = _node_start(text, m.pos)
    if text[start:start + 1] == "{":  # a flow mapping: `, key: value` after its last entry
        if not own:
            return _Splice(start + 1, start + 1, entry, edit, where)
        at = max(_entry_end(text, m, k) for k in own)
        return _Splice(at, at, f", {entry}", edit, where)
    if not own:
        raise EditRefused(where, "the mapping has no keys of its own to add a key beside", edit)
    anchor = edit.after if edit.after in own else max(own, key=lambda k: m.key_pos[k].start)
    indent = " " * (m.key_pos[anchor].col - 1)
    at = _content_end(text, m, anchor)
    if at > 0 and text[at - 1] in "\r\n":  # after a block scalar, which ends with its line break
        eol = "\r\n" if text[max(at - 2, 0):at] == "\r\n" else text[at - 1]
        return _Splice(at, at, f"{indent}{entry}{eol}", edit, where)
    brk = re.compile(r"\r\n|\n|\r").search(text, at)
    if brk is None:  # the last line, without a line break at the end of the file
        return _Splice(len(text), len(text), f"{line_ending(text)}{indent}{entry}", edit, where)
    return _Splice(brk.start(), brk.start(), f"{brk.group(0)}{indent}{entry}", edit, where)


def _inside(p: Pos, outer: Pos) -> bool:
    return outer.start <= p.start < max(outer.end, outer.start + 1)


def _own_keys(text: str, m: Map) -> list[str]:
    """Return the keys written in the mapping itself (not merged in from elsewhere by `<<`)."""
    keys = [k for k, p in m.key_pos.items() if _inside(p, m.pos)]
    if keys and text[_node_start(text, m.pos):][:1] != "{":
        col = m.key_pos[min(keys, key=lambda k: m.key_pos[k].start)].col
        keys = [k for k in keys if m.key_pos[k].col == col]
    return keys


_ALIAS_AFTER_KEY = re.compile(r"[ \t]*:[ \t]*\*[^\s,\[\]{}]+")


def _entry_end(text: str, m: Map, key: str) -> int:
    """Return where the text of the entry `key: value` of a mapping ends (its value's end)."""
    kpos, vpos = m.key_pos[key], m.value_pos[key]
    if _inside(vpos, m.pos) and vpos.end >= kpos.end:
        return vpos.end
    alias = _ALIAS_AFTER_KEY.match(text, kpos.end)  # `key: *name`: the value's position is the anchor's
    return alias.end() if alias else kpos.end


def _content_end(text: str, m: Map, key: str) -> int:
    """Return where the last character of the entry `key` is, going into block collections."""
    value, vpos = m[key], m.value_pos[key]
    if not _inside(vpos, m.pos) or text[_node_start(text, vpos):][:1] in ("{", "["):
        return _entry_end(text, m, key)
    if isinstance(value, Map):
        own = _own_keys(text, value)
        if own:
            return _content_end(text, value, max(own, key=lambda k: value.key_pos[k].start))
    if isinstance(value, Seq) and value.item_pos:
        return _seq_end(text, value)
    return vpos.end


def _seq_end(text: str, s: Seq) -> int:
    item, ipos = s[-1], s.item_pos[-1]
    if not _inside(ipos, s.pos):  # `- *name`
        alias = re.compile(r"-[ \t]+\*[^\s,\[\]{}]+").search(text, s.item_pos[-2].end if len(s) > 1 else s.pos.start)
        return alias.end() if alias else s.pos.end
    if text[_node_start(text, ipos):][:1] in ("{", "["):
        return ipos.end
    if isinstance(item, Map):
        own = _own_keys(text, item)
        if own:
            return _content_end(text, item, max(own, key=lambda k: item.key_pos[k].start))
    if isinstance(item, Seq) and item.item_pos:
        return _seq_end(text, item)
    return ipos.end


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
