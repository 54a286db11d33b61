"""A cache, on disk, of sources loaded and checked: an unchanged base is not parsed and checked
again by the next command (docs/dev/cache.md).

An entry is found by what was asked for (its kind, the path as named, the working directory) and
by contractgen's fingerprint (its version, the Python version and a digest of its own code), and
it is **trusted only when every byte it was computed from is unchanged**: it lists each file read
(with the SHA-256 of its bytes) and each contract folder digested, and a lookup checks them all
before returning the value. Anything else — a changed byte, an unreadable or corrupt entry, another
version of contractgen — is a miss, and the value is computed afresh and written again.

Entries are pickles in the user's cache folder (`$CONTRACTGEN_CACHE_DIR`, else the platform's
user cache folder), which must be the user's own and writable by nobody else: a pickle is code.
Each entry is written to a temporary file in that folder and renamed into place, so two
processes filling the cache at once each leave a whole entry. `contractgen --no-cache` (or
`CONTRACTGEN_NO_CACHE=1`) neither reads nor writes it.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

#: Bump when the layout of an entry changes.
FORMAT = 1
#: Entries kept; the oldest go first beyond this.
MAX_ENTRIES = 512
_MAGIC = b"contractgen-cache\0"

#: Hits, misses and writes in this process (the tests read them).
stats: dict[str, int] = {"hit": 0, "miss": 0, "write": 0}

_disabled = False
_fingerprint: str | None = None
#: The dependency lists being recorded, innermost last (a chain's recording holds its base's).
_recording: list[list[tuple[str, str, str, str]]] = []

Dep = tuple[str, str, str, str]  # (kind "file" or "tree", path as named, absolute path, digest)


def disable() -> None:
    """Neither read nor write the cache for the rest of this process (`--no-cache`)."""
    global _disabled
    _disabled = True


def enabled() -> bool:
    return not _disabled and os.environ.get("CONTRACTGEN_NO_CACHE", "") in ("", "0")


def directory() -> Path:
    """The cache folder: $CONTRACTGEN_CACHE_DIR, else the platform's user cache folder."""
    explicit = os.environ.get("CONTRACTGEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "contractgen" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "contractgen"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "contractgen"


def _usable(folder: Path) -> bool:
    """Create the folder (private) if need be; use it only if it is ours and nobody else's."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name == "posix":
            st = folder.stat()
            return st.st_uid == os.getuid() and not st.st_mode & 0o022
        return folder.is_dir()
    except OSError:
        return False


def fingerprint() -> str:
    """contractgen's version, the Python version, and a digest of contractgen's own code."""
    global _fingerprint
    if _fingerprint is None:
        from . import __version__  # noqa: PLC0415

        h = hashlib.sha256(f"{FORMAT}\0{__version__}\0{sys.version}\0".encode())
        package = Path(__file__).resolve().parent
        for f in sorted(package.rglob("*.py")):
            h.update(f.relative_to(package).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
        _fingerprint = h.hexdigest()
    return _fingerprint


def tree_digest(root: Path) -> str:
    """A digest of every YAML file under `root`, with its path: a contract's folder, all versions."""
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.y*ml")):
        h.update(str(f.relative_to(root)).encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    return h.hexdigest()


# --- recording what a computation reads ---------------------------------------------------------


@contextlib.contextmanager
def recording() -> Iterator[list[Dep]]:
    """Collect every dependency recorded inside the block (and pass them to an outer recording)."""
    deps: list[Dep] = []
    _recording.append(deps)
    try:
        yield deps
    finally:
        _recording.pop()
        if _recording:
            _recording[-1].extend(deps)


def record_file(path: Path, data: bytes) -> None:
    """Record that `path` was read with these bytes (called by the loader for every source)."""
    if _recording:
        _recording[-1].append(("file", str(path), os.path.abspath(path), hashlib.sha256(data).hexdigest()))


def record_tree(root: Path, digest: str) -> None:
    if _recording:
        _recording[-1].append(("tree", str(root), os.path.abspath(root), digest))


def replay(deps: list[Dep]) -> None:
    """A value reused (from the cache or this process's memo) reads its inputs as if loaded: each
    file is noted as an input of this run (so no output may replace it), and an outer recording
    gets the dependencies."""
    from .output import note_input  # noqa: PLC0415

    for kind, shown, _, _ in deps:
        if kind == "file":
            note_input(shown)
    if _recording:
        _recording[-1].extend(deps)


def _holds(dep: Dep) -> bool:
    kind, _, path, digest = dep
    try:
        if kind == "file":
            return hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest
        return tree_digest(Path(path)) == digest
    except OSError:
        return False


# --- entries -------------------------------------------------------------------------------------


def _entry(kind: str, name: str) -> Path:
    key = hashlib.sha256(f"{fingerprint()}\0{os.getcwd()}\0{kind}\0{name}".encode()).hexdigest()
    return directory() / f"{kind}-{key[:40]}.pickle"


def _dumps(value: Any) -> bytes:
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    from .model import frozen_map  # noqa: PLC0415 (read-only mappings pickle as themselves)

    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: lambda m: (frozen_map, (dict(m),))}
    pickler.dump(value)
    return buf.getvalue()


def lookup(kind: str, name: str | Path) -> Any | None:
    """Return the cached value for `name` if every input it was computed from is unchanged."""
    if not enabled():
        return None
    path = _entry(kind, str(name))
    try:
        data = path.read_bytes()
    except OSError:
        stats["miss"] += 1
        return None
    try:
        if not data.startswith(_MAGIC + fingerprint().encode()) or not _usable(path.parent):
            raise ValueError("not ours")
        deps, value = pickle.loads(data[len(_MAGIC) + 64:])
        if not all(_holds(d) for d in deps):
            raise ValueError("stale")
    except Exception:  # noqa: BLE001 (stale, corrupt, or written by another version: computed afresh)
        stats["miss"] += 1
        return None
    stats["hit"] += 1
    replay(deps)
    return value


def store(kind: str, name: str | Path, deps: list[Dep], value: Any) -> None:
    """Write an entry whole (a temporary file renamed into place); never fail the command."""
    if not enabled():
        return
    folder = directory()
    if not _usable(folder):
        return
    try:
        payload = _MAGIC + fingerprint().encode() + _dumps((deps, value))
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, _entry(kind, str(name)))
        tmp = None
        stats["write"] += 1
        _prune(folder)
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(folder: Path) -> None:
    try:
        entries = [(p.stat().st_mtime_ns, p) for p in folder.glob("*.pickle") if not p.name.startswith(".")]
    except OSError:
        return
    if len(entries) <= MAX_ENTRIES:
        return
    for _, p in sorted(entries)[: len(entries) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            p.unlink()
