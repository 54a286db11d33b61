"""Sources → frozen model: every problem collected, then reported once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schemas
from .errors import (
    DuplicateId,
    Pos,
    SourceError,
    SourceErrors,
    UndefinedWord,
    UnknownClause,
    UnknownParameter,
    UsageError,
    did_you_mean,
    note_warnings,
)
from .loader import Map, Seq, display_path, key_pos_of, literal_problem, load_yaml, locate, pos_of
from .model import Clause, Contract, Migration, Parameter, Part, Table, Term, frozen_map
from .text import TOKEN, UNCLOSED, split, type_problem

MAX_DEPTH = 5
BUILTIN_NAMES = (
    "Schedule", "Schedules", "Part", "Parts", "Appendix", "Annex", "Table",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)
_LEGISLATION = re.compile(
    r"(?:[A-Z(][\w’'()-]*\s+)(?:(?:[A-Z(][\w’'()-]*|of|and|for|the|to|on|in|with|a)\s+)*"
    r"(?:Act|Regulations|Order|Rules|Standards|Code|Guidance|Guide|Measure)\s+\d{4}"
)
_CAPWORD = re.compile(r"(?<![A-Za-z0-9’'-])[A-Z][A-Za-z0-9’'-]*")


@dataclass
class Report:
    """Errors and warnings collected while loading sources."""

    errors: list[SourceError] = field(default_factory=list)
    warnings: list[SourceError] = field(default_factory=list)

    def error(self, pos: Pos | None, message: str, hint: str = "", cls: type = SourceError,
              subject: str | None = None) -> None:
        self.errors.append(cls(pos, message, hint, subject=subject))

    def extend(self, other: tuple[list[SourceError], list[SourceError]]) -> None:
        self.errors.extend(other[0])
        self.warnings.extend(other[1])

    def raise_if_errors(self, strict: bool = False) -> None:
        """Raise the errors (and, when strict, the warnings); otherwise pass warnings to the CLI."""
        problems = self.errors + (self.warnings if strict else [])
        if not strict:
            note_warnings(self.warnings)
        if problems:
            raise SourceErrors(problems)


# ---------------------------------------------------------------------------------------------
# Finding a contract version


def contract_versions(folder: Path) -> list[Path]:
    """Return the version folders of a contract folder, oldest first."""
    found = [p for p in folder.iterdir() if (p / "contract.yaml").is_file()] if folder.is_dir() else []
    return sorted(found, key=lambda p: _version_key(p.name))


def _version_key(v: str) -> tuple[Any, ...]:
    return tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in re.split(r"[.\-]", v))


def find_contract_dir(path: Path, version: str | None = None) -> Path:
    """Return the version folder for a contract folder, a version folder or a contract.yaml."""
    path = Path(path)
    if path.is_file() and path.name == "contract.yaml":
        path = path.parent
    if (path / "contract.yaml").is_file():
        if version and path.name != version:
            raise UsageError(f"{display_path(path)} is version {path.name}, not {version}")
        return path
    versions = contract_versions(path)
    if not versions:
        if not path.exists():
            raise UsageError(f"{display_path(path)}: no such file or folder")
        raise UsageError(f"{display_path(path)}: no contract.yaml here or in a version folder below it")
    if version:
        for v in versions:
            if v.name == version:
                return v
        have = ", ".join(v.name for v in versions)
        raise UsageError(f"{display_path(path)} has no version {version} (versions: {have})")
    return versions[-1]


def find_contract_ref(ref: str, root: Path) -> Path:
    """Return the version folder for 'contract@version' under `root`."""
    name, _, version = ref.partition("@")
    return find_contract_dir(root / name, version or None)


# ---------------------------------------------------------------------------------------------
# Loading


def load_contract(path: Path, version: str | None = None, strict: bool = False,
                  report: Report | None = None) -> Contract:
    """Return the contract version at `path`, or raise SourceErrors listing every problem."""
    own = report is None
    report = report or Report()
    folder = find_contract_dir(Path(path), version)
    contract = _load_once(folder, report)
    if own:
        report.raise_if_errors(strict)
    if contract is None:
        raise SourceErrors(report.errors)
    return contract


#: Contracts loaded in this process, by folder and the digest of every source byte they read: a
#: run that resolves many overlays on one base (pack --all, site, status) loads and checks it once.
#: Across processes the same is kept on disk (contractgen/cache.py).
_LOADED: dict[tuple[str, str], tuple[Contract | None, list[SourceError], list[SourceError], list]] = {}


def _sources_digest(folder: Path) -> str:
    """Return a digest of every YAML file a load of `folder` can read: the contract's folder
    (each version, as a revision is checked against the version it revises)."""
    from .cache import tree_digest  # noqa: PLC0415

    return tree_digest(folder.parent)


def _load_once(folder: Path, report: Report) -> Contract | None:
    from . import cache  # noqa: PLC0415

    digest = _sources_digest(folder)
    key = (f"{folder.resolve()}\0{Path.cwd()}", digest)  # messages name paths from the cwd
    hit = _LOADED.get(key)
    if hit is not None:
        cache.replay(hit[3])
    else:
        hit = cache.lookup("contract", folder)
        if hit is None:
            own = Report()
            with cache.recording() as deps:
                cache.record_tree(folder.parent, digest)
                contract = _load(folder, own)
            hit = (contract, list(own.errors), list(own.warnings), list(deps))
            cache.store("contract", folder, deps, hit)
        if len(_LOADED) > 32:
            _LOADED.clear()
        _LOADED[key] = hit
    contract, errors, warnings, _ = hit
    report.errors.extend(errors)
    report.warnings.extend(warnings)
    return contract


def _safe_load(path: Path, report: Report) -> Any:
    try:
        return load_yaml(path)
    except SourceErrors as exc:
        report.errors.extend(exc.errors)
    except SourceError as exc:
        report.errors.append(exc)
    return None


def _load(folder: Path, report: Report) -> Contract | None:
    head_path = folder / "contract.yaml"
    n_start = len(report.errors)
    head = _safe_load(head_path, report)
    if head is None:
        return None
    if not isinstance(head, Map):
        report.error(pos_of(head) or Pos(display_path(head_path), 1, 1),
                     f"contract.yaml should be a mapping of keys, not {_what(head)}",
                     "start with 'id:', 'title:', 'version:'")
        return None
    n_before = len(report.errors)
    report.extend(schemas.check(head, "contract"))
    if len(report.errors) > n_before:
        return None

    params = _parameters(head, report)
    values = {name: p.default for name, p in params.items()}

    terms: list[Term] = []
    defs_path = folder / "definitions.yaml"
    if defs_path.is_file():
        raw = _safe_load(defs_path, report)
        if raw is not None:
            if not isinstance(raw, Map):
                report.error(pos_of(raw), f"definitions.yaml should be a mapping, not {_what(raw)}",
                             "start with 'definitions:'")
            else:
                report.extend(schemas.check(raw, "definitions"))
                terms = _terms(raw, report)

    parts: list[Part] = []
    seq = head["parts"]
    for i, name in enumerate(seq):
        ppath = folder / name
        if not ppath.is_file():
            report.error(pos_of(seq, i), f"part file '{name}' not found in {display_path(folder)}",
                         "check the file name")
            continue
        raw = _safe_load(ppath, report)
        if raw is None:
            continue
        if not isinstance(raw, Map):
            report.error(pos_of(raw), f"a part file should be a mapping, not {_what(raw)}",
                         "start with 'id:', 'kind:', 'title:', 'clauses:'")
            continue
        n = len(report.errors)
        report.extend(schemas.check(raw, "part"))
        if len(report.errors) > n:
            continue
        parts.append(_part(raw, display_path(ppath), report))

    date = head["date"]
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            report.error(pos_of(head, "date"), f"'{date}' is not a date", "write YYYY-MM-DD")
            return None
    contract = Contract(
        id=head["id"],
        title=head["title"],
        short_title=head.get("short_title") or head["title"],
        version=str(head["version"]),
        date=date,
        status=head["status"],
        parameters=frozen_map(params),
        values=frozen_map(values),
        terms=tuple(terms),
        parts=tuple(parts),
        names=tuple(head.get("names") or ()),
        source=display_path(folder),
        pos=head.pos,
        revises=str(head["revises"]) if "revises" in head else None,
        migration=_migration(head),
    )
    if len(report.errors) > n_start:
        # a file that did not load would make every cross-file check report its absence again
        return contract
    if parts and parts[0].kind != "terms":
        report.error(parts[0].pos, "the first part must be the terms (kind: terms)",
                     "list terms.yaml first under parts:")
    for p in parts[1:]:
        if p.kind == "terms":
            report.error(p.pos, "only the first part may be kind: terms", "make it kind: schedule")
    check_contract(contract, report)
    if contract.revises is not None:
        check_revision(contract, folder, report)
    return contract


def _migration(head: Map) -> tuple[Migration, ...]:
    seq = head.get("migration") or Seq()
    return tuple(Migration(of=m.get("of", "clause"), from_ids=tuple(m["from"]), to_ids=tuple(m["to"]),
                           note=m["note"], pos=pos_of(seq, i)) for i, m in enumerate(seq))


def _ids(contract: Contract, of: str) -> set[str]:
    if of == "term":
        return {t.term for t in contract.terms}
    if of == "parameter":
        return set(contract.parameters)
    return {p.id for p in contract.parts} | {c.id for _, c in contract.walk()}


def check_revision(contract: Contract, folder: Path, report: Report) -> None:
    """Check a revision against the version it revises (docs/dev/revisions.md): `revises` names
    an existing version; each migration entry names old ids in `from` and new ids in `to`; an old
    id that is gone is named in some `from`."""
    old_folder = folder.parent / str(contract.revises)
    where = contract.pos
    if contract.revises == contract.version or not (old_folder / "contract.yaml").is_file():
        report.error(where, f"'revises: {contract.revises}' names no other version of '{contract.id}' "
                            f"(versions: {', '.join(p.name for p in contract_versions(folder.parent))})",
                     "write the version this one revises, e.g. revises: \"2026.1\"")
        return
    sub = Report()
    old = _load(old_folder, sub)
    if old is None or sub.errors:
        report.error(where, f"the revised version {contract.id}@{contract.revises} has errors; validate it first")
        return
    named: dict[tuple[str, str], Migration] = {}
    for m in contract.migration:
        before, after = _ids(old, m.of), _ids(contract, m.of)
        for ident in m.from_ids:
            if ident not in before:
                report.error(m.pos, f"migration: '{ident}' is no {m.of} id of {contract.id}@{contract.revises}",
                             did_you_mean(ident, before) or f"name a {m.of} of the revised version")
            if (m.of, ident) in named:
                report.error(m.pos, f"migration: '{ident}' is named in 'from' twice", "keep one entry for it")
            named[(m.of, ident)] = m
        for ident in m.to_ids:
            if ident not in after:
                report.error(m.pos, f"migration: '{ident}' is no {m.of} id of this version",
                             did_you_mean(ident, after) or f"name a {m.of} of {contract.id}@{contract.version}")
    from .revision import revision_changes  # noqa: PLC0415

    places = {c.id: c.pos for _, c in contract.walk()}
    places.update({t.term: t.pos for t in contract.terms})
    places.update({name: p.pos for name, p in contract.parameters.items()})
    for change in revision_changes(old, contract):
        if not change.note and change.new:
            report.warnings.append(SourceError(
                places.get(change.new[0], where), f"{change.of} '{change.new[0]}' is {change.kind} in this version "
                f"but has no changes: note", "add changes: with a sentence on why, for the release notes"))
    for of in ("clause", "term", "parameter"):
        gone = sorted(_ids(old, of) - _ids(contract, of) - {i for (o, i) in named if o == of})
        for ident in gone:
            report.error(where, f"{of} '{ident}' of {contract.id}@{contract.revises} is not in this version "
                                      "and the migration does not say what became of it",
                         f"add to migration: {{{'of: ' + of + ', ' if of != 'clause' else ''}from: [{ident}], "
                         f"to: [<its successor ids, or none>], note: <why>}}")


def _what(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _parameters(head: Map, report: Report) -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    raw = head["parameters"]
    for name, spec in raw.items():
        if not isinstance(spec, Map):
            continue
        p = Parameter(
            name=name,
            type=spec["type"],
            default=spec["default"],
            description=spec["description"],
            unit=spec.get("unit"),
            unit_plural=spec.get("unit_plural"),
            choices=tuple(spec.get("choices") or ()),
            labels=frozen_map(spec.get("labels") or {}),
            minimum=spec.get("minimum"),
            source=spec.get("from"),
            pos=key_pos_of(raw, name),
            changes=spec.get("changes"),
        )
        if p.type == "choice" and not p.choices:
            report.error(key_pos_of(spec, "type"), f"parameter '{name}' is a choice with no choices",
                         "add 'choices: [a, b]'")
        for label in p.labels if p.choices or p.type != "choice" else ():
            if label not in p.choices:
                report.error(key_pos_of(spec["labels"], label),
                             f"label for '{label}', which is not one of the choices of '{name}'",
                             did_you_mean(label, p.choices) or "remove it")
        problem = type_problem(p, p.default)
        special = literal_problem(p.default, pos_of(spec, "default"), p.type) if problem else None
        if special:
            report.error(pos_of(spec, "default"), *special)
        elif problem and not (p.type == "choice" and not p.choices):
            report.error(pos_of(spec, "default"),
                         f"default of '{name}' is {spec['default']!r}, but {'an' if p.type[0] in 'aeiou' else 'a'} "
                         f"{p.type} parameter needs {problem}",
                         "correct the default or the type")
        out[name] = p
    return out


def _terms(raw: Map, report: Report) -> list[Term]:
    out: list[Term] = []
    seen: dict[str, Pos | None] = {}
    seq = raw.get("definitions") or []
    for i, item in enumerate(seq):
        if not isinstance(item, Map) or not isinstance(item.get("term"), str) or not isinstance(item.get("text"), str):
            continue
        term = item["term"]
        pos = pos_of(item, "term")
        if term in seen:
            first = seen[term]
            report.error(pos, f"term '{term}' is defined twice (first at line {first.line if first else '?'})",
                         "remove one definition", DuplicateId)
            continue
        seen[term] = pos
        out.append(Term(term=term, text=item["text"], forms=tuple(item.get("forms") or ()),
                        pos=pos, text_pos=pos_of(item, "text"), changes=item.get("changes")))
    return out


def _part(raw: Map, path: str, report: Report) -> Part:
    clauses = tuple(_clause(c, raw["clauses"], i, 1, report) for i, c in enumerate(raw["clauses"]))
    return Part(id=raw["id"], kind=raw["kind"], title=raw["title"], clauses=clauses, path=path,
                pos=pos_of(raw, "id"))


def _clause(raw: Map, parent: Seq, index: int, depth: int, report: Report) -> Clause:
    pos = pos_of(raw, "id") or pos_of(parent, index)
    if depth > MAX_DEPTH:
        report.error(pos, f"clause '{raw['id']}' is nested {depth} levels deep; at most {MAX_DEPTH} are numbered",
                     "move it up a level")
    if depth == 1 and not raw.get("heading"):
        report.error(pos, f"top-level clause '{raw['id']}' has no heading", "add 'heading:'")
    kids = raw.get("children") or Seq()
    children = tuple(_clause(c, kids, i, depth + 1, report) for i, c in enumerate(kids))
    when = tuple(
        (k, tuple(v) if isinstance(v, list) else (v,)) for k, v in (raw.get("when") or {}).items()
    )
    table = None
    if "table" in raw:
        t = raw["table"]
        table = Table(columns=tuple(t["columns"]), rows=tuple(tuple(r) for r in t["rows"]),
                      pos=pos_of(raw, "table"))
        for r, row in enumerate(t["rows"]):
            if len(row) != len(t["columns"]):
                report.error(pos_of(t["rows"], r),
                             f"table row {r + 1} of '{raw['id']}' has {len(row)} cells for {len(t['columns'])} columns",
                             "give every row one cell per column (\"\" for an empty cell)")
    locs = {k: v for k, v in raw.value_pos.items()}
    return Clause(id=raw["id"], heading=raw.get("heading"), text=raw.get("text"), children=children,
                  when=when, list=raw.get("list"), table=table, pos=pos, locs=frozen_map(locs),
                  changes=raw.get("changes"))


# ---------------------------------------------------------------------------------------------
# Checks over a whole contract (also run on the result of applying an overlay)


def texts_of(contract: Contract) -> Iterable[tuple[str, Pos | None, str]]:
    """Yield (field, position, text) for every piece of prose in the contract."""
    for part in contract.parts:
        yield "title", part.pos, part.title
        for clause in part.walk():
            if clause.heading:
                yield "heading", clause.locs.get("heading", clause.pos), clause.heading
            if clause.text:
                yield "text", clause.locs.get("text", clause.pos), clause.text
            if clause.table:
                tpos = clause.locs.get("table", clause.pos)
                for cell in (*clause.table.columns, *(c for row in clause.table.rows for c in row)):
                    if cell:
                        yield "cell", tpos, cell
    for term in contract.terms:
        yield "definition", term.text_pos, term.text


def check_contract(contract: Contract, report: Report) -> None:
    """Add to `report` every problem of ids, references, parameters and defined terms."""
    ids: dict[str, Pos | None] = {}
    for part in contract.parts:
        for ident, pos in [(part.id, part.pos)] + [(c.id, c.pos) for c in part.walk()]:
            if ident in ids:
                first = ids[ident]
                where = f"{first.path}:{first.line}" if first else "elsewhere"
                report.error(pos, f"duplicate id '{ident}' (first used at {where})",
                             "give each clause its own id", DuplicateId)
            else:
                ids[ident] = pos
    for part in contract.parts:
        for top in part.clauses:
            if not top.heading and top.pos is not None and not top.locs.get("heading"):
                report.error(top.pos, f"top-level clause '{top.id}' has no heading", "add 'heading:'")
        for clause in part.walk():
            if not clause.heading and not clause.text and not clause.children and not clause.table:
                report.error(clause.pos, f"clause '{clause.id}' has neither heading nor text", "add 'text:'")
    lists = [c for _, c in contract.walk() if c.list == "definitions"]
    if contract.terms and not lists:
        report.error(contract.pos, "no clause lists the defined terms",
                     "add 'list: definitions' to the definitions clause")
    for extra in lists[1:]:
        report.error(extra.locs.get("list", extra.pos), "a second clause lists the defined terms",
                     "keep 'list: definitions' on one clause")

    params = contract.parameters
    for _, clause in contract.walk():
        for name, allowed in clause.when:
            wpos = clause.locs.get("when", clause.pos)
            if name not in params:
                report.error(locate(wpos, name) if wpos else clause.pos,
                             f"condition on unknown parameter '{name}' in clause '{clause.id}'",
                             did_you_mean(name, params) or "declare it under parameters: in contract.yaml",
                             UnknownParameter)
                continue
            if params[name].type == "choice" and not params[name].choices:
                continue  # reported at the parameter
            for value in allowed:
                problem = type_problem(params[name], value)
                vpos = locate(wpos, str(value)) if wpos else clause.pos
                special = literal_problem(value, vpos, params[name].type) if problem else None
                if special:
                    report.error(vpos, *special)
                elif problem:
                    report.error(vpos,
                                 f"condition value {value!r} for '{name}' in clause '{clause.id}' is not {problem}",
                                 did_you_mean(str(value), params[name].choices) or "use a value the parameter can take")

    for fieldname, pos, text in texts_of(contract):
        for m in UNCLOSED.finditer(text):
            report.error(locate(pos, text[m.start():m.start() + 12]) if pos else None,
                         f"'{m.group(0)}' is never closed", "close it with '}}' or ']]'")
        for seg in split(text):
            if seg.kind == "param":
                if not re.fullmatch(r"[a-z][a-z0-9_]*", seg.value):
                    report.error(locate(pos, seg.raw) if pos else None,
                                 f"'{seg.raw}' is not a parameter placeholder; text is never run as code",
                                 "write {{ parameter_name }} with a declared parameter, or remove the braces",
                                 UnknownParameter)
                elif seg.value not in params:
                    report.error(locate(pos, seg.raw) if pos else None,
                                 f"unknown parameter '{seg.value}'",
                                 did_you_mean(seg.value, params) or "declare it under parameters: in contract.yaml",
                                 UnknownParameter)
            elif seg.kind == "ref":
                if not re.fullmatch(r"[a-z0-9.-]+", seg.value):
                    report.error(locate(pos, seg.raw) if pos else None,
                                 f"'{seg.raw}' is not a cross-reference", "write [[clause-id]] with an existing id",
                                 UnknownClause)
                elif fieldname in ("heading", "title"):
                    report.error(locate(pos, seg.raw) if pos else None,
                                 f"a reference '{seg.raw}' in a heading", "move the reference into the text")
                elif seg.value not in ids:
                    report.error(locate(pos, seg.raw) if pos else None,
                                 f"reference to unknown clause '{seg.value}'",
                                 did_you_mean(seg.value, ids) or "check the clause id", UnknownClause,
                                 subject=seg.value)
    check_terms(contract, report)


def check_terms(contract: Contract, report: Report) -> None:
    """Add capitalised words that are not defined terms, and terms never used, to `report`.

    Every scan is linear in the length of the text: term forms are looked up by their first word
    (never one regex alternating over every form), and titles of legislation are found over the
    words of the text once (see `legislation_spans`)."""
    allowed = [f for t in contract.terms for f in t.all_forms] + list(contract.names) + list(BUILTIN_NAMES)
    index = FormIndex(allowed)
    used: dict[str, int] = {t.term: 0 for t in contract.terms}
    form_owner = {f: t.term for t in contract.terms for f in t.all_forms}
    own_text_pos = {t.term: t.text_pos for t in contract.terms}
    reported: set[tuple[str, str]] = set()
    for fieldname, pos, text in texts_of(contract):
        plain = TOKEN.sub(lambda m: _mask(contract, m), text)
        covered = bytearray(len(plain))
        for start, end, form in index.finditer(plain):
            covered[start:end] = b"\x01" * (end - start)
            owner = form_owner.get(form)
            if owner and not (fieldname == "definition" and own_text_pos[owner] == pos):
                used[owner] += 1
        for start, end in legislation_spans(plain):
            covered[start:end] = b"\x01" * (end - start)
        if fieldname == "title":  # part titles are in title case
            continue
        shown = 0
        for m in _CAPWORD.finditer(plain):
            if covered[m.start()] or _sentence_start(plain, m.start()):
                continue
            word = m.group(0).rstrip("’'-")
            if len(word) == 1 and word != "I" and fieldname == "cell":
                continue
            key = (pos.path if pos else "", word)
            if key in reported:
                continue
            reported.add(key)
            shown += 1
            if shown > MAX_WORD_REPORTS:
                continue  # counted below: locating each of thousands of words would be quadratic
            report.error(locate(pos, m.group(0)) if pos else None,
                         f"capitalised '{word}' is not a defined term",
                         "define it in definitions.yaml, add it to names: in contract.yaml, or write it in lower case",
                         UndefinedWord, subject=word)
        if shown > MAX_WORD_REPORTS:
            report.error(pos, f"{shown - MAX_WORD_REPORTS} more capitalised words in this {fieldname} are not "
                         "defined terms", "define them, add them to names: in contract.yaml, or write them in lower case")
    for term in contract.terms:
        if used[term.term] == 0:
            report.error(term.pos, f"defined term '{term.term}' is never used",
                         "use it in the text or remove the definition")


#: Capitalised words reported one by one in a single text; the rest are counted in one message.
MAX_WORD_REPORTS = 100
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")


def _alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class FormIndex:
    """Term forms (and names) found in a text in one pass, keyed by their first word.

    Finds what `(?<![A-Za-z0-9])(?:form|form|…)(?![A-Za-z0-9])` (longest form first) would find,
    in time linear in the text: a form that starts with a letter or digit can only begin where a
    run of them begins, and that run must be the form's own first run."""

    def __init__(self, forms: Iterable[str]) -> None:
        self.by_run: dict[str, list[str]] = {}
        self.by_char: dict[str, list[str]] = {}  # forms that start with neither letter nor digit
        for form in sorted(set(forms), key=lambda f: (-len(f), f)):
            if not form:
                continue
            m = _ALNUM_RUN.match(form)
            if m:
                self.by_run.setdefault(m.group(0), []).append(form)
            else:
                self.by_char.setdefault(form[0], []).append(form)
        self.lead = re.compile(
            r"[A-Za-z0-9]+|[" + "".join(re.escape(c) for c in sorted(self.by_char)) + "]"
        ) if self.by_char else _ALNUM_RUN

    def finditer(self, text: str) -> Iterable[tuple[int, int, str]]:
        """Yield (start, end, form) for each form found, left to right, never overlapping."""
        if not self.by_run and not self.by_char:
            return
        n = len(text)
        resume = 0
        for m in self.lead.finditer(text):
            p = m.start()
            if p < resume:
                continue
            lead = m.group(0)
            if _alnum(lead[0]):
                candidates = self.by_run.get(lead)
            else:
                if p > 0 and _alnum(text[p - 1]):
                    continue
                candidates = self.by_char.get(lead)
            for form in candidates or ():
                end = p + len(form)
                if text.startswith(form, p) and (end == n or not _alnum(text[end])):
                    yield p, end, form
                    resume = end
                    break


_LEG_KEYWORDS = frozenset(("Act", "Regulations", "Order", "Rules", "Standards", "Code", "Guidance", "Guide", "Measure"))
_LEG_WORD = re.compile(r"(?:[A-Z(][\w’'()-]*|of|and|for|the|to|on|in|with|a)")
_LEG_CLASS_RUN = re.compile(r"[\w’'()-]*")
_LEG_FIRST = re.compile(r"[A-Z(]")
_YEAR = re.compile(r"\d{4}")
_NONSPACE = re.compile(r"\S+")


def legislation_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of titles of legislation ("Children Act 1989") in `text`.

    The spans `_LEGISLATION.finditer` would give, found over the words of the text in one pass
    each way instead: the regex alone retries every capitalised word as a start and reads on to
    the end of the run, which is quadratic in a long run of capitalised words."""
    if not any(k in text for k in _LEG_KEYWORDS):
        return []
    toks = [(m.start(), m.group(0)) for m in _NONSPACE.finditer(text)]
    count = len(toks)
    chain = [_LEG_WORD.fullmatch(t) is not None for _, t in toks]
    keyword = [t in _LEG_KEYWORDS and i + 1 < count and _YEAR.match(toks[i + 1][1]) is not None
               for i, (_, t) in enumerate(toks)]
    # best[i]: the last keyword a title starting at word i reaches, through words that may continue it
    best: list[int] = [-1] * count
    for i in range(count - 2, -1, -1):
        if chain[i + 1]:
            best[i] = best[i + 1] if best[i + 1] >= 0 else (i + 1 if keyword[i + 1] else -1)
    spans: list[tuple[int, int]] = []
    i, offset = 0, 0
    while i < count:
        start, tok = toks[i]
        if best[i] >= 0:
            # the title may start inside the word, at a capital (or "(") from which the word is all
            # word characters
            suffix = len(tok) - _LEG_CLASS_RUN.match(tok[::-1]).end()  # type: ignore[union-attr]
            first = _LEG_FIRST.search(tok, max(suffix, offset))
            if first is not None:
                k = best[i]
                end = toks[k + 1][0] + 4
                spans.append((start + first.start(), end))
                i, offset = k + 1, 4
                continue
        i, offset = i + 1, 0
    return spans


def _mask(contract: Contract, m: re.Match[str]) -> str:
    """Return a same-length stand-in for a token: a value ending a sentence keeps its full stop."""
    n = len(m.group(0))
    name = m.group(1)
    if name is not None and name in contract.parameters and name in contract.values:
        from .text import format_value

        try:
            value = format_value(contract.parameters[name], contract.values[name])
        except (TypeError, ValueError):
            value = ""
        if value.rstrip().endswith((".", "!", "?")):
            return "0" * (n - 1) + "."
    return "0" * n


def _sentence_start(text: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and text[j] in " \t\n\"“‘'(":
        j -= 1
    return j < 0 or text[j] in ".?!:;—–-"
