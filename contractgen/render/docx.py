"""Numbered contract → Word document: title page from a docxtpl template, then the body.

Numbers are Word's own (numbering.xml); cross-references are REF fields to bookmarks whose
cached result is already the target's number; see docs/dev/numbering.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from ..errors import ContractgenError, Pos, SourceError, UsageError
from ..model import Contract
from ..numbering import Node, Numbered, NumberedPart
from ..text import split
from .oxml import (
    bookmark_end,
    bookmark_name,
    bookmark_start,
    el,
    field_runs,
    qn,
    sdt_text,
    val,
    w_p,
    w_ppr,
    w_r,
)
from .schema_order import sort_properties
from .text import lead_in
from .zipnorm import normalise_zip

#: The templates shipped inside the package (package data: contractgen/templates/).
_PROJECT_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
#: A commissioner's folder of restyled templates (--templates DIR), while a command renders.
_USER_TEMPLATES: ContextVar[Path | None] = ContextVar("contractgen_templates", default=None)


def shipped_template_names() -> list[str]:
    """Return the names ('contract.docx', 'pack/x.docx', 'pack/quality-questions.yaml') of the
    templates and template data shipped in the package."""
    return sorted(p.relative_to(_PROJECT_TEMPLATES).as_posix() for p in _PROJECT_TEMPLATES.rglob("*")
                  if p.suffix in (".docx", ".yaml"))


def check_templates_dir(folder: Path) -> None:
    """Raise a UsageError unless `folder` is a folder holding at least one shipped template's name."""
    from ..loader import display_path

    names = shipped_template_names()
    if not folder.is_dir():
        raise UsageError(f"--templates {display_path(folder)}: no such folder")
    if not any((folder / name).is_file() for name in names):
        raise UsageError(f"--templates {display_path(folder)}: holds no template (name the folder holding "
                         f"contract.docx or pack/<name>.docx; the shipped names are {', '.join(names)})")


@contextmanager
def user_templates(folder: Path | None) -> Iterator[None]:
    """Within the block, take each template present in `folder` from there (see template_path)."""
    if folder is not None:
        check_templates_dir(Path(folder))
    token = _USER_TEMPLATES.set(Path(folder) if folder is not None else None)
    try:
        yield
    finally:
        _USER_TEMPLATES.reset(token)


def template_path(name: str) -> Path:
    """Return the template `name` ('contract.docx', 'pack/x.docx'): the commissioner's copy when
    --templates DIR holds DIR/<name>, else the one shipped in the package. Never the working
    directory's templates/ unless it was named."""
    folder = _USER_TEMPLATES.get()
    if folder is not None and (folder / name).is_file():
        return folder / name
    return _PROJECT_TEMPLATES / name
NOTICE = (
    "Illustrative model text prepared with contractgen. It is not the official wording of the "
    "National Contracts Steering Group."
)
TEXT_WIDTH = 9072  # twips between the margins of an A4 page with 2.5 cm margins
LEVEL_INDENT = {0: (720, 720), 1: (720, 720), 2: (1440, 720), 3: (2160, 720), 4: (2880, 720)}
LEVEL_FORMAT = {
    0: ("decimal", "%1"),
    1: ("decimal", "%1.%2"),
    2: ("decimal", "%1.%2.%3"),
    3: ("lowerLetter", "(%4)"),
    4: ("lowerRoman", "(%5)"),
}


class TemplateError(ContractgenError):
    """A template that cannot be rendered with the data given."""


def prop(text: str) -> str:
    """Return `text` cut to the 255 characters a core property may hold."""
    text = " ".join(str(text).split())
    return text if len(text) <= 255 else text[:254] + "…"


def long_date(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def title_context(numbered: Numbered) -> dict[str, Any]:
    """Return the variables of the title page, header and footer."""
    c = numbered.contract
    ctx: dict[str, Any] = {
        "title": c.title,
        "short_title": c.short_title,
        "subtitle": "National base contract",
        "version": c.version,
        "date": long_date(c.date),
        "status": f"Status: {c.status}",
        "reference": f"Reference: {c.ref}",
        "notice": NOTICE,
    }
    consortium = c.context.get("consortium")
    if consortium is not None:  # a consortium's contract: the overlay chain it was made with
        effective = c.context["effective"]
        ctx.update({
            "subtitle": f"As varied for {consortium['name']}",
            "date": f"Effective {long_date(effective)}",
            "status": f"Status: consolidated contract ({c.context['declared']} declared variations on "
                      f"{c.context['varies']})",
            "reference": f"Reference: {c.base_ref} + {' + '.join(c.overlays)}",
        })
    return ctx


def document_subject(c: Contract) -> str:
    """Return the core property 'subject': the consortium's name, or that it is the national base."""
    consortium = c.context.get("consortium")
    return str(consortium["name"]) if consortium is not None else "National base contract"


def document_keywords(c: Contract) -> list[str]:
    """Return the core property 'keywords': the contract, its version and the overlays applied."""
    return [c.id, c.version, *c.overlays[-1:]]


#: Uncompressed size of a template's parts read before it is opened (a zip "bomb" stops here).
MAX_TEMPLATE_BYTES = 50 * 2**20
#: Parts a template may hold.
MAX_TEMPLATE_PARTS = 2_000


class TemplateLimit(Exception):
    """A template asked for more work or output than a template may take."""


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with a fixed budget of work and of output for one render.

    Counts, not a clock, so a template renders (or is refused) the same way on every machine:
    each call and each item a loop takes is a step; every piece of output, `~` join and
    string a filter or an operator makes is counted in characters. `range` is short, `**` and
    `*` refuse results too large to make, numbers in calls are bounded, and `lipsum` is gone."""

    MAX_STEPS = 200_000  # calls and loop items (a shipped pack takes under 1,000)
    MAX_CHARS = 20_000_000  # characters made, all told
    MAX_RANGE = 10_000  # items in one range()
    MAX_NUMBER = 1_000_000  # an int given to a call or a filter (widths, counts, lengths)
    MAX_INT_BITS = 4_096  # an int an operator may make
    intercepted_binops = frozenset(("**", "*", "%", "+"))

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.steps = 0
        self.chars = 0
        self.globals.pop("lipsum", None)
        self.globals["range"] = self._range
        self.filters = {name: self._bounded_filter(f) for name, f in self.filters.items()}

    # --- the budget
    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.MAX_STEPS:
            raise TemplateLimit(f"it takes more than {self.MAX_STEPS:,} steps (loop items and calls)")

    def made(self, value: Any) -> Any:
        if isinstance(value, (str, list, tuple, dict)):
            self.chars += len(value)
            if self.chars > self.MAX_CHARS:
                raise TemplateLimit(f"it makes more than {self.MAX_CHARS:,} characters")
        return value

    def metered(self, iterable: Any) -> Any:
        for item in iterable:
            self.step()
            yield item

    def _number(self, args: Iterable[Any]) -> None:
        """Refuse a size (a width, a count, a length) too large to make."""
        for a in args:
            if isinstance(a, int) and not isinstance(a, bool) and abs(a) > self.MAX_NUMBER:
                raise TemplateLimit(f"it uses the number {_short(a)} as a size (at most {self.MAX_NUMBER:,})")
            if isinstance(a, (tuple, list)) and len(a) < 100:
                self._number(a)
            if isinstance(a, dict) and len(a) < 100:
                self._number(a.values())

    def _format(self, spec: Any) -> None:
        if isinstance(spec, str) and _WIDE.search(spec):
            raise TemplateLimit("it formats a value a million characters or more wide")

    def _range(self, *args: int) -> range:
        self._number(args)
        rng = range(*args)
        if len(rng) > self.MAX_RANGE:
            raise TemplateLimit(f"range() of {len(rng):,} items (at most {self.MAX_RANGE:,})")
        return rng

    def _bounded_filter(self, f: Any) -> Any:
        import functools

        skip = 2 if getattr(f, "jinja_pass_arg", None) else 1  # the context or environment, then the value
        name = getattr(f, "__name__", "")

        @functools.wraps(f)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            self.step()
            self._number([*args[skip:], *kwargs.values()])
            if name.startswith("do_format") and len(args) >= skip:
                self._format(args[skip - 1])
            return self.made(f(*args, **kwargs))

        return bounded

    # --- the sandbox's hooks
    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.step()
        if isinstance(getattr(obj, "__self__", None), (str, list, tuple)):  # "x".center(…), "{:…}".format(…)
            self._number([*args, *kwargs.values()])
            self._format(obj.__self__)
        return self.made(super().call(context, obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        self._format(value.__self__)

        def checked(*args: Any, **kwargs: Any) -> Any:
            self._number([*args, *kwargs.values()])
            return wrapped(*args, **kwargs)

        return checked

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        ints = isinstance(left, int) and isinstance(right, int)
        if operator == "**" and ints and right > 0 and abs(left) > 1 and \
                right * max(abs(left).bit_length() - 1, 1) > self.MAX_INT_BITS:
            raise TemplateLimit(f"{_short(left)} ** {_short(right)} is too large a number")
        if operator == "*":
            if ints and left.bit_length() + right.bit_length() > self.MAX_INT_BITS:
                raise TemplateLimit("it multiplies numbers too large")
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and \
                        len(seq) * n > self.MAX_CHARS - self.chars:
                    raise TemplateLimit(f"it repeats a text or list {_short(n)} times")
        if operator == "%" and isinstance(left, str):
            self._format(left)
            self._number([right])
        return self.made(super().call_binop(context, operator, left, right))

    def _generate(self, source: Any, name: str | None, filename: str | None, defer_init: bool = False) -> str:
        return super()._generate(_Meter().visit(source), name, filename, defer_init)  # type: ignore[no-any-return]


#: A printf- or format-style field a million or more characters wide (or precise).
_WIDE = re.compile(r"%(?:\([^)]{0,200}\))?[-#0 +]{0,8}(?:\d{7,}|\d{0,6}\.\d{7,})|\{[^{}:]{0,200}:[^{}\d]{0,8}\d{7,}")


def _short(n: int) -> str:
    return f"{n:,}" if n.bit_length() < 64 else f"a number of {n.bit_length():,} bits"


def _meter_nodes() -> type:
    from jinja2 import nodes
    from jinja2.visitor import NodeTransformer

    def wrap(expr: Any, name: str) -> Any:
        return nodes.Call(nodes.EnvironmentAttribute(name), [expr], [], None, None, lineno=expr.lineno)

    class Meter(NodeTransformer):
        """Route every loop, every output and every `~` through the budget of BoundedSandbox."""

        def visit_For(self, node: Any) -> Any:
            node = self.generic_visit(node)
            node.iter = wrap(node.iter, "metered")
            return node

        def visit_Concat(self, node: Any) -> Any:
            return wrap(self.generic_visit(node), "made")

        def visit_Output(self, node: Any) -> Any:
            node = self.generic_visit(node)
            node.nodes = [
                wrap(nodes.MarkSafeIfAutoescape(nodes.Const(n.data, lineno=n.lineno), lineno=n.lineno), "made")
                if isinstance(n, nodes.TemplateData) else wrap(n, "made")
                for n in node.nodes
            ]
            return node

    return Meter


_Meter = _meter_nodes()


def _check_zip(path: Path, shown: str) -> None:
    """Refuse a template whose parts would inflate past the limit, before any is read."""
    import zipfile

    if not zipfile.is_zipfile(path):
        raise SourceError(Pos(shown, 0, 0), "is not a Word document (.docx)",
                          "save the template from Word as a .docx document")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceError(Pos(shown, 0, 0), f"is not a readable Word document ({exc})",
                          "save the template from Word as a .docx document") from exc
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_TEMPLATE_PARTS:
        raise SourceError(Pos(shown, 0, 0), f"the template holds {len(infos):,} parts, more than "
                          f"the {MAX_TEMPLATE_PARTS:,} a template may hold",
                          "save the template again from Word, without embedded files")
    if total > MAX_TEMPLATE_BYTES:
        raise SourceError(Pos(shown, 0, 0), f"the template inflates to {total / 2**20:,.1f} MB, more than "
                          f"the {MAX_TEMPLATE_BYTES // 2**20} MB limit",
                          "remove large images or embedded files, or save it again from Word")


def render_template(path: Path, context: dict[str, Any]) -> DocxTemplate:
    """Return a docxtpl template rendered in a bounded Jinja sandbox; unknown variables are an error."""
    from ..loader import display_path
    from ..output import note_input

    shown = display_path(path)
    note_input(path)
    if not path.is_file():
        raise SourceError(Pos(shown, 0, 0), "template not found",
                          "restore it from contractgen/templates/, or copy the shipped one into your --templates folder")
    _check_zip(path, shown)
    tpl = DocxTemplate(str(path))
    env = BoundedSandbox(autoescape=False)
    try:
        wanted = tpl.get_undeclared_template_variables(env)
    except Exception as exc:  # a Jinja syntax error in a commissioner's edited template
        raise SourceError(Pos(shown, 0, 0), f"the template cannot be read: {exc}",
                          "check the {{ … }} and {% … %} fields in Word") from exc
    missing = sorted(set(wanted) - set(context))
    if missing:
        raise SourceError(Pos(shown, 0, 0), f"template uses {', '.join(repr(m) for m in missing)}, "
                          "which the data does not provide",
                          f"remove the field from the template or use one of: {', '.join(sorted(context))}")
    try:
        tpl.render(context, jinja_env=env, autoescape=True)
    except TemplateLimit as exc:
        raise SourceError(Pos(shown, 0, 0), f"the template exceeds what a template may do: {exc}",
                          "simplify the {% for %} loops and {{ … }} fields in Word; a template only lays out "
                          "the data") from None
    except MemoryError:
        raise SourceError(Pos(shown, 0, 0), "the template needs more memory than is available to render",
                          "simplify the {% for %} loops and {{ … }} fields in Word") from None
    except Exception as exc:  # the sandbox refuses code; anything else is the template's fault too
        raise SourceError(Pos(shown, 0, 0), f"the template cannot be rendered: {exc}",
                          "templates are rendered in a sandbox: use only the fields listed in docs/overlays.md") from exc
    return tpl


@dataclass
class Body:
    numbered: Numbered
    styles: dict[str, str]
    num_ids: dict[str, int] = field(default_factory=dict)  # part id -> numId
    schedule_num: int = 0
    next_bookmark: int = 1
    bookmarks: dict[str, str] = field(default_factory=dict)  # clause id -> bookmark name
    out: list[etree._Element] = field(default_factory=list)
    fillable: bool = False  # a form: each empty table cell holds a content control
    tags: set[str] = field(default_factory=set)  # the content controls' tags, unique in the document

    def bm(self, ident: str) -> str:
        return self.bookmarks[ident]

    def bookmark_id(self) -> int:
        """Return a bookmark id not yet used in the document."""
        bid = self.next_bookmark
        self.next_bookmark += 1
        return bid

    def control(self, tag: str, alias: str) -> etree._Element:
        """Return a content control whose tag is unique in the document (the same on every run)."""
        base, n = tag, 1
        while tag in self.tags:
            n += 1
            tag = f"{base}-{n}"
        self.tags.add(tag)
        return sdt_text(tag, _alias(alias))

    def inline(self, text: str) -> list[etree._Element]:
        runs: list[etree._Element] = []
        for seg in split(text):
            if seg.kind == "text":
                runs.append(w_r(seg.value))
            elif seg.kind == "param":
                runs.append(w_r(self.numbered.segment_text("param", seg.value)))
            else:
                label = self.numbered.labels[seg.value]
                if seg.value not in self.bookmarks:  # a clause this document does not carry: its label
                    runs.append(w_r(label))
                    continue
                runs.extend(field_runs(f"REF {self.bm(seg.value)} \\w \\h", [w_r(label)]))
        return runs

    def para(self, style: str, runs: Iterable[etree._Element], num: tuple[int, int] | None = None,
             bookmark: str | None = None) -> etree._Element:
        num_id, ilvl = num if num else (None, None)
        p = w_p(w_ppr(self.styles[style], num_id, ilvl))
        if bookmark:
            bid = self.next_bookmark
            self.next_bookmark += 1
            p.append(bookmark_start(bid, self.bm(bookmark)))
        for r in runs:
            p.append(r)
        if bookmark:
            p.append(bookmark_end(bid))
        self.out.append(p)
        return p

    def toc(self) -> None:
        self.para("TOC Heading", [w_r("Contents")])
        entries: list[tuple[str, str, str]] = []
        for part in self.numbered.parts:
            if part.part.kind == "schedule":
                entries.append((part.label, self.numbered.inline(part.part.title), part.part.id))
            else:
                for node in part.nodes:
                    entries.append((node.number, self.numbered.inline(node.clause.heading or ""), node.clause.id))
        for i, (number, heading, ident) in enumerate(entries):
            link = el("w:hyperlink", {"anchor": self.bm(ident), "history": "1"},
                      w_r(f"{number}\t{heading}"))
            runs: list[etree._Element] = []
            if i == 0:
                runs.extend(field_runs('TOC \\o "1-1" \\h \\z \\u', [])[:3])
            runs.append(link)
            if i == len(entries) - 1:
                runs.append(el("w:r", None, el("w:fldChar", {"fldCharType": "end"})))
            self.para("toc 1", runs)

    def part(self, part: NumberedPart) -> None:
        num_id = self.num_ids[part.part.id]
        if part.part.kind == "schedule":
            self.para("Schedule Title", [w_r(self.numbered.inline(part.part.title))],
                      (self.schedule_num, 0), bookmark=part.part.id)
        for node in part.nodes:
            self.node(node, num_id, part.part.kind)

    def node(self, node: Node, num_id: int, kind: str) -> None:
        c = node.clause
        ilvl = node.level - 1
        n = self.numbered
        if node.level == 1:
            style = "Heading 1" if kind == "terms" else "Schedule Heading"
            self.para(style, [w_r(n.inline(c.heading or ""))], (num_id, 0), bookmark=c.id)
            if c.text:
                self.para("Clause Text", self.inline(c.text))
        else:
            head, _ = lead_in(n.inline(c.heading or ""), c.text or "")
            runs: list[etree._Element] = []
            if head:
                runs.append(w_r(head, bold=True))
                if c.text:
                    runs.append(w_r(" "))
            if c.text:
                runs.extend(self.inline(c.text))
            self.para(f"Clause Level {node.level}", runs, (num_id, ilvl), bookmark=c.id)
        if c.list == "definitions":
            for term in sorted(n.contract.terms, key=lambda t: t.term.casefold()):
                self.para("Definition", [w_r(term.term, bold=True), w_r(" "), *self.inline(term.text)])
        if c.table:
            self.table(c.table.columns, c.table.rows, indent=LEVEL_INDENT[min(ilvl, 4)][0],
                       fillable=c.id if self.fillable else None)
        for child in node.children:
            self.node(child, num_id, kind)

    def table(self, columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], indent: int,
              plain: bool = False, weights: list[float] | None = None, fillable: str | None = None) -> None:
        """Append a table with a heading row. With `fillable` (a tag prefix, the clause's id) each
        empty cell of the body holds a plain-text content control, for a form to be completed."""
        width = TEXT_WIDTH - indent
        if weights is None:
            weights = []
            blank = 40 if fillable is not None else 0  # room to write in a form's empty cell
            for i in range(len(columns)):
                longest = max([len(columns[i])] + [len(r[i]) or blank for r in rows if i < len(r)])
                weights.append(math.sqrt(max(longest, 8)))
        total = sum(weights)
        widths = [int(width * w / total) for w in weights]
        tbl = el("w:tbl")
        tbl.append(self._tbl_pr(width, indent))
        grid = el("w:tblGrid")
        for w in widths:
            grid.append(el("w:gridCol", {"w": str(w)}))
        tbl.append(grid)
        for r, row in enumerate([columns, *rows]):
            tr = el("w:tr")
            if r == 0:
                tr.append(el("w:trPr", None, el("w:cantSplit"), el("w:tblHeader")))
            elif not plain:  # long register rows may break across pages; short contract rows may not
                tr.append(el("w:trPr", None, el("w:cantSplit")))
            for i, cell in enumerate(row):
                tcpr = el("w:tcPr", None, el("w:tcW", {"w": str(widths[i]), "type": "dxa"}))
                if r == 0:
                    tcpr.append(el("w:shd", {"val": "clear", "color": "auto", "fill": "1F2A44"}))
                style = "Table Heading" if r == 0 else "Table Text"
                if r and fillable is not None and not cell.strip():
                    runs = [self.control(f"{fillable}.r{r}c{i + 1}", self._cell_alias(columns, row, r, i))]
                else:
                    runs = [w_r(cell)] if plain else self.inline(cell)
                p = w_p(w_ppr(self.styles[style]), *runs)
                tr.append(el("w:tc", None, tcpr, p))
            tbl.append(tr)
        self.out.append(tbl)
        # a short empty paragraph keeps the next numbered paragraph off the table's border
        self.out.append(w_p(w_ppr(self.styles["Table Text"])))


    def _cell_alias(self, columns: tuple[str, ...], row: tuple[str, ...], r: int, i: int) -> str:
        """Return what a cell asks for: its row's label (and column, in a grid), or its column and row."""
        label = self.numbered.inline(row[0]).strip() if i and row[0].strip() else ""
        if label:
            return label if len(columns) == 2 else f"{label}: {self.numbered.inline(columns[i])}"
        return f"{self.numbered.inline(columns[i])}, row {r}"

    # --- the parties and the execution page of an agreement (unnumbered: clause numbers stay)
    def _heading(self, text: str, page_break: bool = False) -> None:
        extra = [el("w:keepNext"), el("w:pageBreakBefore") if page_break else None]
        self.out.append(w_p(w_ppr(self.styles["TOC Heading"], None, None, *extra), w_r(text)))

    def _text(self, runs: list[etree._Element], left: int = 720, hanging: int = 0, after: int | None = None,
              keep_next: bool = False) -> None:
        ind = el("w:ind", {"left": str(left), **({"hanging": str(hanging)} if hanging else {})})
        spacing = el("w:spacing", {"after": str(after)}) if after is not None else None
        extra = [el("w:keepNext") if keep_next else None, spacing, ind]
        self.out.append(w_p(w_ppr(self.styles["Clause Text"], None, None, *extra), *runs))

    def parties(self, consortium: Mapping[str, Any] | None) -> None:
        """Append the parties block: who makes the agreement. A consortium's agreement names its
        lead authority as the Purchaser and lists its members; the national base is a form."""
        purchaser, members = _purchaser(consortium)
        self._heading("Parties", page_break=True)
        self._text([w_r("This Contract is made on the date on which the last of the Parties signs it in the "
                        "execution page, between:")])
        who = [w_r(purchaser)] if purchaser else [self.control("parties.purchaser", "Name of the Purchaser")]
        on_behalf = ("the Member Authorities listed below" if members else
                     "the Member Authorities named in the Consortium Variation")
        self._text([w_r("(1)\t"), *who, w_r(f", acting for itself and on behalf of {on_behalf} "
                                              "(the \u201cPurchaser\u201d); and")], left=1440, hanging=720)
        self._text([w_r("(2)\tthe provider named in the execution page (the \u201cProvider\u201d).")],
                   left=1440, hanging=720)
        if members:
            self._text([w_r("The Member Authorities are:")], keep_next=True)
            for i, m in enumerate(members):
                self._text([w_r(m)], left=1440, after=40 if i < len(members) - 1 else None,
                           keep_next=i < len(members) - 1)
        self._text([w_r("The Parties agree as follows.")])

    def execution(self, consortium: Mapping[str, Any] | None) -> None:
        """Append the execution page: a signature block for the Purchaser and one for the Provider,
        each a two-column table whose blanks are content controls (the signature itself is left
        blank, to be signed by hand or electronically)."""
        purchaser, _ = _purchaser(consortium)
        self._heading("Execution", page_break=True)
        self._text([w_r("Signed by the authorised signatories of the Parties on the dates given below.")])
        first = [] if purchaser else [("Purchaser (name of the local authority)", "purchaser.party")]
        blocks = (
            ("purchaser", f"Signed for and on behalf of {purchaser}, the Purchaser" if purchaser else
             "Signed for and on behalf of the Purchaser", first),
            ("provider", "Signed for and on behalf of the Provider",
             [("Provider (full legal name)", "provider.party"), ("Registered number (company or charity)",
                                                                 "provider.number"),
              ("Registered office address", "provider.address")]),
        )
        for key, title, fields in blocks:
            self._text([w_r(title, bold=True)], keep_next=True)
            self._signature_table(key, [*fields, ("Signature", None), ("Name", f"{key}.name"),
                                        ("Position", f"{key}.position"), ("Date", f"{key}.date")])

    def _signature_table(self, key: str, rows: list[tuple[str, str | None]]) -> None:
        indent = 720
        widths = [3200, TEXT_WIDTH - indent - 3200]
        tbl = el("w:tbl", None, self._tbl_pr(TEXT_WIDTH - indent, indent, header=False),
                 el("w:tblGrid", None, *(el("w:gridCol", {"w": str(w)}) for w in widths)))
        for n, (label, tag) in enumerate(rows):
            tr = el("w:tr")
            height = "1000" if tag is None else "400"  # room to sign; a line to write on
            tr.append(el("w:trPr", None, el("w:cantSplit"), el("w:trHeight", {"val": height, "hRule": "atLeast"})))
            label_p = w_p(w_ppr(self.styles["Table Text"], None, None, el("w:keepNext")), w_r(label, bold=True))
            tr.append(el("w:tc", None, el("w:tcPr", None, el("w:tcW", {"w": str(widths[0]), "type": "dxa"}),
                                          val("w:vAlign", "center")), label_p))
            value = [self.control(f"execution.{tag}", label)] if tag else []
            keep = [el("w:keepNext")] if n < len(rows) - 1 else []
            tcpr = el("w:tcPr", None, el("w:tcW", {"w": str(widths[1]), "type": "dxa"}),
                      val("w:vAlign", "center"))
            tr.append(el("w:tc", None, tcpr, w_p(w_ppr(self.styles["Table Text"], None, None, *keep), *value)))
            tbl.append(tr)
        self.out.append(tbl)
        self.out.append(w_p(w_ppr(self.styles["Table Text"])))

    def _tbl_pr(self, width: int, indent: int, header: bool = True) -> etree._Element:
        return el("w:tblPr", None,
                  val("w:tblStyle", self.styles["Contract Table"]),
                  el("w:tblW", {"w": str(width), "type": "dxa"}),
                  el("w:tblInd", {"w": str(indent), "type": "dxa"}),
                  el("w:tblLayout", {"type": "fixed"}),
                  el("w:tblLook", {"val": "04A0" if header else "0080", "firstRow": "1" if header else "0",
                                   "lastRow": "0", "firstColumn": "1", "lastColumn": "0", "noHBand": "0",
                                   "noVBand": "1"}))


def _alias(text: str) -> str:
    """Return a content control's title: one line, cut at a word boundary to 60 characters."""
    text = " ".join(text.split())
    if len(text) <= 60:
        return text
    return text[:59].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def _purchaser(consortium: Mapping[str, Any] | None) -> tuple[str | None, list[str]]:
    """Return (the Purchaser's name, the member authorities) from a consortium's particulars;
    (None, []) for the national base. Without a lead, the first member is the Purchaser."""
    if not consortium:
        return None, []
    members = [str(m) for m in consortium.get("members") or []]
    lead = consortium.get("lead") or (members[0] if members else None)
    return (str(lead) if lead else None), members


def _abstract_num(abstract_id: int, nsid: str, levels: dict[int, tuple[str, str]],
                  indents: dict[int, tuple[int, int]]) -> etree._Element:
    a = el("w:abstractNum", {"abstractNumId": str(abstract_id)})
    a.append(val("w:nsid", nsid))
    a.append(val("w:multiLevelType", "multilevel"))
    for ilvl, (fmt, text) in sorted(levels.items()):
        left, hanging = indents[ilvl]
        lvl = el("w:lvl", {"ilvl": str(ilvl)},
                 val("w:start", 1), val("w:numFmt", fmt), val("w:lvlText", text), val("w:lvlJc", "left"),
                 el("w:pPr", None, el("w:ind", {"left": str(left), "hanging": str(hanging)})))
        a.append(lvl)
    return a


def _nsid(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:8].upper()


def _add_numbering(doc: Any, body: Body, parts: list[NumberedPart] | None = None) -> None:
    numbering = doc.part.numbering_part.element
    existing_abs = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
    existing_num = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    next_abs = max(existing_abs, default=0) + 1
    next_num = max(existing_num, default=0) + 1
    new_abs, new_nums = [], []
    c = body.numbered.contract
    # Schedule titles: "Schedule 1", "Schedule 2", … one list across the document.
    new_abs.append(_abstract_num(next_abs, _nsid(f"{c.ref}/schedules"), {0: ("decimal", "Schedule %1")},
                                 {0: (1800, 1800)}))
    schedules = [p for p in body.numbered.parts if p.part.kind == "schedule"]
    first = next((p for p in (parts or []) if p.part.kind == "schedule"), None)
    start = schedules.index(first) + 1 if first is not None else 1
    num = el("w:num", {"numId": str(next_num)}, val("w:abstractNumId", next_abs))
    if start != 1:  # a document that carries a later schedule on its own keeps its number
        num.append(el("w:lvlOverride", {"ilvl": "0"}, val("w:startOverride", start)))
    new_nums.append(num)
    body.schedule_num = next_num
    next_abs += 1
    next_num += 1
    # One list per part, so that each schedule is numbered within itself.
    for part in parts if parts is not None else body.numbered.parts:
        new_abs.append(_abstract_num(next_abs, _nsid(f"{c.ref}/{part.part.id}"), LEVEL_FORMAT, LEVEL_INDENT))
        new_nums.append(el("w:num", {"numId": str(next_num)}, val("w:abstractNumId", next_abs)))
        body.num_ids[part.part.id] = next_num
        next_abs += 1
        next_num += 1
    nums = numbering.findall(qn("w:num"))
    anchor = nums[0] if nums else None
    for a in new_abs:
        if anchor is not None:
            anchor.addprevious(a)
        else:
            numbering.append(a)
    for n in new_nums:
        numbering.append(n)


#: The Office 2010 copy of styles.xml (MS-DOCX 2.3.11) that python-docx's default template carries;
#: Word 2013 and later neither need nor write it, and a stale copy is "unreadable content".
REL_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def drop_styles_with_effects(doc: Any) -> bool:
    """Remove stylesWithEffects.xml: its relationship goes, and with it the part and its
    content-type override (python-docx writes only the parts it can reach). Return whether one was."""
    part = doc.part
    found = [r_id for r_id, rel in part.rels.items() if rel.reltype == REL_STYLES_WITH_EFFECTS]
    for r_id in found:
        part.drop_rel(r_id)
    return bool(found)


def fix_zoom(doc: Any) -> None:
    """Give w:zoom the w:percent that ISO/IEC 29500-1 §17.15.1.95 requires (100 when absent)."""
    zoom = doc.settings.element.find(qn("w:zoom"))
    if zoom is not None and not (zoom.get(qn("w:percent")) or "").rstrip("%").isdigit():
        zoom.set(qn("w:percent"), "100")


def tidy_package(doc: Any) -> None:
    """Make a template's inherited parts valid: no stylesWithEffects, w:zoom with w:percent, the
    properties of every style and numbering level in schema order. Cheap: it leaves the body alone
    (the builders in oxml.py emit in order)."""
    drop_styles_with_effects(doc)
    fix_zoom(doc)
    sort_properties(doc.styles.element)
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        numbering = doc.part.part_related_by(RT.NUMBERING)
    except KeyError:  # a template without lists: nothing to sort (and none to create)
        return
    sort_properties(numbering.element)


def _set_update_fields(doc: Any) -> None:
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is not None:
        return
    upd = val("w:updateFields", "true")
    for tag in ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids"):
        found = settings.find(qn(tag))
        if found is not None:
            found.addprevious(upd)
            return
    settings.append(upd)


def _timestamp(epoch: int | None, date: dt.date) -> dt.datetime:
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).replace(tzinfo=None)
    return dt.datetime(date.year, date.month, date.day)


def _style_ids(doc: Any, names: Iterable[str]) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = doc.styles[name].style_id
        except KeyError as exc:
            raise TemplateError(f"the template has no style '{name}'; restore it in Word") from exc
    return out


STYLE_NAMES = (
    "Heading 1", "Schedule Title", "Schedule Heading", "Clause Level 2", "Clause Level 3",
    "Clause Level 4", "Clause Level 5", "Clause Text", "Definition", "Table Text", "Table Heading",
    "TOC Heading", "toc 1", "Contract Table",
)


def render_document(numbered: Numbered, context: dict[str, Any], fill: Any, *, title: str, subject: str,
                    epoch: int | None = None, template: Path | None = None) -> bytes:
    """Return a deterministic .docx: the template's title page rendered with `context`, then
    whatever `fill(body)` appends (body is a Body over `numbered`)."""
    c = numbered.contract
    tpl = render_template(template or template_path("contract.docx"), context)
    doc = tpl.docx
    body = Body(numbered, _style_ids(doc, STYLE_NAMES))
    used: dict[str, str] = {}
    for part in numbered.parts:
        ids = [part.part.id] + [n.clause.id for n in part.walk()]
        for ident in ids:
            name = bookmark_name(ident)
            while name in used and used[name] != ident:
                name = bookmark_name(name + ident)
            used[name] = ident
            body.bookmarks[ident] = name
    fill(doc, body)
    sect = doc.element.body.find(qn("w:sectPr"))
    for e in body.out:
        if sect is not None:
            sect.addprevious(e)
        else:
            doc.element.body.append(e)
    _set_update_fields(doc)
    tidy_package(doc)

    cp = doc.core_properties
    stamp = _timestamp(epoch, c.date)
    cp.title = prop(title)
    cp.subject = prop(subject)
    cp.version = prop(c.version)
    cp.identifier = prop(c.ref)
    cp.category = "Contract"
    cp.keywords = prop(", ".join(document_keywords(c)))
    cp.author = "contractgen"
    cp.last_modified_by = "contractgen"
    cp.comments = NOTICE
    cp.revision = 1
    cp.created = stamp
    cp.modified = stamp
    cp.last_printed = stamp
    buf = io.BytesIO()
    doc.save(buf)
    return normalise_zip(buf.getvalue(), epoch, c.date)


def render_parts(doc: Any, body: Body, part_ids: Iterable[str], fillable: bool = False) -> None:
    """Append the parts `part_ids` of body.numbered, numbered as in the contract (real Word lists;
    a schedule keeps its number), for a document that carries them without the rest. References to
    clauses it does not carry become their plain labels, not fields pointing nowhere. With
    `fillable`, the parts are a form: each empty table cell holds a content control."""
    body.fillable = fillable
    wanted = set(part_ids)
    parts = [p for p in body.numbered.parts if p.part.id in wanted]
    keep = {ident for p in parts for ident in [p.part.id] + [n.clause.id for n in p.walk()]}
    body.bookmarks = {k: v for k, v in body.bookmarks.items() if k in keep}
    _add_numbering(doc, body, parts)
    for part in parts:
        body.part(part)


def render_docx(numbered: Numbered, epoch: int | None = None, template: Path | None = None) -> bytes:
    """Return the bytes of the Word document of a numbered contract (deterministic)."""
    c = numbered.contract
    consortium = c.context.get("consortium")  # a consortium's particulars; the national base has none
    schedules = [i for i, p in enumerate(numbered.parts) if p.part.kind == "schedule"]
    signed_after = (schedules[0] if schedules else len(numbered.parts)) - 1

    def fill(doc: Any, body: Body) -> None:
        _add_numbering(doc, body)
        body.toc()
        body.parties(consortium)
        # The execution page closes the terms, before the schedules, as UK agreements with
        # schedules annexed commonly do: the schedules that follow (the IPA among them, with its
        # own signatures for each Placement) are then read as annexed forms, not as the signing.
        if signed_after < 0:
            body.execution(consortium)
        for i, part in enumerate(numbered.parts):
            body.part(part)
            if i == signed_after:
                body.execution(consortium)

    return render_document(numbered, title_context(numbered), fill, title=c.title,
                           subject=document_subject(c),
                           epoch=epoch, template=template)
