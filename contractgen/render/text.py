"""The model's text: what a reader sees, paragraph by paragraph, without numbers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..numbering import Node, Numbered, NumberedPart


@dataclass(frozen=True)
class Block:
    """One paragraph (or table cell) of the body, as a reader sees it."""

    kind: str  # "schedule-title" | "heading" | "para" | "definition" | "cell"
    text: str
    number: str = ""  # the number Word shows before it ("14.2", "Schedule 1"); "" if none
    id: str = ""  # clause id (or part id, or term) it comes from


def lead_in(heading: str, text: str) -> tuple[str, str]:
    """Return (bold lead-in, rest) for a sub-clause with a heading."""
    if heading and text:
        sep = "" if heading.endswith((".", ":", "?")) else "."
        return heading + sep, " " + text
    return heading, text


def blocks(numbered: Numbered) -> Iterator[Block]:
    """Yield the body's paragraphs in document order."""
    for part in numbered.parts:
        yield from part_blocks(numbered, part)


def part_blocks(numbered: Numbered, part: NumberedPart) -> Iterator[Block]:
    if part.part.kind == "schedule":
        yield Block("schedule-title", numbered.inline(part.part.title), part.label, part.part.id)
    for node in part.nodes:
        yield from node_blocks(numbered, node)


def node_blocks(numbered: Numbered, node: Node) -> Iterator[Block]:
    c = node.clause
    if node.level == 1:
        yield Block("heading", numbered.inline(c.heading or ""), node.number, c.id)
        if c.text:
            yield Block("para", numbered.inline(c.text), "", c.id)
    else:
        head, rest = lead_in(numbered.inline(c.heading or ""), numbered.inline(c.text or ""))
        yield Block("para", head + rest, node.number, c.id)
    if c.list == "definitions":
        for term in sorted(numbered.contract.terms, key=lambda t: t.term.casefold()):
            yield Block("definition", f"{term.term} {numbered.inline(term.text)}", "", term.term)
    if c.table:
        for cell in c.table.columns:
            yield Block("cell", numbered.inline(cell), "", c.id)
        for row in c.table.rows:
            for cell in row:
                yield Block("cell", numbered.inline(cell), "", c.id)
    for child in node.children:
        yield from node_blocks(numbered, child)


def body_text(numbered: Numbered) -> list[str]:
    """Return the non-empty body paragraphs, whitespace-normalised, numbers aside."""
    return [" ".join(b.text.split()) for b in blocks(numbered) if b.text.strip()]
