"""Safe YAML loading that keeps path:line:col for every node."""

from __future__ import annotations

import bisect
import datetime as dt
import math
import os
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import Pos, SourceError, SourceErrors, YamlSyntaxError

#: Nodes a single file may expand to (aliases included); a "billion laughs" file stops here.
MAX_NODES = 200_000
#: Largest source file read, in bytes.
MAX_BYTES = 8 * 1024 * 1024
#: Deepest nesting of lists and mappings a file may have; no real contract comes near it.
MAX_NESTING = 100
#: A file whose nesting cannot exceed this is composed by libyaml; libyaml's composer recurses
#: in C, slows down past a few thousand levels and overflows the C stack near 50,000.
SAFE_C_NESTING = 4000

XML_FORBIDDEN = {c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)} | {0xFFFE, 0xFFFF}
_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# ---------------------------------------------------------------------------------------------
# YAML 1.2 core schema
#
# PyYAML resolves plain scalars by YAML 1.1 rules: 010 is 8, 1:30 is 90, no/yes/on/off are
# booleans, 1_000 is 1000, 0b101 is 5, 2026-1-5 a timestamp. The loaders below resolve by the
# YAML 1.2 core schema instead, and keep exactly YYYY-MM-DD as a date (the sources' dates). A
# decimal with a leading zero (010), which 1.1 reads as octal and 1.2 as ten, is left as text:
# where a number is wanted it is reported with how to write it (see `literal_problem`).

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
CORE_RESOLVERS: list[tuple[str, re.Pattern[str], list[str]]] = [
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")),
    ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
    (_INT, re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")),
    (_FLOAT, re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
                        r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
                        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), list("-+.0123456789")),
    ("tag:yaml.org,2002:timestamp", re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), list("0123456789")),
    ("tag:yaml.org,2002:merge", re.compile(r"^<<$"), ["<"]),
]


def _core_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, regexp, first in CORE_RESOLVERS:
        for ch in first:
            table.setdefault(ch, []).append((tag, regexp))
    return table


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    value = str(loader.construct_scalar(node))
    sign = -1 if value.startswith("-") else 1
    digits = value.lstrip("+-")
    if digits[:2] in ("0o", "0x"):
        return sign * int(digits[2:], 8 if digits[1] == "o" else 16)
    return sign * int(digits, 10)


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    value = str(loader.construct_scalar(node)).lower()
    if value.lstrip("+-") in (".inf", ".nan"):
        value = value.replace(".", "")
    return float(value)


class CoreLoader(yaml.SafeLoader):
    """The pure-Python safe loader with YAML 1.2 core-schema resolution and a nesting limit."""

    yaml_implicit_resolvers = _core_resolvers()
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # the pure composer recurses per level: stop at MAX_NESTING, far below Python's limit
        collection = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        if collection:
            self._depth += 1
            if self._depth > MAX_NESTING:
                raise _TooDeep(self.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            if collection:
                self._depth -= 1


CoreLoader.add_constructor(_INT, _construct_int)
CoreLoader.add_constructor(_FLOAT, _construct_float)

_CLoader: Any = getattr(yaml, "CSafeLoader", None)
if _CLoader is not None:

    class CoreCLoader(_CLoader):  # type: ignore[misc, valid-type]
        """libyaml's safe loader (C scanner, parser and composer) resolving by YAML 1.2 core."""

        yaml_implicit_resolvers = _core_resolvers()

    CoreCLoader.add_constructor(_INT, _construct_int)
    CoreCLoader.add_constructor(_FLOAT, _construct_float)
    FAST_LOADER: Any = CoreCLoader
else:  # pragma: no cover - PyYAML without libyaml
    FAST_LOADER = None


class _TooDeep(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__("too deep")
        self.mark = mark


def _too_deep(pos: Pos) -> SourceError:
    return SourceError(pos, f"lists and mappings are nested more than {MAX_NESTING} levels deep here",
                       "flatten the structure; no contract needs this many levels")


_LEAD = re.compile(r"^[ \t]*(?:(?:---|[-?:]|[&!][^ \t\n]*)[ \t]+)*", re.MULTILINE)


def _nesting_bound(text: str) -> int:
    """Return an upper bound of the nesting depth of `text`, cheaply (no Python loop per character).

    Flow collections each open with '[' or '{'. A block collection starts after a line's
    indentation and indicators ('- ', '? ', '&anchor '); each level of block nesting is
    further right than the level two above it."""
    flow = text.count("[") + text.count("{")
    lead = max(map(len, _LEAD.findall(text)), default=0)
    return flow + 2 * (lead + 2)


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
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos_at(self, index: int) -> Pos:
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
    from .cache import record_file

    record_file(path, data)  # what a cached load was computed from (contractgen/cache.py)
    text = decode_utf8(data, shown)
    return shown, text.removeprefix("\ufeff")


def decode_utf8(data: bytes, shown: str) -> str:
    """Return `data` as text (any BOM kept), or raise a SourceError at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SourceError(Pos(shown, line, col), f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
                          "save the file as UTF-8") from None


def load_yaml(path: Path) -> Any:
    """Return the YAML document at `path` as Map / Seq / scalars carrying positions."""
    shown, text = read_text(path)
    return load_yaml_text(text, shown)


def load_yaml_text(text: str, shown: str) -> Any:
    """Return the YAML document in `text` (named `shown` in messages) with positions."""
    src = Source(shown, text)
    _SOURCES[shown] = src
    bad = _FORBIDDEN_RE.search(text)
    if bad:
        raise SourceErrors([_forbidden(src.pos_at(bad.start()), bad.group(0))])
    # libyaml composes ~10x faster; its marks count characters like the pure-Python loader's.
    # Errors are re-read with the pure-Python loader for its wording. A file that might be
    # nested deeper than libyaml's recursive composer copes with goes to the pure-Python
    # loader, which stops at MAX_NESTING levels.
    fast = FAST_LOADER if FAST_LOADER is not None and _nesting_bound(text) <= SAFE_C_NESTING else None
    loader = (fast or CoreLoader)(text)
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, _TooDeep):
        loader.dispose()
        loader = CoreLoader(text)
        try:
            node = loader.get_single_node()
        except _TooDeep as exc:
            raise _too_deep(Pos(shown, exc.mark.line + 1, exc.mark.column + 1,
                                exc.mark.index, exc.mark.index)) from None
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(shown, exc, text) from None
        except yaml.YAMLError as exc:
            raise YamlSyntaxError(Pos(shown, 1, 1), f"not valid YAML: {exc}") from None
        except RecursionError:  # pragma: no cover - the nesting limit stops well before
            raise _too_deep(Pos(shown, 1, 1)) from None
    finally:
        loader.dispose()
    if node is None:
        raise SourceError(Pos(shown, 1, 1), "the file is empty", "add the document's keys")
    builder = _Builder(shown, loader)
    value = builder.build(node)
    if builder.errors:
        raise SourceErrors(builder.errors)
    return value


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def written(pos: Pos | None) -> str | None:
    """Return the source text of the node at `pos` as written (quotes included), if known."""
    src = _SOURCES.get(pos.path) if pos is not None else None
    if src is None or pos is None or pos.end <= pos.start:
        return None
    return src.text[pos.start:pos.end]


NUMERIC_TYPES = ("integer", "number", "money", "percent")


def literal_problem(value: Any, pos: Pos | None, want: str) -> tuple[str, str] | None:
    """Return (message, fix) when `value`, at `pos`, is text that YAML 1.1 (PyYAML's default,
    and many editors') would read as the `want`ed kind of value ("boolean", "date", or a number:
    "integer", "number", "money", "percent") but the YAML 1.2 rules read as text (no, 010, 1:30,
    1_000, 0b101…); or a number that is not finite where a number is wanted. None otherwise:
    the caller's own message applies."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number", "write a number"
    if not isinstance(value, str) or "\n" in value or len(value) > 40:
        return None
    try:
        old = yaml.safe_load(value)  # what YAML 1.1 makes of the text when it is not quoted
    except yaml.YAMLError:
        return None
    plain = written(pos) == value  # not quoted: an editor using YAML 1.1 would read it as `old`
    number = isinstance(old, (int, float)) and not isinstance(old, bool)
    if want == "boolean" and isinstance(old, bool):
        return (f"'{value}' is text here, but this value must be true or false",
                f"write {'true' if old else 'false'}")
    if want in NUMERIC_TYPES:
        digits = value.replace("_", "")
        if re.fullmatch(r"[-+]?0[0-9]+", digits):
            octal = f" (YAML 1.1 reads it as octal {old})" if plain and number and old != int(digits, 10) else ""
            return (f"'{value}' has a leading zero, so it is text here{octal}",
                    f"write {int(digits, 10)}, without the leading zero")
        if not number:
            return None
        if "_" in value:
            return f"'{value}' is text here: numbers are written without '_'", f"write {_num_text(old)}"
        if ":" in value:
            return (f"'{value}' is text here, not a number (YAML 1.1 reads it as {_num_text(old)}, counting in sixties)",
                    f"write the number itself, e.g. {_num_text(old)}")
        if value.lstrip("+-").lower().startswith("0b"):
            return f"'{value}' is text here: YAML 1.2 has no binary numbers", f"write {_num_text(old)}"
        return f"'{value}' is text here, not a number", f"write {_num_text(old)}"
    if want == "date" and isinstance(old, dt.date):
        return f"'{value}' is text here, not a date", f"write the date as YYYY-MM-DD, e.g. {old:%Y-%m-%d}"
    return None


def _num_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
        self.open: set[int] = set()  # the collections being built: one per level of nesting
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
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in self.open:  # &a [*a]: an alias inside what it names
                self.errors.append(SourceError(self.pos(node), "an alias names the list or mapping that contains it",
                                               "write the values out instead of the alias"))
                return None
            if len(self.open) >= MAX_NESTING:
                self.errors.append(_too_deep(self.pos(node)))
                return None
            self.open.add(id(node))
            try:
                return self.mapping(node) if isinstance(node, yaml.MappingNode) else self.sequence(node)
            finally:
                self.open.discard(id(node))
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self.errors.append(SourceError(self.pos(node), f"'{_clip(node.value)}' is not a valid value: {exc.problem}",
                                           "correct the value, or quote it to make it text"))
            return None
        except ValueError as exc:
            hint = "write the date as YYYY-MM-DD" if node.tag.endswith(":timestamp") else "correct the value"
            self.errors.append(SourceError(self.pos(node), f"'{_clip(node.value)}' is not a valid value: {exc}", hint))
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.errors.append(SourceError(self.pos(node), f"'{_clip(node.value)}' is not a finite number",
                                           "write a number, or quote it if text is meant"))
            return None
        if isinstance(value, str):
            bad = _FORBIDDEN_RE.search(value)
            if bad:  # written as an escape ("\0"); tab, newline and CR are not matched
                self.errors.append(_forbidden(self.pos(node), bad.group(0)))
        return value

    def sequence(self, node: yaml.SequenceNode) -> Seq:
        seq = Seq()
        seq.pos = self.pos(node)
        seq.item_pos = []
        for item in node.value:
            seq.append(self.build(item))
            seq.item_pos.append(self.pos(item))
        return seq

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
