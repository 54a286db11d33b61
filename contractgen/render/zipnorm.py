"""Deterministic zip packages: fixed timestamps, fixed order, fixed attributes."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

_FIRST = ("[Content_Types].xml", "_rels/.rels")

#: The years a zip (MS-DOS) timestamp can record.
FIRST_YEAR = 1980
LAST_YEAR = 2107
#: SOURCE_DATE_EPOCH of 1980-01-01T00:00:00Z, and the first second after 2107.
FIRST_EPOCH = 315532800
END_EPOCH = int(dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.timezone.utc).timestamp())


def zip_time(epoch: int | None, date: dt.date | None) -> tuple[int, int, int, int, int, int]:
    """Return the zip timestamp: SOURCE_DATE_EPOCH when given, else the source's date.

    An epoch before 1980 is recorded as 1980-01-01 (the reproducible-builds convention, as
    SOURCE_DATE_EPOCH=0 is common); a date or epoch after 2107 cannot be recorded at all (the
    sources and SOURCE_DATE_EPOCH are checked for that when read: see `api.source_date_epoch`
    and the contract and overlay schemas)."""
    if epoch is not None:
        if epoch >= END_EPOCH:
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch} is after {LAST_YEAR}, the last year a zip can record")
        t = time.gmtime(max(epoch, FIRST_EPOCH))
        return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    d = date or dt.date(FIRST_YEAR, 1, 1)
    if not FIRST_YEAR <= d.year <= LAST_YEAR:
        raise ValueError(f"{d.isoformat()} is outside {FIRST_YEAR}–{LAST_YEAR}, the years a zip can record")
    return (d.year, d.month, d.day, 0, 0, 0)


def normalise_zip(data: bytes, epoch: int | None, date: dt.date | None) -> bytes:
    """Return `data` (a zip) rewritten with fixed timestamps and a stable part order."""
    stamp = zip_time(epoch, date)
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    ordered = [n for n in _FIRST if n in names] + sorted(n for n in names if n not in _FIRST)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in ordered:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            dst.writestr(info, src.read(name), compresslevel=6)
    return out.getvalue()
