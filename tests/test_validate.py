"""`contractgen validate`: every problem of a broken copy of a shipped source, located exactly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

SHIPPED = ROOT / "national_contract" / "fostering"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the shipped fostering contract to break: its latest version, with every version
    beside it, so that a revision finds the version it revises."""
    versions = sorted(p for p in SHIPPED.iterdir() if (p / "contract.yaml").is_file())
    for v in versions:
        shutil.copytree(v, tmp_path / "fostering" / v.name)
    return tmp_path / "fostering" / versions[-1].name


def line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def edit(path: Path, pattern: str, repl: str, marker: str) -> tuple[int, int]:
    """Replace the first match of `pattern`; return the line:col of `marker` in the result."""
    text = path.read_text(encoding="utf-8")
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not found in {path.name}"
    new = text[: m.start()] + m.expand(repl) + text[m.end():]
    path.write_text(new, encoding="utf-8")
    return line_col(new, new.index(marker, m.start()))


def first_file_with(folder: Path, pattern: str) -> Path:
    for p in sorted(folder.glob("*.yaml")):
        if re.search(pattern, p.read_text(encoding="utf-8")):
            return p
    raise AssertionError(f"no file in {folder} matches {pattern!r}")


def assert_reported(folder: Path, path: Path, line: int, col: int, message: str, *args: str) -> str:
    r = run_cli("validate", str(folder.parent), *args)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    expected = f"{path}:{line}:{col}: {message}"
    assert expected in r.stderr, f"expected {expected!r} in:\n{r.stderr}"
    return r.stderr


def test_shipped_sources_validate_cleanly() -> None:
    r = run_cli("validate")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"ok: \d+ sources checked, no problems\.\n", r.stdout), r.stdout
    assert "Traceback" not in r.stderr


def test_duplicate_id(copy: Path) -> None:
    terms = copy / "terms.yaml"
    line, col = edit(terms, r"id: fees\.payment\b", "id: fees.invoicing", "fees.invoicing")
    assert_reported(copy, terms, line, col, "duplicate id 'fees.invoicing' (first used at ")


def test_dangling_reference(copy: Path) -> None:
    f = copy / "terms.yaml"
    ident = re.search(r"\[\[\s*([a-z0-9.-]+)\s*\]\]", f.read_text(encoding="utf-8")).group(1)
    line, col = edit(f, r"\[\[\s*" + re.escape(ident) + r"\s*\]\]", f"[[{ident}x]]", f"[[{ident}x]]")
    stderr = assert_reported(copy, f, line, col, f"reference to unknown clause '{ident}x'")
    assert f"did you mean '{ident}'?" in stderr


def test_unknown_parameter(copy: Path) -> None:
    f = copy / "terms.yaml"
    name = re.search(r"\{\{\s*([a-z0-9_]+)\s*\}\}", f.read_text(encoding="utf-8")).group(1)
    line, col = edit(f, r"\{\{\s*" + name + r"\s*\}\}", f"{{{{ {name}z }}}}", f"{{{{ {name}z }}}}")
    stderr = assert_reported(copy, f, line, col, f"unknown parameter '{name}z'")
    assert f"did you mean '{name}'?" in stderr


def test_wrong_type_of_parameter_value(copy: Path) -> None:
    f = copy / "contract.yaml"
    line, col = edit(f, r"(payment_days:(?:\n(?!  \S).*)*?\n\s+default:) *\d+", r"\1 thirty", "thirty")
    assert_reported(copy, f, line, col, "default of 'payment_days' is 'thirty', but an integer parameter needs a whole number")


def test_wrong_type_in_structure(copy: Path) -> None:
    f = copy / "contract.yaml"
    line, col = edit(f, r"(?m)^title: .*$", "title: [not, text]", "[not, text]")
    assert_reported(copy, f, line, col, "title should be text, not a list")


def test_condition_on_unknown_parameter(copy: Path) -> None:
    f = first_file_with(copy, r"when: \{arrangement:")
    line, col = edit(f, r"when: \{arrangement:", "when: {arangement:", "arangement")
    stderr = assert_reported(copy, f, line, col, "condition on unknown parameter 'arangement'")
    assert "did you mean 'arrangement'?" in stderr


def test_term_used_but_not_defined(copy: Path) -> None:
    terms = copy / "terms.yaml"
    line, col = edit(terms, r" shall ", " shall Frobnicate and ", "Frobnicate")
    assert_reported(copy, terms, line, col, "capitalised 'Frobnicate' is not a defined term")


def test_term_defined_but_never_used(copy: Path) -> None:
    defs = copy / "definitions.yaml"
    text = defs.read_text(encoding="utf-8").rstrip("\n") + "\n"
    text += "  - term: Zebra Crossing\n    text: means a crossing for pedestrians.\n"
    defs.write_text(text, encoding="utf-8")
    line, col = line_col(text, text.index("Zebra Crossing"))
    assert_reported(copy, defs, line, col, "defined term 'Zebra Crossing' is never used")


@pytest.mark.parametrize("char", ["\x0b", "\x00", "\x1f"])
def test_character_xml_forbids(copy: Path, char: str) -> None:
    terms = copy / "terms.yaml"
    line, col = edit(terms, r" shall ", f" shall{char} ", char)
    assert_reported(copy, terms, line, col, f"a character XML forbids (U+{ord(char):04X}) in the text")


def test_escaped_forbidden_character_in_a_quoted_string(copy: Path) -> None:
    f = copy / "contract.yaml"
    line, col = edit(f, r"(?m)^short_title: .*$", 'short_title: "Bad\\\\x0bTitle"', '"Bad')
    assert_reported(copy, f, line, col, "a character XML forbids (U+000B) in the text")


def test_unknown_key_is_a_warning_and_an_error_under_strict(copy: Path) -> None:
    f = copy / "contract.yaml"
    line, col = edit(f, r"(?m)^status:", "stauts: x\nstatus:", "stauts")
    r = run_cli("validate", str(copy.parent))
    assert r.returncode == 0, r.stderr
    assert f"{f}:{line}:{col}: unknown key 'stauts' (did you mean 'status'?) [warning]" in r.stderr
    assert_reported(copy, f, line, col, "unknown key 'stauts' (did you mean 'status'?)", "--strict")


def test_every_problem_is_reported_in_one_run(copy: Path) -> None:
    terms = copy / "terms.yaml"
    edit(terms, r"id: fees\.payment\b", "id: fees.invoicing", "fees.invoicing")
    edit(terms, r" shall ", " shall Frobnicate and ", "Frobnicate")
    edit(copy / "terms.yaml", r"\[\[\s*([a-z0-9.-]+)\s*\]\]", r"[[\1-nowhere]]", "-nowhere")
    r = run_cli("validate", str(copy.parent))
    assert r.returncode == 1
    lines = [ln for ln in r.stderr.splitlines() if re.match(r".+:\d+:\d+: ", ln)]
    assert len(lines) >= 3, r.stderr
    assert r.stderr.rstrip().endswith("problems found.")


def test_malformed_yaml_is_located(copy: Path) -> None:
    f = copy / "contract.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("\nstatus:", "\n\tstatus:", 1), encoding="utf-8")
    r = run_cli("validate", str(copy.parent))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert re.search(rf"{re.escape(str(f))}:\d+:\d+: a tab character is used for indentation \(indent with spaces\)", r.stderr)
