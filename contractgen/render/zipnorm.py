"""Deterministic zip packages: fixed timestamps, fixed order, fixed attributes."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

_FIRST = ("[Content_Types].xml", "_rels/.rels")


def zip_time(epoch: int | None, date: dt.date | None) -> tuple[int, int, int, int, int, int]:
    """Return the zip timestamp: SOURCE_DATE_EPOCH when given, else the source's date."""
    if epoch is not None:
        t = time.gmtime(max(epoch, 315532800))  # zip cannot store dates before 1980
        return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    d = date or dt.date(1980, 1, 1)
    return (max(d.year, 1980), d.month, d.day, 0, 0, 0)


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
