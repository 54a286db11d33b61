"""Put the children of WordprocessingML property elements into the order the schema requires.

ISO/IEC 29500-1 (transitional) declares w:pPr, w:rPr and their relatives as xsd:sequence: the
children may be omitted but never reordered. Word repairs (or refuses) a document whose
properties are out of order, and python-docx appends some elements (w:caps, w:lang, w:tabs
added by hand) wherever it is told. `sort_properties` reorders them in place; the template tools
run it over every part they write, and the runtime builders (render/oxml.py) emit in order.

Unknown children (extensions such as w14:*) keep their relative order after the known ones,
as the schema's extension points come last.
"""

from __future__ import annotations

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _names(*locals_: str) -> tuple[str, ...]:
    return tuple(f"{{{W_NS}}}{name}" for name in locals_)


#: CT_PPrBase (§17.3.1.26) then CT_PPr's own tail (rPr, sectPr, pPrChange).
PPR_ORDER = _names(
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
    "rPr", "sectPr", "pPrChange",
)

#: EG_RPrBase (§17.3.2.28), as CT_RPr and CT_ParaRPr hold it.
_RPR_BASE = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
    "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
    "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
    "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
)
#: CT_RPr (a run's properties, and a style's).
RPR_ORDER = _names(*_RPR_BASE, "rPrChange")
#: CT_ParaRPr (the paragraph mark's properties: the w:rPr inside a w:pPr): revision marks first.
PARA_RPR_ORDER = _names("ins", "del", "moveFrom", "moveTo", *_RPR_BASE, "rPrChange")

_PPR = f"{{{W_NS}}}pPr"
_RPR = f"{{{W_NS}}}rPr"


def _order_for(element: etree._Element) -> tuple[str, ...] | None:
    if element.tag == _PPR:
        return PPR_ORDER
    if element.tag == _RPR:
        parent = element.getparent()
        return PARA_RPR_ORDER if parent is not None and parent.tag == _PPR else RPR_ORDER
    return None


def sort_children(element: etree._Element) -> bool:
    """Reorder the children of one w:pPr or w:rPr into schema order; return whether any moved.

    Comments and processing instructions travel with the element after them."""
    order = _order_for(element)
    if order is None:
        return False
    rank = {tag: i for i, tag in enumerate(order)}
    children = list(element)
    keyed = []
    pending: list[etree._Element] = []
    for pos, child in enumerate(children):
        if not isinstance(child.tag, str):  # a comment or PI: keep it with what follows
            pending.append(child)
            continue
        keyed.append((rank.get(child.tag, len(order)), pos, [*pending, child]))
        pending = []
    keyed.sort(key=lambda k: (k[0], k[1]))
    new = [node for _, _, group in keyed for node in group] + pending
    if new == children:
        return False
    for child in children:
        element.remove(child)
    element.extend(new)
    return True


def sort_properties(root: etree._Element) -> int:
    """Reorder every w:pPr and w:rPr under (and including) `root`; return how many changed."""
    changed = 0
    for element in list(root.iter(_PPR, _RPR)):
        changed += sort_children(element)
    return changed
