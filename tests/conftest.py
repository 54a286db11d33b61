"""Shared fixtures: the project root, the CLI, real clients (pandoc, LibreOffice), built docs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The consortium particulars `pack` needs (docs/dev/pack-facts.md), as lines of a test overlay's
#: consortium block.
PACK_PARTICULARS = ("  lead: Testshire County Council\n  members: [Testshire County Council]\n"
                    "  services: [foster care]\n  award: {quality: 60, price: 40}\n"
                    "  portal:\n    name: A Portal\n    url: https://portal.example.org/\n")
CONTRACTS = ["fostering", "residential"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Every test loads what it names afresh, as before the cache existed, and no test reads or fills
# the user's cache; tests/test_cache.py turns the cache on, each test with a folder of its own.
os.environ["CONTRACTGEN_NO_CACHE"] = "1"


def require(tool: str) -> str:
    """Return the path of a real client; fail in CI (it must be installed), skip elsewhere."""
    found = shutil.which(tool)
    if found:
        return found
    if IN_CI:
        pytest.fail(f"{tool} is not installed: .ci/run must install it")
    pytest.skip(f"{tool} is not installed")


@pytest.fixture(scope="session")
def pandoc() -> str:
    return require("pandoc")


@pytest.fixture(scope="session")
def soffice() -> str:
    return require("soffice")


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real entry point (`python -m contractgen`) of this tree and capture its output."""
    # PYTHONPATH: the package of the tree under test, whatever is installed and wherever cwd is
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "contractgen", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build each shipped national contract once, through the CLI."""
    out = tmp_path_factory.mktemp("built")
    paths = {}
    for name in CONTRACTS:
        path = out / f"{name}.docx"
        r = run_cli("build", f"national_contract/{name}", "-o", str(path))
        assert r.returncode == 0, r.stderr
        paths[name] = path
    return paths


@pytest.fixture(scope="session")
def libreoffice_pdfs(built: dict[str, Path], soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Convert every built contract to PDF in one LibreOffice run."""
    return convert_with_libreoffice(soffice, list(built.values()), tmp_path_factory.mktemp("pdf"))


def convert_with_libreoffice(soffice: str, docs: list[Path], outdir: Path, fmt: str = "pdf") -> dict[str, Path]:
    profile = outdir / "lo-profile"
    cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
           "--convert-to", fmt, "--outdir", str(outdir), *map(str, docs)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return {d.stem: outdir / f"{d.stem}.{fmt}" for d in docs}


def without_parties_and_execution(got: list[str], numbered: Any) -> list[str]:
    """Return pandoc's paragraphs less the parties block (before clause 1) and the execution page
    (after the terms, before the first schedule), checking that each is where it belongs."""
    assert got[0] == "Parties", got[:3]
    start = got.index("The Parties agree as follows.") + 1
    rest = got[start:]
    first = next(p for p in numbered.parts if p.part.kind == "schedule")
    title = numbered.inline(first.part.title)
    from contractgen.render.text import body_text

    terms = body_text(numbered).index(title)  # the model's paragraphs before the first schedule
    assert rest[terms] == "Execution", rest[terms - 2:terms + 2]
    end = rest.index(title, terms)
    assert rest[end - 2:end] == ["Date", "Click or tap to enter"], rest[end - 4:end]
    return rest[:terms] + rest[end:]


from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
settings.register_profile("thorough", max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def all_packs_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Pack every shipped overlay once per test run; return (the packs folder, what the run printed on stderr)."""
    overlays = sorted((ROOT / "variations").glob("*.yaml"))
    out = tmp_path_factory.mktemp("packs")
    r = run_cli("pack", "--all", "-o", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"{len(overlays)} of {len(overlays)} packs written" in r.stdout
    return out, r.stderr


@pytest.fixture(scope="session")
def all_packs(all_packs_run: tuple[Path, str]) -> Path:
    return all_packs_run[0]
