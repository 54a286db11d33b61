"""Replacing a pack folder and its zip safely: ownership checks, a lock, a recoverable swap.

The reference is docs/dev/packs.md. A run works in a transaction folder T =
`out/.<id>.contractgen-XXXXXXXX/`, locked (flock on T) for as long as it exists:

    S0/S1  T/new, T/new.zip being written, then complete      old pair live
    step 1 out/<id>      -> T/old       (if there was one)     old pair: T/old + out/<id>.zip
    step 2 T/new         -> out/<id>                           new pair: out/<id> + T/new.zip
    step 3 T/new.zip     -> out/<id>.zip (atomic replace)      new pair live
    step 4 delete T

Recovery (`settle`): if T/new exists, undo (T/old back to out/<id>); otherwise finish (T/new.zip
to out/<id>.zip); then delete T. Steps 1-4 run with SIGINT/SIGTERM/SIGHUP deferred.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import UsageError

GENERATOR = "contractgen"
LOCK_NAME = ".contractgen.lock"
_ID = r"(?P<id>[a-z0-9][a-z0-9-]{0,59})"
_TXN = re.compile(rf"^\.{_ID}\.contractgen-[a-z0-9_]{{8}}$")
_LEGACY_OLD = re.compile(rf"^\.{_ID}\.old$")
_LEGACY_STAGING = re.compile(rf"^\.{_ID}\.[a-z0-9_]{{8}}$")
_LEGACY_ZIP_TMP = re.compile(rf"^\.{_ID}\.zip\.[a-z0-9_]{{8}}\.tmp$")
_PACK_FILE = re.compile(r"^(?:\d\d-[a-z0-9-]+\.(?:docx|html|xlsx)|release\.json|manifest\.json)$")
_TXN_ENTRIES = {"new", "new.zip", "old"}
_MOVE_AWAY = "move it away, or pack into another folder with -o"
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


# ---------------------------------------------------------------- what is contractgen's


def read_manifest(data: bytes, name: str) -> dict[str, Any] | None:
    """Return the manifest if `data` is a contractgen manifest of pack `name`, else None."""
    try:
        m = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(m, dict) or m.get("pack") != name:
        return None
    if m.get("generator") != GENERATOR and not isinstance(m.get("contractgen"), str):
        return None
    files = m.get("files")
    if not isinstance(files, list):
        return None
    for f in files:
        if not (isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("sha256"), str)
                and isinstance(f.get("size"), int) and f["name"] not in ("", "manifest.json")
                and "/" not in f["name"] and f["name"] not in (".", "..")):
            return None
    return m


def _listed(manifest: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {f["name"]: (f["size"], f["sha256"]) for f in manifest["files"]}


def _names(items: list[str]) -> str:
    return ", ".join(items[:8]) + (f" and {len(items) - 8} more" if len(items) > 8 else "")


def folder_problem(folder: Path, name: str, *, complete: bool = False) -> str | None:
    """Why `folder` may not be replaced as pack `name` (None: it is contractgen's, or absent).

    A pack folder may miss listed files (nothing of a user's is lost replacing it), unless
    `complete` is asked for."""
    try:
        st = folder.lstat()
    except FileNotFoundError:
        return "it does not exist" if complete else None
    if stat.S_ISLNK(st.st_mode):
        return f"is a symbolic link, not a pack folder contractgen wrote ({_MOVE_AWAY})"
    if not stat.S_ISDIR(st.st_mode):
        return f"is a file, not a pack folder contractgen wrote ({_MOVE_AWAY})"
    mpath = folder / "manifest.json"
    try:
        manifest = read_manifest(mpath.read_bytes(), name) if mpath.is_file() and not mpath.is_symlink() else None
    except OSError:
        manifest = None
    if manifest is None:
        entries = sorted(p.name for p in folder.iterdir())
        if not entries and not complete:
            return None  # an empty folder: nothing to lose
        what = "has no manifest.json" if not os.path.lexists(mpath) else "has a manifest.json contractgen did not write"
        return (f"is not a pack folder contractgen wrote: it {what} (move its files out, or pack into another "
                f"folder with -o)")
    listed = _listed(manifest)
    stray, changed, missing = [], [], []
    present = set()
    for p in sorted(folder.iterdir(), key=lambda q: q.name):
        if p.name == "manifest.json":
            continue
        if p.name not in listed or p.is_symlink() or not p.is_file():
            stray.append(p.name + ("/" if p.is_dir() and not p.is_symlink() else ""))
            continue
        present.add(p.name)
        size, sha = listed[p.name]
        data = p.read_bytes()
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
            changed.append(p.name)
    missing = sorted(set(listed) - present)
    parts = []
    if stray:
        parts.append(f"holds {'a file' if len(stray) == 1 else 'files'} contractgen did not write: {_names(stray)}")
    if changed:
        parts.append(f"{'a file was' if len(changed) == 1 else 'files were'} changed since contractgen wrote "
                     f"{'it' if len(changed) == 1 else 'them'}: {_names(changed)}")
    if parts:
        them = "it" if len(stray) + len(changed) == 1 else "them"
        return "; ".join(parts) + f" (move {them} out of the folder to keep {them}, or pack into another folder with -o)"
    if complete and missing:
        return f"is incomplete: {_names(missing)} missing"
    return None


def zip_problem(path: Path, name: str, *, complete: bool = False) -> str | None:
    """Why `path` may not be replaced as the zip of pack `name` (None: it is contractgen's, or absent)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return "it does not exist" if complete else None
    if stat.S_ISLNK(st.st_mode):
        return f"is a symbolic link, not a pack zip contractgen wrote ({_MOVE_AWAY})"
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        return f"is {kind}, not a pack zip contractgen wrote ({_MOVE_AWAY})"
    try:
        with zipfile.ZipFile(path) as z:
            infos = {i.filename: i for i in z.infolist()}
            mname = f"{name}/manifest.json"
            if mname not in infos or infos[mname].file_size > 10_000_000:
                return f"is not a pack zip contractgen wrote: it holds no {mname} ({_MOVE_AWAY})"
            manifest = read_manifest(z.read(mname), name)
            if manifest is None:
                return f"is not a pack zip contractgen wrote: its {mname} is not contractgen's ({_MOVE_AWAY})"
            listed = _listed(manifest)
            expected = {f"{name}/{f}" for f in listed} | {mname}
            if set(infos) != expected:
                odd = sorted(set(infos) ^ expected)
                return (f"is not the pack zip contractgen wrote: its members do not match its manifest "
                        f"({_names(odd)}) ({_MOVE_AWAY})")
            for fname, (size, sha) in listed.items():
                info = infos[f"{name}/{fname}"]
                if info.file_size != size or hashlib.sha256(z.read(info)).hexdigest() != sha:
                    return (f"is not the pack zip contractgen wrote: {name}/{fname} was changed "
                            f"({_MOVE_AWAY})")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError,
            RuntimeError):
        return f"is not a pack zip contractgen wrote: it is not a readable zip file ({_MOVE_AWAY})"
    return None


def check_replaceable(out_dir: Path, name: str) -> None:
    """Raise UsageError unless out_dir/<name>/ and out_dir/<name>.zip are absent or contractgen's."""
    folder, zpath = out_dir / name, out_dir / f"{name}.zip"
    problem = folder_problem(folder, name)
    if problem:
        raise UsageError(f"{folder}: {problem}")
    problem = zip_problem(zpath, name)
    if problem:
        raise UsageError(f"{zpath}: {problem}")


def prepare_out_dir(out_dir: Path) -> Path:
    """Create the packs folder if needed; a file in its place is the user's mistake."""
    out_dir = Path(out_dir)
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: is a file, not a folder (choose a folder with -o)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}: the folder cannot be created: {exc.strerror} "
                         "(choose another folder with -o)") from None
    return out_dir


# ---------------------------------------------------------------- signals and locks


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends (they are delivered then, not lost)."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def folder_lock(out_dir: Path, on_wait: Callable[[str], None] | None = None, *,
                wait: bool = True) -> Iterator[None]:
    """Hold the lock of a packs folder (flock on out_dir/.contractgen.lock); waits for another run
    (or, with wait=False, raises BlockingIOError)."""
    path = Path(out_dir) / LOCK_NAME
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not wait:
                    raise
                if on_wait is not None and not told:
                    on_wait(f"{out_dir}: another contractgen run is writing a pack here; waiting for it")
                    told = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            mine = os.fstat(fd)
            try:
                now = os.stat(path)
            except FileNotFoundError:
                now = None
        except BaseException:
            os.close(fd)
            raise
        if now is not None and (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino):
            break
        os.close(fd)  # the holder removed the file as it released it: lock the new one
    try:
        yield
    finally:
        with deferred_signals():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------- the transaction


def settle(out_dir: Path, name: str, txn: Path) -> None:
    """Undo or finish the replacement recorded in `txn`, then delete it (see the module docstring)."""
    folder, zpath = out_dir / name, out_dir / f"{name}.zip"
    new, new_zip, old = txn / "new", txn / "new.zip", txn / "old"
    if os.path.lexists(new):  # step 2 not done: undo
        if os.path.lexists(old):
            if os.path.lexists(folder):
                raise UsageError(f"{txn}: holds the previous pack {name}, moved aside by an interrupted run, "
                                 f"but {folder} exists again (move one of them away)")
            os.replace(old, folder)
    elif os.path.lexists(new_zip):  # step 2 done, step 3 not: finish
        os.replace(new_zip, zpath)
    shutil.rmtree(txn)
    _fsync_dir(out_dir)


def _lock_dir(path: Path) -> int | None:
    """Lock a transaction folder; None if a live run holds it."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _only_pack_files(folder: Path, name: str) -> bool:
    for p in folder.iterdir():
        if p.is_symlink() or not p.is_file() or not _PACK_FILE.match(p.name):
            return False
        if p.name == "manifest.json" and read_manifest(p.read_bytes(), name) is None:
            return False
    return True


def recover(out_dir: Path) -> None:
    """Settle what dead runs left in out_dir. Call with the folder lock held."""
    out_dir = Path(out_dir)
    for entry in sorted(os.scandir(out_dir), key=lambda e: e.name):
        path = Path(entry.path)
        if not entry.name.startswith("."):
            continue
        if (m := _TXN.match(entry.name)) and entry.is_dir(follow_symlinks=False):
            if not {p.name for p in path.iterdir()} <= _TXN_ENTRIES:
                continue  # not a transaction of ours
            fd = _lock_dir(path)
            if fd is None:
                continue  # a live run's
            try:
                with deferred_signals():
                    settle(out_dir, m["id"], path)
            finally:
                os.close(fd)
        elif (m := _LEGACY_OLD.match(entry.name)) and entry.is_dir(follow_symlinks=False):
            folder = out_dir / m["id"]
            with deferred_signals():
                if not os.path.lexists(folder) and folder_problem(path, m["id"], complete=True) is None:
                    os.replace(path, folder)
                elif _only_pack_files(path, m["id"]):
                    shutil.rmtree(path)
        elif (m := _LEGACY_STAGING.match(entry.name)) and entry.is_dir(follow_symlinks=False):
            if _only_pack_files(path, m["id"]):
                shutil.rmtree(path)
        elif _LEGACY_ZIP_TMP.match(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(path)


def recover_if_free(out_dir: Path) -> None:
    """Recover now unless another run holds the lock (then it, or the next run, will)."""
    with contextlib.suppress(BlockingIOError), folder_lock(out_dir, wait=False):
        recover(out_dir)


class Replacement:
    """One run's transaction folder: write the new pack into it, then swap it in (or abandon it)."""

    def __init__(self, out_dir: Path, name: str) -> None:
        """Create and lock T. Call with the folder lock held."""
        self.out_dir, self.name = Path(out_dir), name
        self.path = Path(tempfile.mkdtemp(prefix=f".{name}.contractgen-", dir=self.out_dir))
        try:
            fd = _lock_dir(self.path)
            assert fd is not None, "a new transaction folder is locked by nobody"
            self._fd: int | None = fd
            (self.path / "new").mkdir()
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    def write(self, files: dict[str, bytes], zip_data: bytes) -> None:
        """Write the new folder and the new zip into T, each file flushed to disk."""
        new = self.path / "new"
        for fname in sorted(files):
            _write_file(new / fname, files[fname], 0o644)
        os.chmod(new, 0o755)
        _fsync_dir(new)
        _write_file(self.path / "new.zip", zip_data, 0o666 & ~_umask())
        _fsync_dir(self.path)

    def commit(self) -> None:
        """Swap the new pair in (steps 1 to 4). Call with the folder lock held, after check_replaceable."""
        folder = self.out_dir / self.name
        with deferred_signals():
            if os.path.lexists(folder):
                os.replace(folder, self.path / "old")  # step 1
            os.replace(self.path / "new", folder)  # step 2
            os.replace(self.path / "new.zip", self.out_dir / f"{self.name}.zip")  # step 3
            _fsync_dir(self.out_dir)
            shutil.rmtree(self.path)  # step 4
        self.close()

    def abandon(self) -> None:
        """After a failure: undo or finish, as recovery would; if that fails too, a later run will."""
        if self._fd is None:
            return
        with deferred_signals():
            try:
                with contextlib.suppress(Exception):  # if this fails too, the next run's recovery settles it
                    if self.path.exists():
                        settle(self.out_dir, self.name, self.path)
            finally:
                self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _write_file(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, mode)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
