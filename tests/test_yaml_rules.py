"""YAML's surprises are not silent: plain scalars are read by YAML 1.2 core-schema rules, the
YAML 1.1 readings (010 as 8, 1:30 as 90, no as false…) are explained where a number or a boolean
is wanted, non-finite numbers, impossible dates and dates a zip cannot record are errors, and a
file nested absurdly deep is a located error, never a traceback or a crash."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from contractgen import api, loader
from contractgen.errors import SourceError, SourceErrors, UsageError
from contractgen.loader import MAX_NESTING, load_yaml_text
from contractgen.render.zipnorm import zip_time

CONTRACT = "national_contract/mini/1.0/contract.yaml"
TERMS = "national_contract/mini/1.0/terms.yaml"
OVERLAY = (
    "id: o\nbase: mini@1.0\neffective: 2026-04-01\nconsortium:\n  name: Test Consortium\n"
    "  arrangement: framework\nvariations:\n  - id: v1\n    op: set\n    parameter: payment_days\n"
    "    value: 14\n    rationale: Our members need it.\n    category: terms\n"
)
DEEP = f"lists and mappings are nested more than {MAX_NESTING} levels deep here " \
       "(flatten the structure; no contract needs this many levels)"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "tests" / "data" / "mini", tmp_path / "national_contract" / "mini")
    (tmp_path / "variations").mkdir()
    monkeypatch.chdir(tmp_path)  # messages name files relative to the working folder
    return tmp_path


def edit(project: Path, file: str, find: str, replace: str) -> None:
    path = project / file
    text = path.read_text(encoding="utf-8")
    assert find in text, (find, file)
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")


def problems(target: str) -> list[str]:
    """Return every error `validate` reports for `target`, as printed."""
    return [e.render() for e in api.validate_paths([Path(target)]).errors]


def overlay(project: Path, find: str = "", replace: str = "") -> str:
    text = OVERLAY.replace(find, replace, 1) if find else OVERLAY
    assert not find or find in OVERLAY
    (project / "variations" / "o.yaml").write_text(text, encoding="utf-8")
    return "variations/o.yaml"


# ---------------------------------------------------------------------------------------------
# What the loader reads


@pytest.fixture(params=["libyaml", "pure-python"])
def either_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both loaders resolve alike (the pure-Python one reads files libyaml cannot, and errors)."""
    if request.param == "pure-python":
        monkeypatch.setattr(loader, "FAST_LOADER", None)
    else:
        assert loader.FAST_LOADER is not None, "PyYAML is built without libyaml"


def test_yaml_1_2_core_forms_load_as_1_2_says(either_loader: None) -> None:
    text = (
        "a: 10\nb: -3\nc: 0o17\nd: 0x1F\ne: 1.5\nf: .5\ng: 1e3\nh: -2.5E-1\ni: true\nj: False\nk: TRUE\n"
        "l: ~\nm: null\nn:\no: 2026-04-01\np: '010'\nq: \"no\"\nr: text\ns: +7\nt: 0\n"
    )
    got = load_yaml_text(text, "core.yaml")
    assert got == {"a": 10, "b": -3, "c": 15, "d": 31, "e": 1.5, "f": 0.5, "g": 1000.0, "h": -0.25,
                   "i": True, "j": False, "k": True, "l": None, "m": None, "n": None,
                   "o": dt.date(2026, 4, 1), "p": "010", "q": "no", "r": "text", "s": 7, "t": 0}
    assert type(got["a"]) is int and type(got["g"]) is float and type(got["i"]) is bool


def test_yaml_1_1_only_forms_are_text(either_loader: None) -> None:
    text = ("a: 010\nb: 1:30\nc: no\nd: yes\ne: on\nf: off\ng: 0b101\nh: 1_000\ni: 2026-1-5\n"
            "j: 2026-04-01 10:00:00\nk: Yes\nl: NO\nm: y\nyes: key\n")
    got = load_yaml_text(text, "old.yaml")
    assert got == {"a": "010", "b": "1:30", "c": "no", "d": "yes", "e": "on", "f": "off", "g": "0b101",
                   "h": "1_000", "i": "2026-1-5", "j": "2026-04-01 10:00:00", "k": "Yes", "l": "NO",
                   "m": "y", "yes": "key"}


@pytest.mark.parametrize("form", [".inf", "-.inf", "+.Inf", ".nan", ".NaN", ".NAN", "1e999"])
def test_a_number_that_is_not_finite_is_an_error(form: str, either_loader: None) -> None:
    with pytest.raises(SourceErrors) as exc:
        load_yaml_text(f"a: [1, {form}]\n", "n.yaml")
    assert str(exc.value) == f"n.yaml:1:8: '{form}' is not a finite number (write a number, or quote it if text is meant)"


# ---------------------------------------------------------------------------------------------
# The YAML 1.1 readings, explained where a number or a boolean is wanted


@pytest.mark.parametrize(("written", "message"), [
    ("010", ("'010' has a leading zero, so it is text here (YAML 1.1 reads it as octal 8) "
            "(write 10, without the leading zero)")),
    ("09", "'09' has a leading zero, so it is text here (write 9, without the leading zero)"),
    ("1:30", ("'1:30' is text here, not a number (YAML 1.1 reads it as 90, counting in sixties) "
             "(write the number itself, e.g. 90)")),
    ("1_000", "'1_000' is text here: numbers are written without '_' (write 1000)"),
    ("0b101", "'0b101' is text here: YAML 1.2 has no binary numbers (write 5)"),
    (".inf", "'.inf' is not a finite number (write a number, or quote it if text is meant)"),
])
def test_a_parameter_default_written_the_yaml_1_1_way(project: Path, written: str, message: str) -> None:
    edit(project, CONTRACT, "default: 30", f"default: {written}")
    assert problems("national_contract/mini") == [f"{CONTRACT}:23:14: {message}"]


def test_hex_is_still_a_number(project: Path) -> None:
    edit(project, CONTRACT, "default: 30", "default: 0x1E")
    assert problems("national_contract/mini") == []


@pytest.mark.parametrize(("written", "fix"), [("no", "false"), ("yes", "true"), ("on", "true"), ("off", "false")])
def test_a_boolean_written_as_yes_or_no(project: Path, written: str, fix: str) -> None:
    edit(project, CONTRACT, "parameters:\n", "parameters:\n  respite:\n    type: boolean\n"
         f"    default: {written}\n    description: Respite care is offered.\n")
    assert problems("national_contract/mini") == [
        f"{CONTRACT}:16:14: '{written}' is text here, but this value must be true or false (write {fix})"]


def test_a_condition_on_a_boolean_written_as_yes(project: Path) -> None:
    edit(project, CONTRACT, "parameters:\n", "parameters:\n  respite:\n    type: boolean\n"
         "    default: false\n    description: Respite care is offered.\n")
    edit(project, TERMS, "when: {arrangement: block}", "when: {respite: yes}")
    assert problems("national_contract/mini") == [
        f"{TERMS}:27:25: 'yes' is text here, but this value must be true or false (write true)"]


@pytest.mark.parametrize(("written", "message"), [
    ("010", ("'010' has a leading zero, so it is text here (YAML 1.1 reads it as octal 8) "
            "(write 10, without the leading zero)")),
    ("1:30", ("'1:30' is text here, not a number (YAML 1.1 reads it as 90, counting in sixties) "
             "(write the number itself, e.g. 90)")),
    (".inf", "'.inf' is not a finite number (write a number, or quote it if text is meant)"),
    (".nan", "'.nan' is not a finite number (write a number, or quote it if text is meant)"),
])
def test_an_overlay_set_value_written_the_yaml_1_1_way(project: Path, written: str, message: str) -> None:
    target = overlay(project, "value: 14", f"value: {written}")
    assert problems(target) == [f"{target}:11:12: {message}"]


def test_a_particular_written_with_a_leading_zero(project: Path) -> None:
    target = overlay(project, "  arrangement: framework\n", "  arrangement: framework\n  tiers: 010\n")
    assert problems(target) == [
        (f"{target}:7:10: '010' has a leading zero, so it is text here (YAML 1.1 reads it as octal 8) "
        "(write 10, without the leading zero)")]


# ---------------------------------------------------------------------------------------------
# Ids written as numbers


def test_a_clause_id_written_as_a_number(project: Path) -> None:
    edit(project, TERMS, "  - id: fees\n", "  - id: 1.10\n")
    assert problems("national_contract/mini") == [
        (f"{TERMS}:10:9: '1.1' is a number here (1.10 read as 1.1), but an id is text that starts with a "
        "letter (write e.g. id: fees.annual-uplift)")]


@pytest.mark.parametrize(("op", "where", "col"), [
    ("    op: delete\n    clause: 1.10\n", "'1.1' is a number here (1.10 read as 1.1), but clause:", "10:13"),
    ("    op: move\n    clause: fees.block\n    after: 3.2\n", "3.2 is a number here, but after:", "11:12"),
])
def test_an_overlay_naming_a_clause_by_number(project: Path, op: str, where: str, col: str) -> None:
    target = overlay(project, "    op: set\n    parameter: payment_days\n    value: 14\n", op)
    key = where.rsplit(" ", 1)[1]
    assert problems(target) == [
        (f"{target}:{col}: {where} takes a clause id, which is text (write the id the clause has in its part "
         f"file, e.g. {key} fees.invoicing, not its number)")]


def test_any_of_says_what_was_expected(project: Path) -> None:
    target = overlay(project, "    op: set\n    parameter: payment_days\n    value: 14\n",
                     "    op: delete\n    clause: [fees]\n")
    msg = problems(target)
    assert msg == [(f"{target}:10:13: variations.0.clause should be an id (text) or a new clause (a mapping "
                   "with id:, text:…), not a list (write one of those here)")]
    assert "is not valid under any of the given schemas" not in msg[0]


def test_any_of_reports_the_alternative_the_value_fits(project: Path) -> None:
    target = overlay(project, "    op: set\n    parameter: payment_days\n    value: 14\n",
                     "    op: delete\n    clause: Fees\n")
    assert problems(target) == [(f"{target}:10:13: 'Fees' is not a valid clause (use lower-case letters and "
                                "digits, joined by '.' or '-', e.g. 'fees.annual-uplift')")]


# ---------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(("written", "message"), [
    ('"2026-02-30"', "'2026-02-30' is not a date: day is out of range for month (write a real date as YYYY-MM-DD)"),
    ('"2026-13-01"', "'2026-13-01' is not a date: month must be in 1..12 (write a real date as YYYY-MM-DD)"),
    ("2026-1-5", "'2026-1-5' is not a date in the form YYYY-MM-DD (write it as 2026-01-05)"),
    ("2108-01-01", "2108-01-01 is after 2107, the last year a .docx (zip) can record (give a date from 1980 to 2107)"),
    ("1979-12-31", "1979-12-31 is before 1980, the first year a .docx (zip) can record (give a date from 1980 to 2107)"),
])
def test_a_contract_date_that_cannot_be_used(project: Path, written: str, message: str) -> None:
    edit(project, CONTRACT, "date: 2026-01-15", f"date: {written}")
    assert problems("national_contract/mini") == [f"{CONTRACT}:6:7: {message}"]


@pytest.mark.parametrize(("written", "message"), [
    ('"2026-02-30"', "'2026-02-30' is not a date: day is out of range for month (write a real date as YYYY-MM-DD)"),
    ("2200-04-01", "2200-04-01 is after 2107, the last year a .docx (zip) can record (give a date from 1980 to 2107)"),
])
def test_an_overlay_effective_date_that_cannot_be_used(project: Path, written: str, message: str) -> None:
    target = overlay(project, "effective: 2026-04-01", f"effective: {written}")
    assert problems(target) == [f"{target}:3:12: {message}"]


def test_a_quoted_impossible_date_through_the_cli(project: Path) -> None:
    target = overlay(project, "effective: 2026-04-01", 'effective: "2026-02-30"')
    r = run_cli("build", target, "-o", "out/o.docx", cwd=project)
    assert (r.returncode, r.stderr) == (1, (f"{target}:3:12: '2026-02-30' is not a date: day is out of range "
                                           "for month (write a real date as YYYY-MM-DD)\n1 problem found.\n"))
    assert not (project / "out" / "o.docx").exists()


@pytest.mark.parametrize(("value", "message"), [
    ("5000000000", ("SOURCE_DATE_EPOCH=5000000000 is after 2107, the last year a .docx (zip) can record; "
                   "unset it or give a date before 2108")),
    ("-5", ("SOURCE_DATE_EPOCH=-5 is before 1970; give the number of seconds since 1970-01-01 00:00 UTC, "
           "or unset it")),
    ("1e9", ("SOURCE_DATE_EPOCH='1e9' is not a whole number of seconds; give the number of seconds since "
            "1970-01-01 00:00 UTC, or unset it")),
])
def test_source_date_epoch_a_zip_cannot_record(monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(UsageError) as exc:
        api.source_date_epoch()
    assert str(exc.value) == message


def test_source_date_epoch_after_2107_through_the_cli(project: Path) -> None:
    r = run_cli("build", "national_contract/mini", "-o", "o.docx", cwd=project,
                env={"SOURCE_DATE_EPOCH": "5000000000"})
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr == ("error: SOURCE_DATE_EPOCH=5000000000 is after 2107, the last year a .docx (zip) can "
                        "record; unset it or give a date before 2108\n")
    assert not (project / "o.docx").exists()


def test_the_zip_years_at_their_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "4354819199")  # 2107-12-31T23:59:59Z
    assert api.source_date_epoch() == 4354819199
    assert zip_time(4354819199, None)[:3] == (2107, 12, 31)
    assert zip_time(0, None) == (1980, 1, 1, 0, 0, 0)  # SOURCE_DATE_EPOCH=0 is common: recorded as 1980
    assert zip_time(None, dt.date(2107, 12, 31)) == (2107, 12, 31, 0, 0, 0)
    with pytest.raises(ValueError):
        zip_time(None, dt.date(2108, 1, 1))
    with pytest.raises(ValueError):
        zip_time(4354819200, None)


# ---------------------------------------------------------------------------------------------
# Nesting


def flow(depth: int) -> str:
    return "deep: " + "[" * depth + "1" + "]" * depth + "\n"


def block(depth: int) -> str:
    return "deep:\n" + "".join(" " * (i + 1) + "k:\n" for i in range(depth)) + " " * (depth + 1) + "k: 1\n"


def compact(depth: int) -> str:
    return "deep:\n" + "- " * depth + "1\n"


@pytest.mark.parametrize(("style", "depth", "at"), [
    (flow, 500, "8:106"), (flow, 5000, "8:106"), (flow, 50000, "8:106"), (flow, 3000, "8:106"),
    (block, 500, "108:101"), (block, 3000, "108:101"),
    (compact, 500, "9:199"), (compact, 5000, "9:199"), (compact, 50000, "9:199"),
])
def test_deep_nesting_is_a_located_error(project: Path, style: Callable[[int], str], depth: int, at: str) -> None:
    edit(project, CONTRACT, "parts:", style(depth).rstrip("\n") + "\nparts:")
    r = run_cli("validate", "national_contract/mini", cwd=project)
    assert (r.returncode, r.stderr) == (1, f"{CONTRACT}:{at}: {DEEP}\n1 problem found.\n")


def test_unclosed_deep_nesting_is_a_located_error_too(project: Path) -> None:
    """A syntax error makes the loader re-read the file with the pure-Python parser."""
    edit(project, CONTRACT, "parts:", "deep: " + "[" * 5000 + "\nparts:")
    r = run_cli("validate", "national_contract/mini", cwd=project)
    assert (r.returncode, r.stderr) == (1, f"{CONTRACT}:8:106: {DEEP}\n1 problem found.\n")


@pytest.mark.parametrize("depth", [500, 5000, 50000])
def test_deep_nesting_in_process(depth: int) -> None:
    for text in (flow(depth), compact(depth), "a: " + "{k: " * depth + "1" + "}" * depth + "\n"):
        with pytest.raises((SourceError, SourceErrors)) as exc:
            load_yaml_text(text, "deep.yaml")
        assert str(exc.value).endswith(DEEP)


def test_nesting_up_to_the_limit_loads() -> None:
    text = "a: " + "[" * (MAX_NESTING - 1) + "1" + "]" * (MAX_NESTING - 1) + "\n"
    value = load_yaml_text(text, "ok.yaml")
    for _ in range(MAX_NESTING):
        value = value["a"] if isinstance(value, dict) else value[0]
    assert value == 1
    with pytest.raises((SourceError, SourceErrors)):
        load_yaml_text("a: [" + text[3:-1] + "]\n", "one-more.yaml")


def test_an_alias_of_itself_is_a_located_error() -> None:
    with pytest.raises(SourceErrors) as exc:
        load_yaml_text("a: &x [*x]\n", "loop.yaml")
    assert str(exc.value) == ("loop.yaml:1:4: an alias names the list or mapping that contains it "
                              "(write the values out instead of the alias)")


def test_the_shipped_sources_still_validate() -> None:
    r = run_cli("validate")
    assert r.returncode == 0 and r.stdout.endswith("sources checked, no problems.\n") and not r.stderr, r.stderr
