"""The command line through the real entry point: exit codes, messages, schemas."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, run_cli
from contractgen.schemas import SCHEMAS


def test_schema_writes_the_schemas_and_the_shipped_ones_are_current(tmp_path: Path) -> None:
    r = run_cli("schema", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    for name in SCHEMAS:
        written = tmp_path / f"{name}.schema.json"
        assert json.loads(written.read_text()) == SCHEMAS[name]
        shipped = ROOT / "schemas" / f"{name}.schema.json"
        assert shipped.read_text() == written.read_text(), f"run `contractgen schema` to refresh {shipped}"


def test_every_shipped_yaml_names_its_schema_on_the_first_line() -> None:
    files = list((ROOT / "national_contract").rglob("*.yaml")) + list((ROOT / "variations").glob("*.yaml"))
    assert files
    for f in files:
        first = f.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), f
        target = (f.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), f"{f}: schema {target} does not exist"
        kind = {"contract.yaml": "contract", "definitions.yaml": "definitions"}.get(f.name, "part")
        if f.parent.name != "variations":
            assert target.name == f"{kind}.schema.json", f


def test_build_writes_the_document_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "mini.docx"
    r = run_cli("build", "tests/data/mini", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.is_file() and out.read_bytes()[:2] == b"PK"
    assert r.stdout.strip() == f"wrote {out} (mini@1.0)"


def test_build_of_a_missing_source_is_a_user_error(tmp_path: Path) -> None:
    out = tmp_path / "x.docx"
    r = run_cli("build", "national_contract/nonesuch", "-o", str(out))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "national_contract/nonesuch: no such file or folder" in r.stderr
    assert not out.exists()


def test_build_of_an_unknown_version_names_the_versions(tmp_path: Path) -> None:
    r = run_cli("build", "tests/data/mini", "--version", "9.9", "-o", str(tmp_path / "x.docx"))
    assert r.returncode == 1
    assert "has no version 9.9 (versions: 1.0)" in r.stderr


def test_bad_usage_exits_2() -> None:
    r = run_cli("build")
    assert r.returncode == 2


def test_version_flag() -> None:
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("contractgen ")


def test_stats_prints_counts() -> None:
    r = run_cli("stats", "tests/data/mini")
    assert r.returncode == 0, r.stderr
    assert "mini@1.0" in r.stdout and "numbered paragraphs: 11" in r.stdout


def _two_versions(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "national_contract" / "mini"
    shutil.copytree(ROOT / "tests" / "data" / "mini", root)
    newer = root / "1.1"
    shutil.copytree(root / "1.0", newer)
    head = newer / "contract.yaml"
    head.write_text(head.read_text().replace('version: "1.0"', 'version: "1.1"').replace("default: 30", "default: 21"))
    terms = newer / "terms.yaml"
    terms.write_text(terms.read_text().replace("each home with Ofsted", "each home and office with Ofsted"))
    return tmp_path


def test_build_picks_the_latest_version_unless_told(tmp_path: Path) -> None:
    project = _two_versions(tmp_path)
    r = run_cli("build", "national_contract/mini", "-o", "latest.docx", cwd=project)
    assert r.returncode == 0 and "(mini@1.1)" in r.stdout
    r = run_cli("build", "national_contract/mini", "--version", "1.0", "-o", "old.docx", cwd=project)
    assert r.returncode == 0 and "(mini@1.0)" in r.stdout


def test_diff_between_two_versions_of_a_base(tmp_path: Path, pandoc: str) -> None:
    from docxread import count_revisions, revision_markup

    project = _two_versions(tmp_path)
    r = run_cli("diff", "mini@1.0", "mini@1.1", "-o", "v.docx", cwd=project)
    assert r.returncode == 0, r.stderr
    marks = revision_markup(project / "v.docx")
    assert count_revisions(project / "v.docx") == 5  # the value in the clause and in the table cell, the amendment
    assert any("[-30-]{+21+}" in m for m in marks) and any("{+and office +}" in m for m in marks)


def test_an_unknown_key_warns_on_build_redline_and_pack(tmp_path: Path) -> None:
    """A typo such as `tier:` for `tiers:` is never silent: every command that loads it warns,
    `pack --all`'s workers included (their warnings travel back to the parent)."""
    import shutil

    for name in ("national_contract", "variations"):
        shutil.copytree(ROOT / name, tmp_path / name)
    overlay = tmp_path / "variations" / "ne7-fostering.yaml"
    text = overlay.read_text(encoding="utf-8")
    assert "\n  tiers: 0\n" in text
    overlay.write_text(text.replace("\n  tiers: 0\n", "\n  tier: 3\n"), encoding="utf-8")
    other = "variations/peninsula-cost-volume.yaml"
    warning = "variations/ne7-fostering.yaml:33:3: unknown key 'tier' (did you mean 'tiers'?) [warning]"
    for cmd in (["build", "variations/ne7-fostering.yaml", "-o", "out/c.docx"],
                ["redline", "variations/ne7-fostering.yaml", "-o", "out/r.docx"],
                ["pack", "variations/ne7-fostering.yaml", other, "-o", "packs", "-j", "2"]):
        r = run_cli(*cmd, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert r.stderr.count(warning) == 1, (cmd, r.stderr)
