"""An ordinary (non-editable) install works: the package ships its templates, builds documents
from any working directory, and takes a commissioner's templates only from --templates DIR."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import IN_CI, ROOT, run_cli
from docx import Document

SHIPPED = ROOT / "contractgen" / "templates"
OVERLAY = ROOT / "variations" / "south-west-london.yaml"  # extends london-model: a chain


def _shipped_names(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.suffix in (".docx", ".yaml"))


def _clean_env() -> dict[str, str]:
    """The environment without anything that would put the repository's package on the path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def _copy_tracked(dest: Path) -> None:
    """Copy what a clean clone holds: the files git tracks (no build/, no egg-info)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot tell which files a clean clone holds")
    for name in filter(None, listed.decode().split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _can_build_without_isolation() -> bool:
    """setuptools builds a wheel by itself from 70.1; before that it needs the `wheel` package."""
    import setuptools

    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (dependencies from the system site) with the project installed non-editable."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    _copy_tracked(src)
    env = _clean_env()
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(tmp / "venv")],
                   check=True, capture_output=True, env=env, timeout=300)
    python = tmp / "venv" / "bin" / "python"
    # without build isolation the build uses the system's setuptools: fast and offline; an old
    # setuptools without `wheel` cannot, and then pip fetches the build backend from its index
    isolated = not _can_build_without_isolation()
    cmd = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
           *([] if isolated else ["--no-build-isolation"]), str(src)]
    r = subprocess.run(cmd, check=False, cwd=tmp, capture_output=True, text=True, env=env, timeout=600)
    if r.returncode != 0:
        if isolated and not IN_CI:  # the build backend had to come from an index, and none answered
            pytest.skip(f"cannot build the wheel here: {r.stderr.strip().splitlines()[-1:]}")
        pytest.fail(r.stderr)
    return tmp / "venv"


def _in_venv(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], check=False, cwd=cwd, capture_output=True,
                          text=True, env=_clean_env(), timeout=300)


def test_the_venv_runs_the_installed_copy_not_the_repository(venv: Path, tmp_path: Path) -> None:
    # the system site may hold an editable install of a checkout: the venv's own copy must win
    r = _in_venv(venv, "python", "-c", "import contractgen, sysconfig; print(contractgen.__file__); "
                 "print(sysconfig.get_paths()['purelib'])", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    module, purelib = (Path(line) for line in r.stdout.splitlines())
    assert module.is_relative_to(Path(purelib)), (module, purelib)
    assert module.is_relative_to(venv), module
    assert not module.is_relative_to(ROOT), module


def test_the_installed_package_holds_the_templates(venv: Path, tmp_path: Path) -> None:
    r = _in_venv(venv, "python", "-c", "import contractgen, pathlib; print(pathlib.Path(contractgen.__file__).parent)",
                 cwd=tmp_path)
    package = Path(r.stdout.strip())
    assert package.is_relative_to(venv)
    names = _shipped_names(package / "templates")
    assert names == _shipped_names(SHIPPED)
    assert "contract.docx" in names and "pack/form-of-tender.docx" in names
    assert "pack/quality-questions.yaml" in names  # the questions' data, found like a template


def test_an_installed_contractgen_builds_from_another_folder(venv: Path, tmp_path: Path) -> None:
    r = _in_venv(venv, "contractgen", "build", str(ROOT / "national_contract" / "fostering"), "-o", "out.docx",
                 cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert Document(str(tmp_path / "out.docx")).paragraphs
    r = _in_venv(venv, "contractgen", "build", str(OVERLAY), "-o", "ov.docx", "--schedule", "ov-sched.docx",
                 cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for name in ("ov.docx", "ov-sched.docx"):
        assert Document(str(tmp_path / name)).paragraphs, name
    text = "\n".join(p.text for p in Document(str(tmp_path / "ov-sched.docx")).paragraphs)
    assert "declared in variations/south-west-london.yaml against" in text


def test_an_installed_contractgen_says_where_the_national_contracts_are(venv: Path, tmp_path: Path) -> None:
    # `diff fostering@2026.1 …` looks in ./national_contract: an installed package ships none
    r = _in_venv(venv, "contractgen", "diff", "fostering@2026.1", str(OVERLAY), "-o", "d.docx", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert r.stderr.startswith("error: fostering@2026.1: there is no national_contract/ folder here"), r.stderr
    assert "site-packages" not in r.stderr and not (tmp_path / "d.docx").exists()


def test_an_installed_shipped_template_error_names_no_machine_path(venv: Path, tmp_path: Path) -> None:
    code = ("from contractgen.render.docx import render_template, template_path\n"
            "try:\n    render_template(template_path('contract.docx'), {})\n"
            "except Exception as exc:\n    print(exc)\n")
    r = _in_venv(venv, "python", "-c", code, cwd=tmp_path)
    assert r.stdout.startswith("contractgen/templates/contract.docx: template uses"), r.stdout + r.stderr


# ---------------------------------------------------------------------------------------------
# --templates DIR (these run the tree under test; no install needed)

ENV = {"PYTHONPATH": str(ROOT)}


def _marked_copy(src: Path, dest: Path, marker: str) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    doc = Document(str(src))
    doc.add_paragraph(marker)
    doc.save(str(dest))


def _text(path: Path) -> str:
    doc = Document(str(path))
    return "\n".join(p.text for p in doc.paragraphs)


def test_a_templates_folder_in_the_working_directory_is_not_used_unless_named(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "contract.docx").write_text("not a Word document")
    source = str(ROOT / "national_contract" / "fostering")
    r = run_cli("build", source, "-o", "a.docx", cwd=tmp_path, env=ENV)
    assert r.returncode == 0, r.stderr  # the shipped template, not ./templates by accident
    r = run_cli("build", source, "-o", "b.docx", "--templates", "templates", cwd=tmp_path, env=ENV)
    assert r.returncode == 1
    assert "templates/contract.docx: is not a Word document (.docx)" in r.stderr, r.stderr
    assert not (tmp_path / "b.docx").exists()


def test_a_file_in_the_templates_folder_is_used_and_the_others_come_from_the_package(tmp_path: Path) -> None:
    mine = tmp_path / "restyled"
    _marked_copy(SHIPPED / "contract.docx", mine / "contract.docx", "RESTYLED BY THE COMMISSIONER")
    source = str(ROOT / "national_contract" / "fostering")
    r = run_cli("build", source, "-o", "mine.docx", "--templates", str(mine), cwd=tmp_path, env=ENV)
    assert r.returncode == 0, r.stderr
    assert "RESTYLED BY THE COMMISSIONER" in _text(tmp_path / "mine.docx")
    # a folder holding only pack templates: the contract's comes from the package
    only_pack = tmp_path / "only-pack"
    _marked_copy(SHIPPED / "pack" / "award-criteria.docx", only_pack / "pack" / "award-criteria.docx", "MINE")
    r = run_cli("build", source, "-o", "shipped.docx", "--templates", str(only_pack), cwd=tmp_path, env=ENV)
    assert r.returncode == 0, r.stderr
    assert "RESTYLED" not in _text(tmp_path / "shipped.docx")
    r = run_cli("build", source, "-o", "plain.docx", cwd=tmp_path, env=ENV)
    assert (tmp_path / "plain.docx").read_bytes() == (tmp_path / "shipped.docx").read_bytes()


def test_every_rendering_command_takes_templates() -> None:
    for command in ("build", "redline", "diff", "pack"):
        r = run_cli(command, "--help", env={**ENV, "COLUMNS": "200"})
        assert r.returncode == 0 and "--templates" in r.stdout, command


def test_a_missing_templates_folder_is_a_usage_error(tmp_path: Path) -> None:
    r = run_cli("build", str(ROOT / "national_contract" / "fostering"), "-o", "x.docx", "--templates", "nope",
                cwd=tmp_path, env=ENV)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "nope" in r.stderr and not (tmp_path / "x.docx").exists()
