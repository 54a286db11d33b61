"""Orchestration: validate, build, stats. The only place that strings the steps together."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import SourceError, SourceErrors, UsageError
from .model import Contract, frozen_map
from .numbering import Numbered, number_contract
from .redline.build import Redline, Side, Source, _chain_variations, build_redline, redline_of
from .render.text import body_text
from .text import TOKEN
from .validate import Report, contract_versions, find_contract_dir, load_contract

__all__ = ["Redline", "Side", "Source", "build_redline", "redline_of"]

CONTRACT_ROOT = Path("national_contract")
VARIATION_ROOT = Path("variations")


@dataclass
class ValidationResult:
    checked: list[str]
    errors: list[SourceError]
    warnings: list[SourceError]


def default_sources() -> list[Path]:
    """Return every shipped source: each contract version and each overlay."""
    found: list[Path] = []
    if CONTRACT_ROOT.is_dir():
        for folder in sorted(CONTRACT_ROOT.iterdir()):
            found.extend(contract_versions(folder))
    if VARIATION_ROOT.is_dir():
        found.extend(sorted(VARIATION_ROOT.glob("*.yaml")))
    if not found:
        raise UsageError("no sources found here: run in the project folder, or name the files to check")
    return found


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir() and not (p / "contract.yaml").is_file():
            versions = contract_versions(p)
            if versions:
                out.extend(versions)
                continue
            if list(p.glob("*.yaml")):
                out.extend(sorted(p.glob("*.yaml")))
                continue
        out.append(p)
    return out


def validate_paths(paths: list[Path] | None = None) -> ValidationResult:
    """Return every problem in the given sources (default: everything shipped)."""
    from . import cache  # noqa: PLC0415

    targets = _expand(list(paths)) if paths else default_sources()
    report = Report()
    checked = []
    for target in targets:
        checked.append(str(target))
        hit = cache.lookup("check", target)  # a clean result, while every byte it read is unchanged
        if hit is not None:
            report.warnings.extend(hit)
            continue
        one = Report()
        with cache.recording() as deps:
            _check_source(target, one)
        if not one.errors:
            cache.store("check", target, deps, list(one.warnings))
        report.errors.extend(one.errors)
        report.warnings.extend(one.warnings)
    return ValidationResult(checked, report.errors, report.warnings)


def _check_source(target: Path, report: Report) -> None:
    if target.suffix in (".yaml", ".yml") and target.name != "contract.yaml":
        from .overlay import load_overlay_checked  # noqa: PLC0415 (overlays are optional)

        load_overlay_checked(target, report)
        return
    before = len(report.errors)
    try:
        contract = load_contract(target, report=report)
    except SourceErrors:
        return
    if len(report.errors) > before:
        return  # numbering a contract with known problems would only repeat them
    omitted: dict[tuple, list[str]] = {}
    for values in condition_variants(contract):
        try:
            number_contract(replace(contract, values=frozen_map(values)))
        except SourceErrors as exc:
            for e in exc.errors:
                head, _, when = e.message.partition(" which is omitted when ")
                omitted.setdefault((e.pos, head, e.hint), []).append(when)
    for (pos, head, hint), whens in omitted.items():
        report.errors.append(SourceError(pos, f"{head} which is omitted when {' or '.join(sorted(set(whens)))}", hint))


def condition_variants(contract: Contract) -> list[dict]:
    """Return parameter value sets covering every choice used in a `when:` condition."""
    used = {name for _, c in contract.walk() for name, _ in c.when}
    variants = [dict(contract.values)]
    for name in sorted(used):
        p = contract.parameters.get(name)
        if p is None:
            continue
        options = p.choices if p.type == "choice" else ((True, False) if p.type == "boolean" else ())
        for option in options:
            if option != contract.values[name]:
                variants.append({**contract.values, name: option})
    return variants


def open_source(path: Path, version: str | None = None, strict: bool = False) -> Contract:
    """Return the contract named by `path`: a contract folder or version, or an overlay file."""
    path = Path(path)
    if path.suffix in (".yaml", ".yml") and path.name != "contract.yaml":
        from .overlay import resolve_overlay  # noqa: PLC0415

        return resolve_overlay(path, strict=strict)
    return load_contract(find_contract_dir(path, version), strict=strict)


@dataclass
class Stats:
    words: int
    top_level_clauses: int
    numbered_paragraphs: int
    defined_terms: int
    cross_references: int
    parameters: int
    schedules: int


def contract_stats(numbered: Numbered) -> Stats:
    """Return counts over the contract as rendered with its current parameter values."""
    words = sum(len(t.split()) for t in body_text(numbered))
    terms_part = numbered.parts[0]
    raw_refs = 0
    for _, node in numbered.walk():
        c = node.clause
        for text in (c.text or "", *(cell for r in (c.table.rows if c.table else ()) for cell in r)):
            raw_refs += sum(1 for m in TOKEN.finditer(text) if m.group(2) is not None)
    return Stats(
        words=words,
        top_level_clauses=len(terms_part.nodes),
        numbered_paragraphs=sum(1 for _ in numbered.walk()),
        defined_terms=len(numbered.contract.terms),
        cross_references=raw_refs,
        parameters=len(numbered.contract.parameters),
        schedules=sum(1 for p in numbered.parts if p.part.kind == "schedule"),
    )


def source_date_epoch() -> int | None:
    """Return SOURCE_DATE_EPOCH as an int when set, checked to be a time a .docx (zip) can record."""
    from .render.zipnorm import END_EPOCH, LAST_YEAR  # noqa: PLC0415

    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH={value} is before 1970; "
                             "give the number of seconds since 1970-01-01 00:00 UTC, or unset it")
        raise UsageError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds; "
                         "give the number of seconds since 1970-01-01 00:00 UTC, or unset it")
    if len(text) > 12 or int(text) >= END_EPOCH:
        shown = text if len(text) <= 24 else text[:20] + "…"
        raise UsageError(f"SOURCE_DATE_EPOCH={shown} is after {LAST_YEAR}, the last year a .docx (zip) can record; "
                         f"unset it or give a date before {LAST_YEAR + 1}")
    return int(text)


def build_docx(contract: Contract) -> bytes:
    """Return the Word document of `contract`."""
    from .render.docx import render_docx  # noqa: PLC0415

    return render_docx(number_contract(contract), epoch=source_date_epoch())


def build(path: Path, out: Path, version: str | None = None, strict: bool = False,
          schedule: Path | None = None, templates: Path | None = None) -> list[tuple[Path, str]]:
    """Build the Word contract for a source (and, for an overlay, its schedule of variations).

    Every document is rendered before anything is written, so a failure writes nothing. A
    template present in `templates` (--templates DIR) is used instead of the shipped one.
    """
    from .render.docx import user_templates

    with user_templates(templates):
        return _build(path, out, version, strict, schedule)


def _build(path: Path, out: Path, version: str | None, strict: bool,
           schedule: Path | None) -> list[tuple[Path, str]]:
    from .output import check_outputs, check_suffix, write_atomic  # noqa: PLC0415

    path = Path(path)
    is_overlay = path.suffix in (".yaml", ".yml") and path.name != "contract.yaml"
    if schedule is not None and not is_overlay:
        raise UsageError("--schedule needs an overlay (variations/X.yaml): a national contract has no variations")
    outputs: list[tuple[Path, bytes, str]] = []
    if is_overlay:
        from .overlay import derived_variations, resolve_chain  # noqa: PLC0415
        from .render.variations import render_schedule  # noqa: PLC0415

        resolved = resolve_chain(path, strict=strict)
        contract = resolved.contract
        outputs.append((out, build_docx(contract), contract.ref))
        if schedule is not None:
            data = render_schedule(resolved.parent, contract, resolved.overlay,
                                   derived_variations(resolved.parent, resolved.overlay), epoch=source_date_epoch())
            outputs.append((schedule, data, f"schedule of variations, {len(resolved.overlay.variations)} rows"))
    else:
        contract = load_contract(find_contract_dir(path, version), strict=strict)
        outputs.append((out, build_docx(contract), contract.ref))
    check_outputs(target for target, _, _ in outputs)
    for target, _, _ in outputs:
        check_suffix(target, (".docx",), "a Word document")
    for target, data, _ in outputs:
        write_atomic(target, data)
    return [(target, what) for target, _, what in outputs]


# ---------------------------------------------------------------------------------------------
# Redlines and diffs


def open_for_diff(spec: str) -> Contract:
    """Return the contract a diff operand names: contract@version, a contract folder, or an overlay."""
    path = Path(spec)
    if "@" in spec and not path.exists():
        from .validate import find_contract_ref  # noqa: PLC0415

        root = CONTRACT_ROOT if CONTRACT_ROOT.is_dir() else Path(__file__).resolve().parents[1] / "national_contract"
        if not root.is_dir():  # an installed package ships no contracts: they are the project's data
            raise UsageError(f"{spec}: there is no national_contract/ folder here to find it in "
                             "(run in the project folder, or name the contract's folder: "
                             "path/to/national_contract/<contract>)")
        return load_contract(find_contract_ref(spec, root))
    if not path.exists():
        raise UsageError(f"{spec}: no such file or folder (name contract@version, a contract folder or an overlay)")
    return open_source(path)


def redline(path: Path, against: str = "base", with_html: bool = True,
            templates: Path | None = None) -> Redline:
    """Return the redline of an overlay against the national base (or against its parent); a
    template present in `templates` (--templates DIR) is used instead of the shipped one."""
    from .render.docx import user_templates

    with user_templates(templates):
        return _redline(path, against, with_html)


def _redline(path: Path, against: str, with_html: bool) -> Redline:
    from .overlay import resolve_chain  # noqa: PLC0415

    path = Path(path)
    if path.suffix not in (".yaml", ".yml") or path.name == "contract.yaml":
        raise UsageError(f"{path}: redline needs an overlay (variations/X.yaml); use `contractgen diff` for two contracts")
    resolved = resolve_chain(path)
    if against == "parent" and len(resolved.steps) < 2:
        raise UsageError(f"{path}: overlay '{resolved.overlay.id}' extends no other overlay; use --against base")
    return redline_of(resolved, against, with_html, epoch=source_date_epoch())


def diff(a: str, b: str, with_html: bool = True, templates: Path | None = None) -> Redline:
    """Return the redline between any two sources (no attribution to variations); a template
    present in `templates` (--templates DIR) is used instead of the shipped one."""
    from .render.docx import user_templates

    with user_templates(templates):
        (ca, sa), (cb, sb) = _diff_side(a), _diff_side(b)
        return build_redline(ca, cb, None, author="contractgen", date=cb.date,
                             title=f"Comparison: {ca.ref} and {cb.ref}",
                             subtitle=f"{cb.title}: changes from {ca.ref} to {cb.ref}", with_html=with_html,
                             sides=[sa, sb] if sa or sb else None, epoch=source_date_epoch())


def _diff_side(spec: str) -> tuple[Contract, Side | None]:
    """Return the contract a diff operand names and, for an overlay, the variations that made it."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.name != "contract.yaml" and path.is_file():
        from .overlay import resolve_chain  # noqa: PLC0415

        resolved = resolve_chain(path)
        variations, sources = _chain_variations(resolved.base, resolved.steps)
        return resolved.contract, Side(resolved.overlay.id, resolved.base, resolved.contract, variations, sources)
    return open_for_diff(spec), None
