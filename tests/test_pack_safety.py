"""Replacing a pack is safe: a user's files are never deleted, a crash at any step loses nothing,
concurrent runs and signals leave one complete pack and no litter (docs/dev/packs.md)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PACK_PARTICULARS, ROOT, run_cli
from faults import SIGNAL_HALF_WAY, script

ENV = {"PYTHONPATH": str(ROOT)}  # the package of this tree, wherever the test runs it from
OVERLAY = ("id: ok\nbase: mini@1.0\neffective: 2026-04-01\nconsortium:\n  name: {name}\n  arrangement: framework\n"
           + PACK_PARTICULARS.replace("{", "{{").replace("}", "}}") + "variations: []\n")


def make_project(tmp_path: Path, consortium: str = "Old Consortium") -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "data" / "mini", project / "national_contract" / "mini")
    (project / "variations").mkdir()
    set_consortium(project, consortium)
    return project


def set_consortium(project: Path, name: str) -> None:
    (project / "variations" / "ok.yaml").write_text(OVERLAY.format(name=name), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A mini project, cwd, with one pack of 'Old Consortium' in packs/."""
    project = make_project(tmp_path)
    monkeypatch.chdir(project)
    from contractgen.pack import write_pack

    write_pack(Path("variations/ok.yaml"), Path("packs"))
    return project


def complete_pack(folder: Path, zpath: Path) -> dict[str, Any]:
    """Assert folder + zip are one complete, consistent pack (checked here, not by the code under test)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["name"]: f for f in manifest["files"]}
    assert {p.name for p in folder.iterdir()} == set(listed) | {"manifest.json"}, folder
    for name, f in listed.items():
        data = (folder / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (f["size"], f["sha256"]), name
    with zipfile.ZipFile(zpath) as z:
        pack = manifest["pack"]
        assert sorted(z.namelist()) == sorted(f"{pack}/{n}" for n in [*listed, "manifest.json"])
        for name in [*listed, "manifest.json"]:
            assert z.read(f"{pack}/{name}") == (folder / name).read_bytes(), name
    return dict(manifest)


def litter(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def snapshot(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- a user's files


def test_a_users_file_in_a_pack_folder_is_never_deleted(project: Path) -> None:
    out = project / "packs"
    before = snapshot(out)
    notes = out / "ok" / "notes.txt"
    notes.write_bytes(b"Questions for the clarification meeting\n\x00\xff")
    set_consortium(project, "New Consortium")
    r = run_cli("pack", "variations/ok.yaml", "-o", "packs", cwd=project, env=ENV)
    assert r.returncode == 1, r.stderr
    assert "packs/ok: holds a file contractgen did not write: notes.txt (move it out of the folder" in r.stderr
    assert "pack into another folder with -o" in r.stderr and "Traceback" not in r.stderr
    assert notes.read_bytes() == b"Questions for the clarification meeting\n\x00\xff"
    assert snapshot(out) == {**before, "ok/notes.txt": notes.read_bytes()}, "the old pack was changed"
    assert litter(out) == []


def test_a_users_files_beside_the_packs_survive_a_pack(project: Path) -> None:
    out = project / "packs"
    (out / "readme.txt").write_text("our packs\n")
    (out / ".notes").write_text("hidden notes\n")
    lookalike = out / ".ok.abcd1234"  # named like an old staging folder, but holds a user's file
    lookalike.mkdir()
    (lookalike / "draft.txt").write_text("mine\n")
    set_consortium(project, "New Consortium")
    r = run_cli("pack", "variations/ok.yaml", "-o", "packs", cwd=project, env=ENV)
    assert r.returncode == 0, r.stderr
    assert complete_pack(out / "ok", out / "ok.zip")["consortium"] == "New Consortium"
    assert (out / "readme.txt").read_text() == "our packs\n"
    assert (out / ".notes").read_text() == "hidden notes\n"
    assert (lookalike / "draft.txt").read_text() == "mine\n"
    assert litter(out) == [".notes", ".ok.abcd1234"]


def _not_a_zip(out: Path) -> None:
    (out / "ok.zip").write_bytes(b"my own notes, not a zip\n")


def _a_zip_of_something_else(out: Path) -> None:
    (out / "ok.zip").unlink()
    with zipfile.ZipFile(out / "ok.zip", "w") as z:
        z.writestr("ok/report.docx", b"the board's report")


def _a_changed_document(out: Path) -> None:
    with (out / "ok" / "06-redline.html").open("ab") as fh:
        fh.write(b"<!-- my annotations -->")


def _a_folder_without_manifest(out: Path) -> None:
    shutil.rmtree(out / "ok")
    (out / "ok").mkdir()
    (out / "ok" / "plan.txt").write_text("plan\n")


def _a_regular_file(out: Path) -> None:
    shutil.rmtree(out / "ok")
    (out / "ok").write_text("not a folder\n")


def _a_symlink(out: Path) -> None:
    elsewhere = out.parent / "elsewhere"
    shutil.move(str(out / "ok"), elsewhere)
    (out / "ok").symlink_to(elsewhere)


@pytest.mark.parametrize(("spoil", "where", "what"), [
    (_not_a_zip, "packs/ok.zip", "is not a pack zip contractgen wrote: it is not a readable zip file"),
    (_a_zip_of_something_else, "packs/ok.zip", "is not a pack zip contractgen wrote: it holds no ok/manifest.json"),
    (_a_changed_document, "packs/ok", "a file was changed since contractgen wrote it: 06-redline.html"),
    (_a_folder_without_manifest, "packs/ok", "is not a pack folder contractgen wrote: it has no manifest.json"),
    (_a_regular_file, "packs/ok", "is a file, not a pack folder contractgen wrote"),
    (_a_symlink, "packs/ok", "is a symbolic link, not a pack folder contractgen wrote"),
])
def test_what_contractgen_did_not_write_is_not_replaced(project: Path, spoil: Any, where: str, what: str) -> None:
    from contractgen.errors import UsageError
    from contractgen.pack import write_pack

    out = project / "packs"
    spoil(out)
    before = snapshot(project)
    with pytest.raises(UsageError) as exc:
        write_pack(Path("variations/ok.yaml"), Path("packs"))
    assert str(exc.value).startswith(f"{where}: {what}"), str(exc.value)
    assert "-o)" in str(exc.value)
    assert snapshot(project) == before
    assert litter(out) == []


# ---------------------------------------------------------------- crashes


def test_what_a_crashed_run_left_is_cleaned_and_the_next_pack_succeeds(project: Path) -> None:
    from contractgen.pack import write_pack

    out = project / "packs"
    # an older contractgen, killed: its staging, its .old and a zip's temporary file
    (out / ".ok.k3j_9x0a").mkdir()
    (out / ".ok.k3j_9x0a" / "01-instructions-to-tenderers.docx").write_bytes(b"half")
    shutil.copytree(out / "ok", out / ".ok.old")
    (out / ".ok.zip.a1b2c3d4.tmp").write_bytes(b"PK half")
    # this contractgen, killed while building another pack: its transaction folder, unlocked
    (out / ".other.contractgen-abcdefgh" / "new").mkdir(parents=True)
    (out / ".other.contractgen-abcdefgh" / "new" / "release.json").write_bytes(b"{")
    # a live run's transaction folder (locked): left alone
    live = out / ".ok.contractgen-livelive"
    (live / "new").mkdir(parents=True)
    fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        set_consortium(project, "New Consortium")
        write_pack(Path("variations/ok.yaml"), Path("packs"))
        assert litter(out) == [".ok.contractgen-livelive"]
    finally:
        os.close(fd)
    assert complete_pack(out / "ok", out / "ok.zip")["consortium"] == "New Consortium"
    write_pack(Path("variations/ok.yaml"), Path("packs"))
    assert litter(out) == []


def test_an_old_pack_an_older_contractgen_moved_aside_is_restored(project: Path) -> None:
    """contractgen before this change lost the pack if killed between its two renames."""
    from contractgen import packdir

    out = project / "packs"
    old = complete_pack(out / "ok", out / "ok.zip")
    os.replace(out / "ok", out / ".ok.old")
    with packdir.folder_lock(out):
        packdir.recover(out)
    assert complete_pack(out / "ok", out / "ok.zip") == old
    assert litter(out) == []


class Crash(BaseException):
    """The process dies here: nothing after it runs (see `dead`)."""


@pytest.fixture
def cached_build(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Build the new pack once; write_pack then reuses it (the swap is what these tests exercise)."""
    import contractgen.pack as pack_module

    set_consortium(project, "New Consortium")
    built = pack_module.build_pack(Path("variations/ok.yaml"))
    monkeypatch.setattr(pack_module, "build_pack", lambda *a, **k: built)
    yield {"new": json.loads(built[1]["manifest.json"])}


def _record_steps(out: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from contractgen.pack import write_pack

    steps: list[str] = []
    with monkeypatch.context() as m:
        for mod, name in ((os, "replace"), (os, "rename"), (shutil, "rmtree")):
            real = getattr(mod, name)

            def rec(*a: Any, _real: Any = real, _name: str = name, **k: Any) -> Any:
                steps.append(f"{_name}({', '.join(Path(str(x)).name for x in a[:2])})")
                return _real(*a, **k)

            m.setattr(mod, name, rec)
        write_pack(Path("variations/ok.yaml"), out)
    return steps


def _fail_at(k: int, monkeypatch: pytest.MonkeyPatch, *, dead: bool) -> None:
    """Make the k-th rename/removal raise; if `dead`, every later one too (nothing runs after a crash)."""
    count = [0]
    for mod, name in ((os, "replace"), (os, "rename"), (shutil, "rmtree")):
        real = getattr(mod, name)

        def fail(*a: Any, _real: Any = real, **k_: Any) -> Any:
            count[0] += 1
            if count[0] == k + 1 or (dead and count[0] > k + 1):
                raise Crash() if dead else OSError(5, "Input/output error")
            return _real(*a, **k_)

        monkeypatch.setattr(mod, name, fail)


def _pairs(out: Path) -> list[str]:
    """The consortium of every complete pair on disk, live or in a transaction folder."""
    folders = [out / "ok"] + [t / d for t in out.glob(".ok.contractgen-*") for d in ("new", "old")]
    zips = [out / "ok.zip"] + list(out.glob(".ok.contractgen-*/new.zip"))
    found = []
    for folder in folders:
        for zpath in zips:
            try:
                found.append(complete_pack(folder, zpath)["consortium"])
            except (AssertionError, OSError, ValueError, zipfile.BadZipFile):
                continue
    return found


@pytest.mark.parametrize("dead", [True, False], ids=["killed", "a-step-fails"])
def test_a_crash_at_any_step_of_the_replacement_loses_nothing(
        project: Path, cached_build: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dead: bool) -> None:
    from contractgen import packdir
    from contractgen.pack import write_pack

    out = project / "packs"
    pristine = tmp_path / "pristine"
    shutil.copytree(out, pristine)
    shutil.copytree(pristine, project / "rec")
    steps = _record_steps(project / "rec", monkeypatch)
    assert len(steps) >= 3, steps
    for k in range(len(steps)):
        for recover_first in (True, False):
            shutil.rmtree(out)
            shutil.copytree(pristine, out)
            with monkeypatch.context() as m:
                _fail_at(k, m, dead=dead)
                with pytest.raises((Crash, OSError)):
                    write_pack(Path("variations/ok.yaml"), Path("packs"))
            at = f"{'killed' if dead else 'failing'} at step {k} {steps[k]}"
            pairs = _pairs(out)
            assert pairs, f"{at}: no complete pack is left anywhere"
            if not dead:  # the run undid or finished its swap itself
                assert litter(out) == [], at
                assert complete_pack(out / "ok", out / "ok.zip")["consortium"] in ("Old Consortium", "New Consortium")
                continue
            if recover_first:  # the next run's recovery alone makes a complete pair live again
                with packdir.folder_lock(out):
                    packdir.recover(out)
                assert litter(out) == [], at
                live = complete_pack(out / "ok", out / "ok.zip")["consortium"]
                assert live in pairs, at
            write_pack(Path("variations/ok.yaml"), Path("packs"))
            assert complete_pack(out / "ok", out / "ok.zip") == cached_build["new"], at
            assert litter(out) == [], at


def test_an_interrupted_pack_leaves_the_previous_pack_and_no_litter(project: Path) -> None:
    """Ctrl-C while the documents are written: the old pack stays, the transaction folder goes."""
    out = project / "packs"
    before = snapshot(out)
    set_consortium(project, "New Consortium")
    code = textwrap.dedent("""
        import os, signal, sys
        import contractgen.packdir as packdir
        real = packdir._write_file
        def write(path, data, mode):
            real(path, data, mode)
            if path.name == "06-redline.docx":
                os.kill(os.getpid(), signal.SIGTERM)
        packdir._write_file = write
        from contractgen.cli import main
        sys.argv = ["contractgen", "pack", "variations/ok.yaml", "-o", "packs"]
        main()
    """)
    r = subprocess.run([sys.executable, "-c", code], cwd=project, env={**os.environ, **ENV}, check=False,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 143, r.stderr
    assert "interrupted by SIGTERM: every pack written so far is whole" in r.stderr
    assert "Traceback" not in r.stderr
    assert snapshot(out) == before
    assert litter(out) == []


# ---------------------------------------------------------------- concurrency

BARRIER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    me, other = sys.argv[1], sys.argv[2]
    real_replace = os.replace
    calls = [0]
    def replace(*args, **kwargs):  # the runs rename in lockstep: each rename waits for the other's
        calls[0] += 1
        Path(f"{me}.{calls[0]}").touch()
        deadline = time.monotonic() + 1.5  # unless the other run is waiting for our lock: then go on
        while not Path(f"{other}.{calls[0]}").exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        return real_replace(*args, **kwargs)
    os.replace = replace
    from contractgen.cli import main
    sys.argv = ["contractgen", "pack", "variations/ok.yaml", "-o", "packs"]
    main()
""")


def test_two_runs_packing_into_one_folder_at_once(project: Path, tmp_path: Path) -> None:
    out = project / "packs"
    set_consortium(project, "New Consortium")
    a, b = tmp_path / "a.ready", tmp_path / "b.ready"
    procs = [subprocess.Popen([sys.executable, "-c", BARRIER, str(x), str(y)], cwd=project,
                              env={**os.environ, **ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for x, y in ((a, b), (b, a))]
    results = [p.communicate(timeout=180) for p in procs]
    for p, (_, stderr) in zip(procs, results):
        assert p.returncode == 0, stderr
        assert "Traceback" not in stderr
    assert complete_pack(out / "ok", out / "ok.zip")["consortium"] == "New Consortium"
    assert litter(out) == []


# ---------------------------------------------------------------- signals


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_sigterm_to_the_parent_of_pack_all_leaves_no_worker_and_only_complete_packs(tmp_path: Path) -> None:
    out = tmp_path / "packs"
    proc = subprocess.Popen([sys.executable, "-m", "contractgen", "pack", "--all", "-j", "2", "-o", str(out)],
                            cwd=ROOT, env={**os.environ, **ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (out.is_dir() and len(list(out.glob("*.zip"))) >= 2):
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert workers, "pack --all started no worker processes"
        os.kill(proc.pid, signal.SIGTERM)  # as a service manager does: the parent only
        proc.wait(timeout=120)
        assert proc.returncode == 143
        _, stderr = proc.communicate(timeout=120)
        assert "interrupted by SIGTERM: every pack written so far is whole" in stderr
        assert "Traceback" not in stderr
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_running(w) for w in workers):
            time.sleep(0.05)
        assert [w for w in workers if _running(w)] == [], "worker processes outlived the parent"
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the session, so no test leaks it
        if proc.poll() is None:
            proc.communicate(timeout=30)
    assert litter(out) == []
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert folders, "no pack was written before the signal"
    for folder in folders:
        complete_pack(folder, out / f"{folder.name}.zip")
    assert {p.stem for p in out.glob("*.zip")} == {p.name for p in folders}


SIGNAL_DURING_WRITE = script(SIGNAL_HALF_WAY)


@pytest.mark.parametrize(("name", "code"), [("SIGHUP", 129), ("SIGTERM", 143)])
def test_sighup_and_sigterm_during_a_build_behave_like_ctrl_c(tmp_path: Path, name: str, code: int) -> None:
    project = make_project(tmp_path)
    out = project / "mini.docx"
    first = run_cli("build", "national_contract/mini", "-o", str(out), cwd=project, env=ENV)
    assert first.returncode == 0, first.stderr
    previous = out.read_bytes()
    r = subprocess.run([sys.executable, "-c", SIGNAL_DURING_WRITE, name, "build", "national_contract/mini",
                        "-o", str(out)], cwd=project, env={**os.environ, **ENV}, check=False,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == code, r.stderr
    assert f"interrupted by {name}: no output was changed" in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == previous
    assert sorted(p.name for p in project.iterdir() if p.is_file()) == ["mini.docx"], "a temporary file was left"
