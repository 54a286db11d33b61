"""The overlay operations, each declared once (issue 12).

An operation (`set`, `replace`, `amend`, `insert`, `delete`, `move`, `define`, `undefine`,
`retitle`) is a subclass of `Operation` in one module of this package, registered by name in
`REGISTRY`. Its declaration says everything the rest of contractgen asks of it:

- `keys`: the keys it requires and allows in a variation (the overlay schema's `op` enum and the
  "needs / has no meaning for" checks come from here);
- `kind` and `target_key`: what it varies (a clause, a parameter or a defined term) and which key
  names it;
- `apply`: how it changes a contract (pure: a new Contract and the pin of what it targeted);
- `label`: how the schedule of variations and the change registers name it;
- `claims`: which clause ids of the redline it explains (attribution), and `removes`: whether it
  explains paragraphs that are gone;
- `supersedes`: whether it leaves nothing of an earlier variation on the same target standing;
- `was`: the text the stale-pin message shows, and `makes`: what the variation makes of it;
- `rebase`: how it is replayed onto a new version of the base (contractgen/rebase.py).

Adding an operation is one new subclass here and its golden cases; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from ..errors import Pos, SourceError, UnknownClause, did_you_mean
from ..model import Contract, Variation

#: The operations by name, in the order the overlay schema lists them.
REGISTRY: dict[str, Operation] = {}


class Operation:
    """One kind of variation. Subclasses declare the class attributes and implement `apply`."""

    name: ClassVar[str]
    kind: ClassVar[str]  # "clause" | "parameter" | "term": what `target` names
    target_key: ClassVar[str]  # the variation key naming the target
    required: ClassVar[tuple[str, ...]]
    allowed: ClassVar[frozenset[str]]
    label: ClassVar[str]  # "Clause amended": the schedule of variations' operation column
    order: ClassVar[int]  # its place in the overlay schema's list of operations
    removes: ClassVar[bool] = False  # explains paragraphs that are gone (a deletion)
    #: Whether a variation needs exactly one anchor (before:, after: or into:)
    anchored: ClassVar[bool] = False
    #: Whether it explains its target's whole subtree (a deleted, inserted or moved clause's
    #: children came or went with it); the first such variation of a chain claims each id.
    claims_subtree: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            REGISTRY[cls.name] = cls()

    # --- checking a variation as written -------------------------------------------------------
    def problems(self, v: Any) -> list[tuple[str, str, str, str]]:
        """Return (where, key, message, hint) for what is wrong with the raw variation `v` (a Map)
        beyond its required and allowed keys; `where` is "key" (report at the key) or "value"."""
        if self.target_key == "clause" and "clause" in v and not isinstance(v["clause"], str):
            return [("value", "clause", f"variation '{v['id']}': clause: should be a clause id",
                     "write the id of the clause to vary")]
        return []

    # --- applying ------------------------------------------------------------------------------
    def apply(self, contract: Contract, v: Variation) -> tuple[Contract, str]:
        """Return the contract with `v` applied and the pin of what `v` targets in `contract`."""
        raise NotImplementedError

    # --- describing ----------------------------------------------------------------------------
    def was(self, base: Contract, v: Variation) -> str:
        """Return the text `v` targets in `base`, as a stale-pin message shows it."""
        from .tree import find

        c = find(base, v.target)
        return " ".join(filter(None, [c.heading, c.text])) if c else "(gone)"

    def makes(self, v: Variation) -> str:
        """Return what `v` makes of its target, as a stale-pin message shows it."""
        return str(v.text or v.heading or repr(v.value))

    # --- attribution ---------------------------------------------------------------------------
    def claims(self, v: Variation, base: Contract, varied: Contract) -> Iterable[str]:
        """Return the clause ids whose changed paragraphs `v` explains in a redline from `base` to
        `varied` (a parameter's or term's variations explain through the parameter or term)."""
        if self.kind != "clause":
            return ()
        if self.claims_subtree:
            from .tree import subtree

            return subtree(base if self.removes else varied, v.target)
        return (v.target,)

    def supersedes(self, later: Variation, earlier: Variation) -> bool:
        """Whether `later` (this operation, on the same target as `earlier`) leaves nothing of
        `earlier` standing, so that the earlier reason no longer applies."""
        return False

    # --- rebasing ------------------------------------------------------------------------------
    def rebase(self, v: Variation, ctx: Any) -> Any:
        """Return the Outcome (contractgen.rebase) of replaying `v` onto the new version: carried,
        flagged or a conflict, with the variation as it applies there (docs/dev/rebase.md)."""
        raise NotImplementedError(f"operation '{self.name}' declares no rebase")


def operation(name: str) -> Operation:
    """Return the declared operation `name` (KeyError when there is none)."""
    return REGISTRY[name]


def kind_of(v: Variation) -> str:
    """Return what a variation varies: "clause", "parameter" or "term"."""
    return REGISTRY[v.op].kind


def loc(v: Variation, key: str) -> Pos | None:
    """Return where the variation's `key` is written (the variation's own place without it)."""
    return v.locs.get(key, v.pos)


def clip(text: str, n: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def unknown_clause(contract: Contract, v: Variation, ident: str, key: str) -> SourceError:
    known = [c.id for _, c in contract.walk()] + [p.id for p in contract.parts]
    return UnknownClause(loc(v, key), f"unknown clause '{ident}' in variation '{v.id}'",
                         did_you_mean(ident, known) or "check the clause id (ids are shown by `contractgen stats`)",
                         subject=ident)


from . import clauses, placing, terms, values  # noqa: F401  (registers the operations)

#: The operation names, in the order the overlay schema lists them.
NAMES = sorted(REGISTRY, key=lambda n: REGISTRY[n].order)
