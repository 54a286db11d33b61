"""`set`: give a parameter a value."""

from __future__ import annotations

from dataclasses import replace

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
