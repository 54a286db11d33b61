"""Safe YAML loading that keeps path:line:col for every node."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from .errors import Pos, SourceError, SourceErrors, YamlSyntaxError

#: Nodes a single file may expand to (aliases included); a "billion laughs" file stops here.
MAX_NODES = 200_000
#: Largest source file read, in bytes.
MAX_BYTES = 8 * 1024 * 1024

XML_FORBIDDEN = {c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)} | {0xFFFE, 0xFFFF}


class Map(dict):  # type: ignore[type-arg]
    """A mapping from a YAML file, with the position of itself, each key and each value."""

    pos: Pos
    key_pos: dict[str, Pos]
    value_pos: dict[str, Pos]


class Seq(list):  # type: ignore[type-arg]
    """A sequence from a YAML file, with the position of itself and each item."""

    pos: Pos
    item_pos: list[Pos]


class Source:
    """The text of one source file, for locating things inside a scalar."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self._line_starts.append(i + 1)

    def pos_at(self, index: int) -> Pos:
        import bisect

        line = bisect.bisect_right(self._line_starts, index) - 1
        return Pos(self.path, line + 1, index - self._line_starts[line] + 1, index, index)

    def locate(self, within: Pos, needle: str) -> Pos:
        """Return the position of `needle` inside the span of `within`, or `within` itself."""
        if within.end > within.start:
            i = self.text.find(needle, within.start, within.end + len(needle))
            if i >= 0:
                return self.pos_at(i)
        return within


_SOURCES: dict[str, Source] = {}


def source_for(path: str) -> Source | None:
    """Return the loaded text of `path`, if it was loaded in this process."""
    return _SOURCES.get(path)


def locate(pos: Pos, needle: str) -> Pos:
    """Return where `needle` occurs inside the node at `pos` (or `pos` when not found)."""
    src = _SOURCES.get(pos.path)
    return src.locate(pos, needle) if src else pos


_PACKAGE = Path(__file__).resolve().parent


def display_path(path: Path) -> str:
    """Return `path` relative to the working directory when it lies below it; a file shipped in
    the package (a template) as contractgen/…, wherever the package is installed."""
    try:
        return f"contractgen/{Path(os.path.realpath(path)).relative_to(_PACKAGE).as_posix()}"
    except ValueError:
        pass
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


def read_text(path: Path) -> tuple[str, str]:
    """Return (display path, text) of a UTF-8 source file, or raise a SourceError."""
    from .output import note_input

    shown = display_path(path)
    note_input(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(Pos(shown, 1, 1), "file not found", "check the path") from None
    except IsADirectoryError:
        raise SourceError(Pos(shown, 1, 1), "is a folder, not a file", "name a .yaml file") from None
    except OSError as exc:
        raise SourceError(Pos(shown, 1, 1), f"cannot read the file: {exc.strerror}") from exc
    if len(data) > MAX_BYTES:
        raise SourceError(
            Pos(shown, 1, 1),
            f"file is {len(data) / 2**20:.1f} MB, larger than the {MAX_BYTES / 2**20:.0f} MB limit",
            "split it into smaller files",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SourceError(
            Pos(shown, line, col),
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file as UTF-8",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return shown, text


def load_yaml(path: Path) -> Any:
    """Return the YAML document at `path` as Map / Seq / scalars carrying positions."""
    shown, text = read_text(path)
    return load_yaml_text(text, shown)


def load_yaml_text(text: str, shown: str) -> Any:
    """Return the YAML document in `text` (named `shown` in messages) with positions."""
    src = Source(shown, text)
    _SOURCES[shown] = src
    errors: list[SourceError] = []
    for i, ch in enumerate(text):
        o = ord(ch)
        if (o in XML_FORBIDDEN and ch not in "\t\n\r") or 0xD800 <= o <= 0xDFFF:
            errors.append(_forbidden(src.pos_at(i), ch))
            break
    if errors:
        raise SourceErrors(errors)
    # libyaml (when PyYAML has it) composes ~10x faster; its marks count characters like the
    # pure-Python loader's. Errors are re-read with the pure-Python loader for its wording.
    fast = getattr(yaml, "CSafeLoader", None)
    loader = (fast or yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        loader.dispose()
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(shown, exc, text) from None
        except yaml.YAMLError as exc:
            raise YamlSyntaxError(Pos(shown, 1, 1), f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    if node is None:
        raise SourceError(Pos(shown, 1, 1), "the file is empty", "add the document's keys")
    builder = _Builder(shown, loader)
    value = builder.build(node)
    if builder.errors:
        raise SourceErrors(builder.errors)
    return value


def _forbidden(pos: Pos, ch: str) -> SourceError:
    o = ord(ch)
    what = "a lone surrogate" if 0xD800 <= o <= 0xDFFF else "a character XML forbids"
    return SourceError(pos, f"{what} (U+{o:04X}) in the text", "delete it or replace it with a space")


def _unclosed_quote(text: str, upto_line: int) -> tuple[int, int] | None:
    """Return (line, col) of a double quote left open before `upto_line` (1-based), if any."""
    import re

    for n, line in enumerate(text.splitlines()[: max(upto_line - 1, 0)], start=1):
        code = re.sub(r"'[^']*'", "", line.split(" #")[0])
        quotes = [m.start() for m in re.finditer(r'(?<!\\)"', code)]
        if len(quotes) % 2 == 1 and ":" in code[: quotes[0] + 1]:
            return n, line.index('"') + 1
    return None


def _syntax_error(shown: str, exc: yaml.MarkedYAMLError, text: str = "") -> YamlSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    pos = Pos(shown, mark.line + 1, mark.column + 1) if mark else Pos(shown, 1, 1)
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    if "'\\t'" in problem or "tab" in problem:
        return YamlSyntaxError(pos, "a tab character is used for indentation", "indent with spaces")
    if "end of stream" in problem and "quoted scalar" in context:
        return YamlSyntaxError(pos, "a quoted string is never closed", "add the closing quote")
    if text and "found" in problem:
        open_quote = _unclosed_quote(text, pos.line)
        if open_quote:
            return YamlSyntaxError(Pos(shown, *open_quote), "a quoted string is never closed on its line",
                                   "add the closing quote")
    msg = problem or context or "not valid YAML"
    if context and problem:
        msg = f"{problem} ({context})"
    return YamlSyntaxError(pos, f"not valid YAML: {msg}", "check the indentation and quoting here")


class _Builder:
    def __init__(self, shown: str, loader: yaml.SafeLoader) -> None:
        self.shown = shown
        self.loader = loader
        self.count = 0
        self.errors: list[SourceError] = []

    def pos(self, node: yaml.Node) -> Pos:
        m, e = node.start_mark, node.end_mark
        return Pos(self.shown, m.line + 1, m.column + 1, m.index, e.index)

    def build(self, node: yaml.Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SourceError(
                self.pos(node),
                f"the document expands to more than {MAX_NODES:,} values through repeated aliases",
                "remove the aliases (&name and *name) and write the values out",
            )
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        if isinstance(node, yaml.SequenceNode):
            seq = Seq()
            seq.pos = self.pos(node)
            seq.item_pos = []
            for item in node.value:
                seq.append(self.build(item))
                seq.item_pos.append(self.pos(item))
            return seq
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self.errors.append(SourceError(self.pos(node), f"'{node.value}' is not a valid value: {exc.problem}",
                                           "correct the value, or quote it to make it text"))
            return None
        except ValueError as exc:
            hint = "write the date as YYYY-MM-DD" if node.tag.endswith(":timestamp") else "correct the value"
            self.errors.append(SourceError(self.pos(node), f"'{node.value}' is not a valid value: {exc}", hint))
            return None
        if isinstance(value, str):
            for ch in value:
                o = ord(ch)
                if (o in XML_FORBIDDEN and ch not in "\t\n\r") or 0xD800 <= o <= 0xDFFF:
                    self.errors.append(_forbidden(self.pos(node), ch))
                    break
        return value

    def mapping(self, node: yaml.MappingNode) -> Map:
        self.loader.flatten_mapping(node)
        out = Map()
        out.pos = self.pos(node)
        out.key_pos = {}
        out.value_pos = {}
        for key_node, value_node in node.value:
            key = self.build(key_node)
            kpos = self.pos(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                first = out.key_pos[key]
                self.errors.append(
                    SourceError(
                        kpos,
                        f"duplicate key '{key}' (first at line {first.line})",
                        "remove one of them; YAML keeps only the last",
                    )
                )
                continue
            out[key] = self.build(value_node)
            out.key_pos[key] = kpos
            out.value_pos[key] = self.pos(value_node)
        return out


def pos_of(container: Any, key: str | int | None = None) -> Pos | None:
    """Return the position of `container[key]` (or of the container when key is None)."""
    if key is None:
        return getattr(container, "pos", None)
    if isinstance(container, Map) and isinstance(key, str):
        return container.value_pos.get(key) or container.pos
    if isinstance(container, Seq) and isinstance(key, int) and key < len(container.item_pos):
        return container.item_pos[key]
    return getattr(container, "pos", None)


def key_pos_of(container: Any, key: str) -> Pos | None:
    """Return the position of the key `key` in a Map."""
    if isinstance(container, Map):
        return container.key_pos.get(key) or container.pos
    return getattr(container, "pos", None)
