"""Writing outputs safely: checked against the run's inputs, via a temporary file, renamed into place."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import ContractgenError


class OutputError(ContractgenError):
    """An output path that cannot, or must not, be written."""


#: What a person can do about each OS refusal, by errno.
_FIXES = {
    errno.ENOSPC: "free some space on that disk, or write the output elsewhere",
    errno.EDQUOT: "free some space within your quota, or write the output elsewhere",
    errno.EACCES: "choose a folder you can write to, or ask for write access",
    errno.EPERM: "choose a folder you can write to, or ask for write access",
    errno.EROFS: "that disk is read-only: write the output elsewhere",
    errno.ENOTDIR: "part of the path is a file, not a folder: correct the path",
    errno.EISDIR: "name a file inside the folder, e.g. out/contract.docx",
    errno.ENOENT: "check the path",
    errno.ENAMETOOLONG: "use a shorter file name",
    errno.ELOOP: "the path has a loop of symbolic links: correct the path",
}


def os_error(path: Path | str, exc: OSError, doing: str = "cannot write") -> OutputError:
    """Return a user's error for `exc` met at `path`: the path, the reason and a fix."""
    reason = exc.strerror or str(exc)
    fix = _FIXES.get(exc.errno or 0, "check the path and try again")
    return OutputError(f"{path}: {doing}: {reason} ({fix})")


#: Every file this process has read as an input (sources, templates): no output may replace one.
_INPUTS: dict[str, str] = {}  # absolute path -> the path as the run named it


def note_input(path: Path | str) -> None:
    """Record that this run reads `path`, so that no output of the run may replace it."""
    _INPUTS.setdefault(os.path.abspath(path), str(path))


def inputs_read() -> list[str]:
    """Return every input file this process has read (as named), in the order first read."""
    return list(_INPUTS.values())


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise os_error(path, exc, "cannot use this output") from None


def check_suffix(path: Path, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse an output whose name does not say what it holds (`-o terms.yaml` for a .docx)."""
    if Path(path).suffix.lower() not in suffixes:
        raise OutputError(f"{path}: contractgen writes {what} here; name the file with "
                          f"{' or '.join(suffixes)} (an existing file of another kind is never replaced)")


def check_outputs(outputs: Iterable[Path], inputs: Iterable[Path | str] | None = None) -> None:
    """Refuse outputs that would destroy an input of the run, each other, or a non-regular file.

    Compared as files (device and inode, after following links), so `./a/../x.yaml`, a hard
    link and a symbolic link to an input are all caught. A symbolic link as output is refused
    too: replacing it would break the link rather than write where it points.
    """
    inputs_by_id: dict[tuple[int, int], str] = {}
    for p in inputs_read() if inputs is None else inputs:
        st = _stat(Path(p))
        if st is not None:
            inputs_by_id[(st.st_dev, st.st_ino)] = str(p)
    seen: dict[str, Path] = {}
    for out in outputs:
        out = Path(out)
        real = os.path.realpath(out)
        if real in seen:
            raise OutputError(f"{out}: named for two outputs ({seen[real]} and {out}) "
                              "(give each output its own file name)")
        seen[real] = out
        try:
            lst = os.lstat(out)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise os_error(out, exc, "cannot use this output") from None
        if stat.S_ISLNK(lst.st_mode):
            raise OutputError(f"{out}: is a symbolic link; contractgen replaces outputs whole and would "
                              "break the link (name the file it points to, or another file)")
        if stat.S_ISDIR(lst.st_mode):
            raise OutputError(f"{out}: is a folder (name a file inside it, e.g. {out / 'contract.docx'})")
        if not stat.S_ISREG(lst.st_mode):
            raise OutputError(f"{out}: exists and is not a regular file (a device, pipe or socket); "
                              "contractgen will not replace it (name a file)")
        source = inputs_by_id.get((lst.st_dev, lst.st_ino))
        if source is not None:
            raise OutputError(f"{out}: is an input of this run ({source}); writing there would destroy it "
                              "(name another output file)")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same folder and an atomic rename.

    Every refusal of the operating system (no space, no permission, a file where a folder is
    needed) becomes an OutputError naming the path; the temporary file never stays behind.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{path}: cannot write: {path.parent} is a file, not a folder "
                          "(correct the path)") from None
    except OSError as exc:
        raise os_error(path, exc) from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise os_error(path, exc) from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise os_error(path, exc) from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
