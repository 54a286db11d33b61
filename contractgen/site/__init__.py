"""The national variation register: a static website of every consortium's variations (issue 13).

`build_site` gathers the register once (`data.gather`), renders every page from the Jinja
templates beside this file, and writes the whole site in one swap: the folder either holds the
previous site or the new one, never half of each. The reference is docs/dev/site.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError

MANIFEST = ".contractgen-site.json"
HERE = Path(__file__).parent


@dataclass
class SiteResult:
    out: Path
    pages: int
    files: int
    bytes: int
    consortia: int
    variations: int


def render_site(variations_dir: Path, national_dir: Path, packs: Path | None = None,
                with_status: bool = True) -> dict[str, bytes]:
    """Return every file of the site: {path relative to the site root: bytes}. Pure but for reading."""
    from .data import gather  # noqa: PLC0415
    from .pages import pages  # noqa: PLC0415

    register = gather(variations_dir, national_dir, with_status=with_status)
    return pages(register, packs)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_ours(out: Path) -> None:
    """Refuse to replace a folder that is not a site this tool wrote, or that someone has changed."""
    if not out.exists():
        return
    if out.is_symlink() or not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder; name a new folder for the site")
    entries = [p for p in out.rglob("*") if p.is_file() or p.is_symlink()]
    if not entries and not any(out.iterdir()):
        return
    try:
        manifest = json.loads((out / MANIFEST).read_text("utf-8"))
        listed = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(f"{out}: this folder is not a site written by contractgen (it has no {MANIFEST}); "
                         "name a new or empty folder, or delete this one yourself") from None
    strangers = []
    for p in entries:
        rel = p.relative_to(out).as_posix()
        if rel == MANIFEST:
            continue
        if p.is_symlink() or rel not in listed or _digest(p.read_bytes()) != listed[rel]:
            strangers.append(rel)
    if strangers:
        shown = ", ".join(sorted(strangers)[:5]) + (" …" if len(strangers) > 5 else "")
        raise UsageError(f"{out}: holds {len(strangers)} file(s) contractgen did not write or that were changed "
                         f"since ({shown}); move them out of the folder, or name another folder for the site")


def write_site(out: Path, files: dict[str, bytes]) -> None:
    """Write `files` as the folder `out`, replacing the site there (only if it is ours and unchanged)."""
    out = Path(out)
    _check_ours(out)
    parent = out.parent if str(out.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.contractgen-", dir=parent))
    except OSError as exc:
        raise UsageError(f"{out}: cannot write the site here: {exc.strerror or exc}") from None
    try:
        listed = {}
        for rel in sorted(files):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[rel])
            listed[rel] = _digest(files[rel])
        manifest = {"generator": "contractgen", "files": listed}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", "utf-8")
        for d in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
            os.chmod(d, 0o755)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rmdir(old)
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(f"{out}: cannot write the site: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build_site(out: Path, variations_dir: Path = Path("variations"), national_dir: Path = Path("national_contract"),
               packs: Path | None = None, with_status: bool = True) -> SiteResult:
    """Build the register site into `out`; return what was written."""
    if packs is not None and not Path(packs).is_dir():
        raise UsageError(f"{packs}: no such folder; write the packs first with `contractgen pack --all -o {packs}`")
    _check_ours(Path(out))  # before the work, so a refusal costs nothing
    files = render_site(variations_dir, national_dir, packs, with_status=with_status)
    write_site(Path(out), files)
    meta: Any = json.loads(files["matrix.json"])
    return SiteResult(Path(out), sum(1 for f in files if f.endswith(".html")), len(files),
                      sum(len(b) for b in files.values()), len(meta["consortia"]),
                      sum(v["total"] for v in meta["versions"]))
