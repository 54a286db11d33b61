"""The exception tree of contractgen.

    ContractgenError            anything contractgen reports to a user (exit 1)
    ├── SourceError             a mistake at a place in a source file: path:line:col
    │   ├── YamlSyntaxError     the file is not well-formed YAML
    │   ├── SchemaError         a key, type or value the schema does not allow
    │   ├── UnknownClause       a reference or variation names no clause
    │   ├── UnknownParameter    a placeholder or condition names no parameter
    │   ├── DuplicateId         an id used twice
    │   ├── UndefinedWord       a capitalised word that is not a defined term
    │   ├── StalePin            a variation's pin no longer matches its target
    │   ├── AmendNotFound       an amend's text is not found exactly once
    │   └── Conflict            two variations of one overlay on one target
    ├── SourceErrors            several SourceErrors, collected and reported together
    └── UsageError              a path or option that cannot be used (no position)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Pos:
    """A place in a source file (1-based line and column) and the node's character span."""

    path: str
    line: int
    col: int
    start: int = 0
    end: int = 0

    def __str__(self) -> str:
        # line 0: a whole file without lines (a Word template)
        return f"{self.path}:{self.line}:{self.col}" if self.line else self.path


class ContractgenError(Exception):
    """Base of every error contractgen reports to a user."""


class UsageError(ContractgenError):
    """A path or option that cannot be used."""


class SourceError(ContractgenError):
    """A mistake at a place in a source file, with how to fix it."""

    def __init__(self, pos: Pos | None, message: str, hint: str = "", subject: str | None = None) -> None:
        self.pos = pos
        self.message = message
        self.hint = hint
        #: What the error is about (the clause id, word or term), for code that tells errors apart
        #: by type and subject, never by their wording.
        self.subject = subject
        super().__init__(self.render())

    def __reduce__(self) -> tuple:
        # as it is, whatever a subclass's __init__ takes (the cache keeps warnings: contractgen/cache.py)
        return (_rebuilt, (type(self), self.args, dict(self.__dict__)))

    def render(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        fix = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{fix}"

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.pos is None:
            return ("", 0, 0, self.message)
        return (self.pos.path, self.pos.line, self.pos.col, self.message)


def _rebuilt(cls: type[SourceError], args: tuple, state: dict) -> SourceError:
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class YamlSyntaxError(SourceError):
    """The file is not well-formed YAML."""


class SchemaError(SourceError):
    """A key, type or value the schema does not allow."""


class UnknownClause(SourceError):
    """A reference or variation names no clause."""


class UnknownParameter(SourceError):
    """A placeholder or condition names no parameter."""


class DuplicateId(SourceError):
    """An id used twice."""


class UndefinedWord(SourceError):
    """A capitalised word that is not a defined term (subject: the word)."""


class StalePin(SourceError):
    """A variation's pin no longer matches the text it targets."""


class AmendNotFound(SourceError):
    """An amend whose text is not found, or found more than once."""


class Conflict(SourceError):
    """Two variations on one clause, parameter or term in one overlay."""


class SourceErrors(ContractgenError):
    """Several source errors, reported together, sorted by place."""

    def __init__(self, errors: Iterable[SourceError]) -> None:
        unique: dict[str, SourceError] = {}
        for err in errors:
            unique.setdefault(err.render(), err)
        self.errors = sorted(unique.values(), key=SourceError.sort_key)
        super().__init__("\n".join(e.render() for e in self.errors))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean …?)'-style hint text for the closest choice, or ''."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


#: Warnings met while loading for a command other than `validate` (which reports its own): the
#: CLI prints them, so that a typo such as `tier:` for `tiers:` is never silent on build or pack.
_WARNINGS: dict[str, SourceError] = {}


def note_warnings(warnings: Iterable[SourceError]) -> None:
    """Record warnings for the command line to print (once each)."""
    for w in warnings:
        _WARNINGS.setdefault(w.render(), w)


def take_warnings() -> list[SourceError]:
    """Return the recorded warnings, sorted by place, and forget them."""
    out = sorted(_WARNINGS.values(), key=SourceError.sort_key)
    _WARNINGS.clear()
    return out
