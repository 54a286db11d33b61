"""The command line: parse, call the api, map errors to exit codes. Only this module prints."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import typer

from . import __version__, api
from .errors import ContractgenError, SourceError, SourceErrors, UsageError

EXIT_USER = 1
EXIT_BUG = 123

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="National children's placement contracts as data: validate, build Word contracts, redlines and packs.",
)


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _warn_loaded() -> None:
    """Print the warnings met while loading (unknown keys and the like), once each."""
    from .errors import take_warnings

    for w in take_warnings():
        _err(f"{w.render()} [warning]")


def _run(fn: Callable[[], Any]) -> Any:
    """Run `fn`; a user's mistake exits 1 with its message, a bug exits 123 with a traceback.

    Warnings met while loading are printed first, whether the command succeeds or not. Ctrl-C,
    SIGTERM and SIGHUP (see `main`) exit 128 + the signal's number with a message."""
    try:
        result = fn()
        _warn_loaded()
        return result
    except typer.Exit:
        _warn_loaded()
        raise
    except SourceErrors as exc:
        _warn_loaded()
        for e in exc.errors:
            _err(e.render())
        _err(f"{len(exc.errors)} problem{'s' if len(exc.errors) != 1 else ''} found.")
        raise typer.Exit(EXIT_USER) from None
    except ContractgenError as exc:
        _warn_loaded()
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_USER) from None
    except OSError as exc:  # the operating system refused a path the user gave: theirs to fix
        from .output import os_error

        _err(f"error: {os_error(exc.filename or '?', exc, 'cannot use this path')}")
        raise typer.Exit(EXIT_USER) from None
    except KeyboardInterrupt as exc:
        _err(f"{_interrupted(exc)}: no output was changed")
        raise typer.Exit(_signal_exit(exc)) from None
    except Exception:  # noqa: BLE001 — anything else is a bug in contractgen
        _err(traceback.format_exc().rstrip())
        _err(f"contractgen {__version__} hit an internal error. This is a bug: please report it "
             "with the command you ran and the traceback above.")
        raise typer.Exit(EXIT_BUG) from None


#: --templates DIR, on every command that renders a document.
_TEMPLATES_OPTION: Any = typer.Option(
    None, "--templates", metavar="DIR", exists=True, file_okay=False, dir_okay=True,
    help="A folder of restyled templates laid out like the shipped ones (DIR/contract.docx, "
         "DIR/pack/<name>.docx): each file present in DIR is used, every other template comes from "
         "the package. Without it only the package's templates are used (a ./templates folder is "
         "not picked up unless named here).")


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like Ctrl-C's KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _signal_exit(exc: BaseException) -> int:
    """128 + the signal's number: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + getattr(exc, "signum", 2)


def _interrupted(exc: BaseException) -> str:
    import signal

    signum = getattr(exc, "signum", signal.SIGINT)
    return "interrupted" if signum == signal.SIGINT else f"interrupted by {signal.Signals(signum).name}"


@app.command()
def validate(
    paths: list[Path] = typer.Argument(None, help="Contract folders, versions or overlays (default: everything shipped)."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings (such as unknown keys) as errors."),
) -> None:
    """Check sources and report every problem, each as path:line:col: what (fix)."""

    def go() -> None:
        result = api.validate_paths(paths or None)
        problems = result.errors + (result.warnings if strict else [])
        for w in ([] if strict else result.warnings):
            _err(f"{w.render()} [warning]")
        if problems:
            raise SourceErrors(problems)
        n = len(result.checked)
        warn = f", {len(result.warnings)} warning(s)" if result.warnings else ""
        typer.echo(f"ok: {n} source{'s' if n != 1 else ''} checked, no problems{warn}.")

    _run(go)


@app.command()
def build(
    source: Path = typer.Argument(..., help="A contract folder (national_contract/fostering) or an overlay (variations/X.yaml)."),
    out: Path = typer.Option(..., "-o", "--out", help="Where to write the .docx."),
    version: Optional[str] = typer.Option(None, "--version", help="The contract version, when several exist (default: the latest)."),
    schedule: Optional[Path] = typer.Option(None, "--schedule", help="Also write the schedule of variations (.docx) of an overlay."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    templates: Path | None = _TEMPLATES_OPTION,
) -> None:
    """Build the Word contract (national base, or consolidated for a consortium's overlay)."""

    def go() -> None:
        written = api.build(source, out, version=version, strict=strict, schedule=schedule, templates=templates)
        for path, what in written:
            typer.echo(f"wrote {path} ({what})")

    _run(go)


def _write_redline(red: Any, out: Path, html: Optional[Path], strict: bool) -> None:
    from .errors import SourceError as _SE
    from .output import check_outputs, check_suffix, write_atomic

    if red.unexplained:
        keys = ", ".join(o.item.key for o in red.unexplained[:5])
        raise RuntimeError(f"{len(red.unexplained)} change(s) belong to no declared variation: {keys}")
    problems = [
        _SE(v.pos, f"variation '{v.id}' changes nothing visible in this redline",
            "remove it, or check that a later variation does not undo it")
        for v in red.silent if not v.derived
    ]
    if problems and strict:
        raise SourceErrors(problems)
    check_outputs([out] + ([html] if html is not None else []))
    check_suffix(out, (".docx",), "a Word document")
    if html is not None:
        check_suffix(html, (".html", ".htm"), "an HTML page")
    for p in problems:
        _err(f"{p.render()} [warning]")
    for note in red.notes:
        _err(f"{note.render()} [note]")
    write_atomic(out, red.docx)
    if html is not None and red.html is not None:
        write_atomic(html, red.html.encode("utf-8"))
    what = f"{red.changes} tracked change{'s' if red.changes != 1 else ''}"
    if red.variations:
        from .revision import is_revision_of

        noun = "change" if is_revision_of(red.base, red.varied) else "variation"
        what += f", {red.variations} {noun}{'s' if red.variations != 1 else ''} in the register"
    typer.echo(f"wrote {out} ({what})")
    if html is not None:
        typer.echo(f"wrote {html}")


@app.command()
def redline(
    overlay: Path = typer.Argument(..., help="The consortium's overlay (variations/X.yaml)."),
    out: Path = typer.Option(..., "-o", "--out", help="Where to write the tracked-changes .docx."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write a self-contained HTML redline."),
    against: str = typer.Option("base", "--against", help="'base' (the national contract) or 'parent' (the overlay it extends)."),
    strict: bool = typer.Option(False, "--strict", help="A variation that changes nothing visible is an error."),
    templates: Path | None = _TEMPLATES_OPTION,
) -> None:
    """Write what a consortium changed, as native tracked changes, with a change register."""

    def go() -> None:
        red = api.redline(overlay, against=against, with_html=html is not None, templates=templates)
        _write_redline(red, out, html, strict)

    _run(go)


@app.command()
def diff(
    a: str = typer.Argument(..., help="The older side: contract@version, a contract folder or an overlay."),
    b: str = typer.Argument(..., help="The newer side."),
    out: Path = typer.Option(..., "-o", "--out", help="Where to write the tracked-changes .docx."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write a self-contained HTML comparison."),
    templates: Path | None = _TEMPLATES_OPTION,
) -> None:
    """Compare any two sources: two versions of a base, a base and an overlay, two consortia."""

    def go() -> None:
        red = api.diff(a, b, with_html=html is not None, templates=templates)
        _write_redline(red, out, html, strict=False)

    _run(go)


def _pack_one(args: tuple[str, str, int | None, str | None, str | None]) -> tuple[str, bool, str, list[str]]:
    """Build one pack (in a worker process with --all); return (overlay, ok, message, warnings)."""
    from .errors import take_warnings
    from .pack import write_pack

    path, out, epoch, templates, documents_url = args
    ok, message = False, ""
    try:
        result = write_pack(Path(path), Path(out), epoch, Path(templates) if templates else None, on_wait=_err,
                            documents_url=documents_url)
        ok, message = True, f"{result.folder} ({result.files} files) and {result.zip}"
    except SourceErrors as exc:
        message = "\n".join(e.render() for e in exc.errors)
    except SourceError as exc:
        message = exc.render()
    except ContractgenError as exc:
        message = f"{path}: {exc}"
    except Exception:  # noqa: BLE001 — reported as a bug, but the other packs still complete
        message = "internal error (a bug in contractgen, please report it):\n" + traceback.format_exc()
    # a worker's warnings (unknown keys…) travel back with its result, to be printed by the parent
    return path, ok, message, [w.render() for w in take_warnings()]


def _worker_init() -> None:
    """In a pack worker: the parent alone handles Ctrl-C and SIGHUP; SIGTERM (from the parent) ends us."""
    import signal

    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop_pool(pool: Any) -> None:
    """Cancel what has not started and end the workers: none outlives the parent."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join(10)
    pool.shutdown(wait=True, cancel_futures=True)


def _clean_after_interrupt(out: Path) -> None:
    """Settle the transaction folders the abandoned packs left (their workers are gone)."""
    from .packdir import recover_if_free

    if out.is_dir():
        recover_if_free(out)


@app.command()
def pack(
    overlays: list[Path] = typer.Argument(None, help="Overlays to pack (variations/X.yaml)."),
    out: Path = typer.Option(Path("packs"), "-o", "--out", help="Folder to write <id>/ and <id>.zip into."),
    all_: bool = typer.Option(False, "--all", help="Pack every overlay in variations/."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Parallel workers (default: one per core)."),
    templates: Path | None = _TEMPLATES_OPTION,
    documents_url: str | None = typer.Option(
        None, "--documents-url", metavar="URL",
        help="The https address the pack's documents will be published at (one overlay only); it wins over "
             "the particulars' documents_url. Without either, the OCDS release package uses the placeholder "
             "https://documents.invalid/<id>/ and a warning says so."),
) -> None:
    """Write the complete tender pack for each consortium: documents, workbook, manifest, OCDS release package."""

    def go() -> None:
        import os
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        targets = list(overlays or [])
        if all_:
            targets += sorted(api.VARIATION_ROOT.glob("*.yaml"))
        if not targets:
            raise UsageError("name overlays to pack, or use --all")
        if documents_url is not None:
            from .pack import check_documents_url

            check_documents_url(documents_url)
            if len(dict.fromkeys(targets)) > 1:
                raise UsageError("--documents-url is one pack's address: pack one overlay with it, or give each "
                                 "overlay its own documents_url in its particulars")
        from .packdir import prepare_out_dir

        prepare_out_dir(out)
        epoch = api.source_date_epoch()
        if templates is not None:
            from .render.docx import check_templates_dir

            check_templates_dir(templates)  # once, not once per pack
        work = [(str(t), str(out), epoch, str(templates) if templates else None, documents_url)
                for t in dict.fromkeys(targets)]
        workers = max(1, min(jobs or (os.cpu_count() or 1), len(work)))
        failed: list[tuple[str, str]] = []
        results: list[tuple[str, bool, str, list[str]]] = []
        tty = sys.stderr.isatty()
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) if workers > 1 else None
        try:
            if pool is None:
                iterator: Any = (_pack_one(w) for w in work)
            else:
                futures = [pool.submit(_pack_one, w) for w in work]
                iterator = (f.result() for f in as_completed(futures))
            if tty:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

                with Progress(TextColumn("packing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                              TextColumn("{task.description}"), transient=False) as progress:
                    task = progress.add_task("", total=len(work))
                    for res in iterator:
                        results.append(res)
                        progress.update(task, advance=1, description=Path(res[0]).stem)
            else:
                for res in iterator:
                    results.append(res)
                    if res[1]:
                        typer.echo(f"packed {res[0]}")
        except (KeyboardInterrupt, BrokenProcessPool) as exc:
            if pool is not None:
                _stop_pool(pool)
            _clean_after_interrupt(out)
            _err(f"{_interrupted(exc)}: every pack written so far is whole (its folder and its zip are "
                 "replaced together); the others were not started or were abandoned before writing")
            raise typer.Exit(_signal_exit(exc)) from None
        if pool is not None:
            pool.shutdown()
        for warning in dict.fromkeys(w for res in sorted(results) for w in res[3]):
            _err(f"{warning} [warning]")
        for path, ok, message, _ in sorted(results):
            if ok:
                typer.echo(f"wrote {message}")
            else:
                failed.append((path, message))
        for path, message in failed:
            _err(f"{path}: {message}" if message.startswith("internal error") else message)
        done = len(results) - len(failed)
        typer.echo(f"{done} of {len(results)} pack{'s' if len(results) != 1 else ''} written to {out}"
                   + (f"; {len(failed)} failed" if failed else ""))
        if failed:
            raise typer.Exit(EXIT_USER)

    _run(go)


@app.command()
def pin(
    overlays: list[Path] = typer.Argument(..., help="Overlay files (variations/X.yaml) whose pins to fill or refresh."),
) -> None:
    """Record in each variation a pin: a short hash of the base text it was written against."""

    def go() -> None:
        from .overlay import fill_pins

        for path in overlays:
            total, changed = fill_pins(path)
            typer.echo(f"{path}: {total} pin{'s' if total != 1 else ''}, {changed} written")

    _run(go)


@app.command()
def rebase(
    overlays: list[Path] = typer.Argument(None, help="Overlay files (variations/X.yaml) to rebase."),
    onto: str = typer.Option(..., "--onto", help="The version to move to: 2026.2 or fostering@2026.2."),
    all_: bool = typer.Option(False, "--all", help="Rebase every overlay in variations/ on that contract."),
    report_dir: Path = typer.Option(Path("rebase-reports"), "--report-dir",
                                    help="Where to write each overlay's report (<id>.md and <id>.html)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what a rebase would do; write nothing."),
) -> None:
    """Replay each overlay's variations onto a new national version; rewrite the overlay in place
    (losslessly) and report what was carried, flagged and in conflict. Exit 3 when conflicts remain."""
    from .rebase import EXIT_CONFLICTS

    def go() -> int:
        from .output import write_atomic
        from .rebase import rebase_many, report_html

        paths = list(overlays or [])
        if all_:
            if paths:
                raise UsageError("give overlay files or --all, not both")
            contract = onto.rpartition("@")[0]
            paths = [p for p in sorted(Path("variations").glob("*.yaml"))
                     if not contract or _on_contract(p, contract)]
        if not paths:
            raise UsageError("name the overlays to rebase (variations/X.yaml …) or use --all")
        results = rebase_many(paths, onto)
        conflicts = 0
        for r in results:
            conflicts += r.conflicts
            verb = "would rebase" if dry_run else "rebased"
            typer.echo(f"{r.path}: {verb} {r.old_ref} → {r.new_ref}: {r.carried} carried, {r.flagged} flagged, "
                       f"{r.conflicts} in conflict" + ("" if r.changed else " (no change)"))
            if dry_run:
                continue
            if r.changed:
                write_atomic(r.path, r.data)
            if r.changed or r.flagged or r.conflicts:
                report_dir.mkdir(parents=True, exist_ok=True)
                write_atomic(report_dir / f"{r.overlay.id}.md", r.report.encode("utf-8"))
                write_atomic(report_dir / f"{r.overlay.id}.html", report_html(r.report).encode("utf-8"))
        if conflicts:
            _err(f"{conflicts} variation{'s' if conflicts != 1 else ''} in conflict: see the reports in {report_dir}/; "
                 "resolve each, then run `contractgen pin`")
            return EXIT_CONFLICTS
        return 0

    code = _run(go)
    if code:
        raise typer.Exit(code)


def _on_contract(path: Path, contract: str) -> bool:
    """Whether the overlay at `path` is on a version of `contract` (or extends one that is)."""
    from .overlay import overlay_chain
    from .validate import Report

    chain = overlay_chain(path, Report())
    return bool(chain) and (chain[0].base or "").partition("@")[0] == contract


@app.command()
def status() -> None:
    """For every overlay: its base version, whether its pins hold, the newest version of its
    contract, and what a rebase onto it would carry, flag and conflict."""

    def go() -> None:
        from .rebase import status_rows

        rows = status_rows(Path("variations"), Path("national_contract"))
        width = max((len(r[0]) for r in rows), default=10)
        typer.echo(f"{'overlay':{width}}  {'on':22} {'pins':5} {'newest':22} rebase onto newest")
        for name, on, pins, newest, summary in rows:
            typer.echo(f"{name:{width}}  {on:22} {pins:5} {newest:22} {summary}")

    _run(go)


@app.command()
def matrix(
    out: Path = typer.Option(..., "-o", "--out", help="Where to write it: a .csv, .xlsx or .html file."),
) -> None:
    """Write the variation matrix: every clause, value and definition of each national version ×
    every consortium on it, each cell the variations made there by category and operation."""

    def go() -> None:
        from .matrix import write_matrix

        rows, variations = write_matrix(out)
        typer.echo(f"wrote {out} ({rows} rows, {variations} variations)")

    _run(go)


@app.command()
def site(
    out: Path = typer.Option(..., "-o", "--out", help="The folder to write the site to (a new one, or a site written before)."),
    packs: Optional[Path] = typer.Option(None, "--packs", help="A folder written by `pack --all`: its packs are linked from each consortium's page."),
) -> None:
    """Write the national variation register: a static website of every consortium's variations,
    with a page per contract version, clause and consortium, the matrix, search and comparison."""

    def go() -> None:
        from .site import build_site

        r = build_site(out, packs=packs)
        typer.echo(f"wrote {out}/ ({r.pages} pages, {r.files} files, {r.bytes / 1e6:.1f} MB; "
                   f"{r.consortia} consortia, {r.variations} variations); open {out}/index.html")

    _run(go)


@app.command("import")
def import_(
    source: Path = typer.Argument(..., help="The Word contract (.docx) to import."),
    out: Path = typer.Option(..., "-o", "--out",
                             help="The version folder to write, national_contract/<id>/<version>/; it must be "
                                  "absent or empty (an import never writes over a file)."),
    report: Optional[Path] = typer.Option(None, "--report", metavar="FILE",
                                          help="Also write the report as Markdown to FILE."),
    date: Optional[str] = typer.Option(None, "--date", metavar="YYYY-MM-DD",
                                       help="The version's date, when the document's front matter does not give it."),
) -> None:
    """Import a Word contract into the YAML source model (clauses, definitions, schedules, tables,
    cross-references), validate it, and report what could not be placed. Exit 3 when the folder
    is written but validate still finds problems (each is in the report)."""

    def go() -> int:
        import datetime as dt

        from .ingest.importer import EXIT_PROBLEMS, import_docx
        from .output import check_outputs, check_suffix, write_atomic

        when = None
        if date is not None:
            try:
                when = dt.date.fromisoformat(date.strip())
            except ValueError:
                raise UsageError(f"--date {date}: not a date; write YYYY-MM-DD, e.g. --date 2026-04-01") from None
        if report is not None:
            check_outputs([report])
            check_suffix(report, (".md", ".markdown"), "a Markdown report")
            if report.resolve().parent == out.resolve():
                raise UsageError(f"--report {report}: is inside the version folder {out}; write the report elsewhere")
        result = import_docx(source, out, when)
        for line in result.summary:
            typer.echo(line)
        if result.items:
            typer.echo(f"report ({len(result.items)} item{'s' if len(result.items) != 1 else ''}):")
            for line in result.report_lines():
                typer.echo(f"  {line}")
        if report is not None:
            write_atomic(report, result.markdown(str(source)).encode("utf-8"))
            typer.echo(f"wrote {report}")
        return EXIT_PROBLEMS if result.problems else 0

    code = _run(go)
    if code:
        raise typer.Exit(code)


@app.command()
def extract(
    document: Path = typer.Argument(..., help="The consortium's edited Word copy of the national contract (.docx)."),
    base: str = typer.Option(..., "--base", help="The national base it was made from: contract@version, e.g. fostering@2026.2."),
    out: Path = typer.Option(..., "-o", "--out", help="The overlay to write (variations/<id>.yaml); its file name is the overlay's id."),
    name: Optional[str] = typer.Option(None, "--name", help="The consortium's name (default: the document's subject or title)."),
    arrangement: Optional[str] = typer.Option(None, "--arrangement", help="The consortium's arrangement (default: the one the document's clauses show, else framework)."),
    report: Optional[Path] = typer.Option(None, "--report", metavar="FILE", help="Also write the residue report (Markdown) here."),
    force: bool = typer.Option(False, "--force", help="Replace the output files if they exist."),
) -> None:
    """Bring a consortium's variations out of an edited Word copy of the national contract, as a
    declared overlay (every variation pinned, rationale TODO); what does not align is reported."""

    def go() -> None:
        from .ingest.extract import run_extract

        result = run_extract(document, base, out, name=name, arrangement=arrangement, report=report, force=force)
        typer.echo(result.report.rstrip())
        n = len(result.variations)
        typer.echo(f"wrote {out} ({n} variation{'s' if n != 1 else ''}, each with rationale TODO)")
        if report is not None:
            typer.echo(f"wrote {report}")

    _run(go)


@app.command()
def stats(
    source: Path = typer.Argument(..., help="A contract folder or an overlay."),
    version: Optional[str] = typer.Option(None, "--version"),
) -> None:
    """Print counts: words, clauses, numbered paragraphs, defined terms, references, parameters."""

    def go() -> None:
        from .numbering import number_contract

        contract = api.open_source(source, version)
        s = api.contract_stats(number_contract(contract))
        typer.echo(f"{contract.ref}")
        for key, value in vars(s).items():
            typer.echo(f"  {key.replace('_', ' ')}: {value:,}")

    _run(go)


@app.command()
def schema(
    out: Path = typer.Option(Path("schemas"), "-o", "--out", help="Folder to write the JSON Schemas to."),
) -> None:
    """Write the JSON Schemas of the source files (for editors' autocompletion)."""

    def go() -> None:
        from .schemas import write_schemas

        for path in write_schemas(out):
            typer.echo(f"wrote {path}")

    _run(go)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"contractgen {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print contractgen's version and exit."),
    no_cache: bool = typer.Option(False, "--no-cache",
                                  help="Load and check every source afresh, without reading or writing "
                                       "the cache of loaded sources (docs/dev/cache.md)."),
) -> None:
    """contractgen."""
    if no_cache:
        from . import cache  # noqa: PLC0415

        cache.disable()


_SIGNALLED: list[int] = []


def _on_signal(signum: int, frame: object) -> None:
    """The first SIGINT, SIGTERM or SIGHUP raises (like Ctrl-C); later ones, while cleaning up, are ignored."""
    if _SIGNALLED:
        return
    _SIGNALLED.append(signum)
    raise Interrupted(signum)


def main() -> None:
    """Entry point of the `contractgen` console script.

    SIGTERM (a service manager stopping us) and SIGHUP (a closed terminal) behave like Ctrl-C: the
    command removes its temporary files, says so, and exits 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP)."""
    import signal

    _SIGNALLED.clear()
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        app()
    except SystemExit as exc:
        code = exc.code
        if _SIGNALLED and code == 1:  # click turned a signal outside a command into "Aborted!"
            code = 128 + _SIGNALLED[0]
        raise SystemExit(code) from None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
