"""Inputs are data, outputs are never half-written, exit codes scripts can rely on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from conftest import ROOT, run_cli
from faults import SIGNAL_HALF_WAY, script

BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
    + "j: [" + ", ".join(["*i"] * 10) + "]\n"
)


def test_an_alias_bomb_fails_cleanly_and_small(tmp_path: Path) -> None:
    """10**10 values if expanded; the loader stops at its node limit, in bounded memory.

    How fast it stops is measured by bench/bench_worst.py, not asserted here: a timing
    threshold fails on a loaded machine."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    code = textwrap.dedent(f"""
        import json, resource
        from pathlib import Path
        from contractgen.errors import SourceError, SourceErrors
        from contractgen.loader import load_yaml, load_yaml_text
        load_yaml_text("a: [x, y]", "warm.yaml")  # both loaders imported and used once
        before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        try:
            load_yaml(Path({str(bomb)!r}))
            outcome = "loaded"
        except (SourceError, SourceErrors) as exc:
            outcome = str(exc)
        grew_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before_mb
        print(json.dumps({{"outcome": outcome, "grew_mb": grew_mb}}))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    result = json.loads(r.stdout)
    assert "expands to more than 200,000 values through repeated aliases" in result["outcome"]
    # what the bomb itself costs, above the interpreter and contractgen's imports: expanded, it
    # would need hundreds of GB; stopped at the node limit it needs a few MB
    assert result["grew_mb"] < 100, result


INTERRUPT_DURING_WRITE = script(SIGNAL_HALF_WAY)


def test_ctrl_c_half_way_through_a_build_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    out = tmp_path / "fostering.docx"
    first = run_cli("build", "national_contract/fostering", "-o", str(out))
    assert first.returncode == 0
    previous = out.read_bytes()
    out.write_bytes(previous + b"")  # the earlier build, as the user has it
    r = subprocess.run([sys.executable, "-c", INTERRUPT_DURING_WRITE, "SIGINT", "build", "variations/white-rose-fostering.yaml",
                        "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 130, r.stderr
    assert "interrupted: no output was changed" in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fostering.docx"], "a temporary file was left behind"


def test_ctrl_c_during_pack_all_leaves_only_complete_packs(tmp_path: Path) -> None:
    out = tmp_path / "packs"
    proc = subprocess.Popen([sys.executable, "-m", "contractgen", "pack", "--all", "-o", str(out)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.is_dir() and len(list(out.glob("*.zip"))) >= 2):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole process group
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted: every pack written so far is whole" in stderr
    assert "Traceback" not in stderr
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == [], leftovers
    for folder in (p for p in out.iterdir() if p.is_dir()):
        manifest = json.loads((folder / "manifest.json").read_text())
        assert {f["name"] for f in manifest["files"]} == {p.name for p in folder.iterdir()} - {"manifest.json"}


def test_exit_codes_scripts_can_rely_on(tmp_path: Path) -> None:
    assert run_cli("validate").returncode == 0
    bad = run_cli("build", "national_contract/nowhere", "-o", str(tmp_path / "x.docx"))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    usage = run_cli("build", "--no-such-option")
    assert usage.returncode == 2
    bug = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        import contractgen.api as api
        def broken(*args, **kwargs):
            raise RuntimeError("simulated defect")
        api.validate_paths = broken
        from contractgen.cli import main
        sys.argv = ["contractgen", "validate"]
        main()
    """)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bug.returncode == 123
    assert "Traceback" in bug.stderr and "RuntimeError: simulated defect" in bug.stderr
    assert "This is a bug: please report it" in bug.stderr


def test_a_template_is_rendered_in_a_sandbox(tmp_path: Path) -> None:
    from contractgen.errors import SourceError
    from contractgen.render.docx import render_template

    from docx import Document

    path = tmp_path / "t.docx"
    doc = Document(str(ROOT / "contractgen" / "templates" / "pack" / "form-of-tender.docx"))
    doc.add_paragraph("{{ lead.__class__.__mro__[1].__subclasses__() }}")
    doc.save(str(path))
    ctx = {k: "x" for k in ("consortium", "lead", "tender_title", "issue_date", "reference", "notice",
                            "short_title", "version", "term_text")}
    try:
        render_template(path, ctx)
    except SourceError as exc:
        assert "unsafe" in str(exc)
    else:
        raise AssertionError("the sandbox let the template reach Python internals")
    # values are data: braces in a value are printed, never evaluated
    doc = Document(str(ROOT / "contractgen" / "templates" / "pack" / "form-of-tender.docx"))
    doc.save(str(path))
    tpl = render_template(path, {**ctx, "lead": "{{ 7 * 7 }}"})
    text = "\n".join(p.text for p in tpl.docx.paragraphs)
    assert "{{ 7 * 7 }}" in text and "49" not in text


def test_no_eval_or_exec_or_unsafe_yaml_in_the_package() -> None:
    import re

    for path in (ROOT / "contractgen").rglob("*.py"):
        source = path.read_text()
        assert not re.search(r"\b(eval|exec)\(", source), path
        assert "yaml.load(" not in source and "unsafe_load" not in source and "yaml.Loader" not in source, path

