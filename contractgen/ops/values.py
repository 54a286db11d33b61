"""`set`: give a parameter a value."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..errors import SourceError, UnknownParameter, did_you_mean
from ..loader import literal_problem
from ..model import Contract, Variation, frozen_map
from ..text import type_problem
from . import Operation, loc
from .pins import pin_of_value


class Set(Operation):
    name = "set"
    order = 1
    kind = "parameter"
    target_key = "parameter"
    required = ("parameter", "value")
    allowed = frozenset({"parameter", "value"})
    label = "Value changed"

    def apply(self, contract: Contract, v: Variation) -> tuple[Contract, str]:
        p = contract.parameters.get(v.target)
        if p is None:
            raise UnknownParameter(loc(v, "parameter"), f"unknown parameter '{v.target}' in variation '{v.id}'",
                                   did_you_mean(v.target, contract.parameters) or "see parameters: in the base contract.yaml",
                                   subject=v.target)
        problem = type_problem(p, v.value)
        special = literal_problem(v.value, loc(v, "value"), p.type) if problem else None
        if special:
            raise SourceError(loc(v, "value"), *special)
        if problem:
            raise SourceError(loc(v, "value"), f"value {v.value!r} for '{v.target}' is not {problem}",
                              f"'{v.target}' is {'an' if p.type[0] in 'aeiou' else 'a'} {p.type} parameter")
        pin = pin_of_value(v.target, contract.values[v.target])
        return replace(contract, values=frozen_map({**contract.values, v.target: v.value})), pin

    def was(self, base: Contract, v: Variation) -> str:
        return repr(base.values.get(v.target))

    def makes(self, v: Variation) -> str:
        return repr(v.value)

    def supersedes(self, later: Variation, earlier: Variation) -> bool:
        return True  # a value replaces the value before it whole

    def rebase(self, v: Variation, ctx: Any) -> Any:
        """A removed parameter, or one retyped so that the value no longer fits, is a conflict; a
        national default that moved is flagged."""
        from ..rebase import CARRIED, CONFLICT, FLAGGED, Outcome

        how, ids, note = ctx.parameter_map.get(v.target, ("same", (v.target,), ""))
        if how == "renamed" and ids and ids[0] in ctx.new.parameters:
            from dataclasses import replace as copy

            renamed = copy(v, target=ids[0])
            inner = self.rebase(renamed, replace_context(ctx, ids[0], v.target))
            if inner.status != CONFLICT:
                inner.variation = v
                inner.status = FLAGGED if inner.status == FLAGGED else CARRIED
                inner.reason = f"follows the parameter '{v.target}', renamed '{ids[0]}' ({note}); {inner.reason}"
            return inner
        p = ctx.new.parameters.get(v.target)
        if p is None or how in ("removed", "split", "merged"):
            return Outcome(v, CONFLICT, f"{ctx.new_ref} removes the parameter '{v.target}'"
                           + (f" ({note})" if note else ""),
                           texts=(repr(ctx.old.values.get(v.target)), "(removed)", repr(v.value)),
                           suggestions=("express the consortium's value in the clauses that used the parameter, "
                                        "with `amend` or `replace`", "or delete the variation"))
        problem = type_problem(p, v.value)
        if problem:
            return Outcome(v, CONFLICT, f"{ctx.new_ref} makes '{v.target}' {'an' if p.type[0] in 'aeiou' else 'a'} "
                           f"{p.type} parameter, and the value {v.value!r} is not {problem}",
                           texts=(repr(ctx.old.values.get(v.target)), repr(ctx.new.values.get(v.target)), repr(v.value)),
                           suggestions=(f"give a value that is {problem}",))
        before, now = ctx.old.values.get(v.target), ctx.new.values.get(v.target)
        if now == v.value:
            return Outcome(v, FLAGGED, f"{ctx.new_ref} makes {v.value!r} the national value; the variation may be "
                           "deleted", v)
        if before != now:
            return Outcome(v, FLAGGED, f"{ctx.new_ref} changes the national value from {before!r} to {now!r}; the "
                           "consortium's value still applies", v)
        if ctx.old.parameters[v.target].type != p.type:
            return Outcome(v, FLAGGED, f"{ctx.new_ref} makes '{v.target}' a {p.type} parameter; the value still fits", v)
        return Outcome(v, CARRIED, "the parameter is unchanged", v)


def replace_context(ctx: Any, new_name: str, old_name: str) -> Any:
    """Return `ctx` with the old base's parameter `old_name` seen as `new_name`, so that a renamed
    parameter's value is compared with its successor's."""
    from dataclasses import replace as copy

    old = ctx.old
    params = {**old.parameters}
    values = {**old.values}
    if old_name in params:
        params[new_name] = copy(params.pop(old_name), name=new_name)
        values[new_name] = values.pop(old_name)
    return copy(ctx, old=copy(old, parameters=frozen_map(params), values=frozen_map(values)),
                parameter_map={})
