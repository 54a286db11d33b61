"""`contractgen pin` edits an overlay in place losslessly, whatever the file's form: line endings,
a byte-order mark, flow or block style, anchors and merge keys, block scalars, comments, quoting,
stale or empty pins, no line break at the end. After pin, only pin text has changed, the file reads
as the same data with the pins filled, the pins are right (the overlay resolves), and pinning again
changes nothing. The property test at the end draws overlays in random layouts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_cli
from hypothesis import given
from hypothesis import strategies as st

from contractgen.errors import ContractgenError, SourceErrors
from contractgen.loader import load_yaml_text
from contractgen.overlay import fill_pins, resolve_chain
from contractgen.yamledit import AddKey, EditRefused, SetValue, edit_yaml, plain

BOM = "\ufeff".encode()
HEAD = """\
# yaml-language-server: $schema=../schemas/overlay.schema.json
id: o
base: mini@1.0
effective: 2026-04-01
consortium:
  name: Test Consortium
  arrangement: framework
variations:
"""


def make_project(root: Path) -> Path:
    shutil.copytree(ROOT / "tests" / "data" / "mini", root / "national_contract" / "mini")
    (root / "variations").mkdir()
    return root


@pytest.fixture
def overlay(tmp_path: Path) -> Path:
    return make_project(tmp_path) / "variations" / "o.yaml"


# --- checks -----------------------------------------------------------------------------------

_PIN_VALUE = re.compile(r"""pin:(?:[ \t]*(?:"[^"\r\n]*"|'[^'\r\n]*'|~|[0-9a-f]+(?=[\s,}]|$))|(?=[ \t]*(?:[\r\n,}#]|$)))""")
_PIN_ENTRY = re.compile(r"(?:\r\n|\n|\r)[ ]*pin: <P>(?=\r\n|\n|\r|$)|, pin: <P>")


def _outside_pins(text: str) -> str:
    """Return `text` with every pin value replaced by <P> and every whole pin entry removed."""
    return _PIN_ENTRY.sub("", _PIN_VALUE.sub("pin: <P>", text))


def _data(raw: bytes) -> Any:
    text = raw.decode("utf-8").removeprefix("\ufeff")
    return plain(load_yaml_text(text, "check.yaml"))


def _without_pins(data: Any) -> Any:
    return {**data, "variations": [{k: v for k, v in var.items() if k != "pin"} for var in data["variations"]]}


def check_pinned(path: Path, before: bytes) -> bytes:
    """Pin `path` (holding `before`) and check everything the pin command promises; return the result."""
    path.write_bytes(before)
    fill_pins(path)
    after = path.read_bytes()
    # only pin text changed; a BOM and the line endings are kept
    assert after.startswith(BOM) == before.startswith(BOM)
    old, new = before.decode("utf-8"), after.decode("utf-8")
    assert _outside_pins(new) == _outside_pins(old), (old, new)
    if "\n" in old and old.count("\n") == old.count("\r\n"):
        assert new.count("\n") == new.count("\r\n"), new
    if "\r" not in old:
        assert "\r" not in new, new
    assert old.endswith(("\n", "\r")) == new.endswith(("\n", "\r"))
    # the same data, with a well-formed pin in every variation
    data = _data(after)
    assert _without_pins(data) == _without_pins(_data(before))
    assert all(re.fullmatch(r"[0-9a-f]{8}", str(v.get("pin"))) for v in data["variations"]), data
    # the pins are the right ones: the overlay now resolves, pins checked
    resolve_chain(path)
    # and pinning again is a no-op
    assert fill_pins(path)[1] == 0
    assert path.read_bytes() == after
    return after


RETITLE = """\
  - id: v1
    op: retitle
    clause: insurance
    heading: Cover
    rationale: Our members need it.
    category: terms
"""


# --- each form --------------------------------------------------------------------------------

FORMS: dict[str, str] = {
    "block": RETITLE,
    "flow-map": "  - {id: v1, op: retitle, clause: insurance, heading: Cover, rationale: Our members need it., category: terms}\n",
    "flow-map-multi-line": (
        "  - {id: v1, op: retitle,   # the first\n"
        "     clause: insurance, heading: Cover,\n"
        "     rationale: 'Our members need it.', category: terms,\n"
        "    }\n"),
    "flow-seq-of-flow-maps": "",  # the whole variations: value, below
    "anchors-and-merge-keys": (
        "  - id: v1\n"
        "    <<: &common {category: terms, rationale: Our members need it.}\n"
        "    op: retitle\n"
        "    clause: insurance\n"
        "    heading: &h Cover\n"
        "  - <<: *common\n"
        "    op: set\n"
        "    id: v2\n"
        "    parameter: payment_days\n"
        "    value: 14\n"),
    "folded-and-literal-scalars": (
        "  - id: v1\n"
        "    op: replace\n"
        "    clause: fees.disputes\n"
        "    text: |\n"
        "      A disputed invoice is paid in full\n"
        "      and the dispute settled later.\n"
        "\n"
        "    rationale: >-\n"
        "      Providers asked for\n"
        "      cash flow certainty.\n"
        "    category: commercial\n"
        "  - op: retitle\n"
        "    clause: insurance\n"
        "    heading: Cover\n"
        "    rationale: >\n"
        "      Our members need it.\n"
        "    category: terms\n"
        "    id: >-\n"
        "      v2\n"),
    "comments": (
        "  # the first variation\n"
        "  - id: v1 # the id, then a comment: pin: \"not this\"\n"
        "    # a comment under the id\n"
        "    op: retitle   # retitle\n"
        "    clause: insurance\n"
        "    heading: Cover\n"
        "    rationale: Our members need it.\n"
        "    category: terms  # last\n"
        "# the end\n"),
    "quoting-styles": (
        "  - 'id': 'v1'\n"
        "    \"op\": \"retitle\"\n"
        "    clause: insurance\n"
        "    heading: \"Cover\"\n"
        "    rationale: 'Our members ''need'' it.'\n"
        "    category: terms\n"),
    "existing-pins-in-any-quoting": (
        RETITLE + "    pin: '00000000'\n"
        "  - id: v2\n    op: set\n    parameter: payment_days\n    value: 14\n    rationale: Cash flow.\n"
        "    category: commercial\n    pin: \"\"\n"
        "  - id: v3\n    pin: deadbeef  # stale\n    op: retitle\n    clause: fees\n    heading: Money\n"
        "    rationale: Plain words.\n    category: terms\n"
        "  - id: v4\n    op: delete\n    clause: fees.block\n    rationale: No block payments here.\n"
        "    category: commercial\n    pin:\n"
        "  - {id: v5, op: retitle, clause: fees.disputes, heading: Disputes, rationale: Clearer., category: terms,"
        " pin: ''}\n"),
    "id-not-the-first-key": (
        "  - op: retitle\n    clause: insurance\n    id: v1\n    heading: Cover\n"
        "    rationale: Our members need it.\n    category: terms\n"),
    "no-line-break-at-the-end": RETITLE.rstrip("\n"),
    "id-last-without-line-break": (
        "  - op: retitle\n    clause: insurance\n    heading: Cover\n"
        "    rationale: Our members need it.\n    category: terms\n    id: v1"),
    "indentless-sequence": RETITLE.replace("\n  ", "\n").removeprefix("  "),
    # found by the property test: the pin went inside a merged flow map, shared with v2
    "flow-maps-ending-in-a-merge-key": (
        "  - {id: v1, op: retitle, clause: insurance, heading: Cover, category: terms,\n"
        "     <<: &common {rationale: Shared.}}\n"
        "  - {id: v2, op: retitle, clause: fees, heading: Money, category: terms, <<: *common}\n"),
    # found by the property test during development: an empty value in a flow map (libyaml refuses
    # `pin:}`; the empty value of `pin:` at the end of a line sits at the next token, `}`)
    "flow-maps-with-empty-pins": (
        "  - {id: v1, op: retitle, clause: insurance, heading: Cover, rationale: Needed., category: terms, pin:}\n"
        "  - {id: v2, op: retitle, clause: fees, heading: Money, rationale: Needed., category: terms, pin:\n"
        "    }\n"),
}
FLOW_SEQ = HEAD.replace("variations:\n", "variations: [\n") + (
    "  {id: v1, op: retitle, clause: insurance, heading: Cover, rationale: Our members need it., category: terms},\n"
    "  {id: v2, op: set, parameter: payment_days, value: 14, rationale: Cash flow., category: commercial}]\n")


def _text(form: str) -> str:
    return FLOW_SEQ if form == "flow-seq-of-flow-maps" else HEAD + FORMS[form]


@pytest.mark.parametrize("form", FORMS)
def test_pin_keeps_every_other_byte(overlay: Path, form: str) -> None:
    check_pinned(overlay, _text(form).encode())


@pytest.mark.parametrize("form", FORMS)
def test_pin_keeps_crlf_and_a_bom(overlay: Path, form: str) -> None:
    text = _text(form).replace("\n", "\r\n")
    after = check_pinned(overlay, BOM + text.encode())
    assert after.startswith(BOM) and not after.startswith(BOM + BOM)


def test_crlf_pin_is_a_line_of_its_own(overlay: Path) -> None:
    """The original failure: with CRLF, the pin was spliced into the middle of a scalar."""
    after = check_pinned(overlay, (HEAD + RETITLE).replace("\n", "\r\n").encode())
    assert re.search(rb'\r\n  - id: v1\r\n    pin: "[0-9a-f]{8}"\r\n    op: retitle\r\n', after), after


def test_bom_pin_replaces_the_value_only(overlay: Path) -> None:
    """The original failure: with a BOM, offsets were one off (`pin:"567d7746""`)."""
    after = check_pinned(overlay, BOM + (HEAD + RETITLE + '    pin: "00000000"\n').encode())
    assert re.search(rb'\n    pin: "[0-9a-f]{8}"\n$', after), after


def test_flow_map_pin_goes_inside_the_braces(overlay: Path) -> None:
    """The original failure: a flow-style variation came out as invalid YAML."""
    after = check_pinned(overlay, _text("flow-map").encode())
    assert re.search(rb', category: terms, pin: "[0-9a-f]{8}"\}\n$', after), after


def test_a_comment_after_the_id_is_kept_whole(overlay: Path) -> None:
    after = check_pinned(overlay, _text("comments").encode()).decode()
    assert '  - id: v1 # the id, then a comment: pin: "not this"\n    pin: "' in after


def test_an_existing_pin_keeps_its_quotes(overlay: Path) -> None:
    after = check_pinned(overlay, _text("existing-pins-in-any-quoting").encode()).decode()
    assert re.search(r"\n    pin: '[0-9a-f]{8}'\n  - id: v2", after)
    assert re.search(r'\n    pin: "[0-9a-f]{8}"  # stale\n', after)
    assert re.search(r"\n    pin: \"[0-9a-f]{8}\"\n  - \{id: v5, .*, pin: '[0-9a-f]{8}'\}\n$", after)


def test_pin_through_the_cli_reports_the_same_counts(overlay: Path) -> None:
    overlay.write_bytes(BOM + _text("existing-pins-in-any-quoting").replace("\n", "\r\n").encode())
    r = run_cli("pin", "variations/o.yaml", cwd=overlay.parents[1])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "variations/o.yaml: 5 pins, 5 written\n"
    r = run_cli("pin", "variations/o.yaml", cwd=overlay.parents[1])
    assert r.stdout == "variations/o.yaml: 5 pins, 0 written\n"


# --- refusals: nothing is written -------------------------------------------------------------

SHARED_PIN = HEAD.replace("variations:\n", "x-defaults: &d {category: terms, rationale: Shared., pin: ''}\nvariations:\n") + (
    "  - id: v1\n    <<: *d\n    op: retitle\n    clause: insurance\n    heading: Cover\n")


def test_a_pin_that_cannot_be_written_alone_is_refused(overlay: Path) -> None:
    overlay.write_bytes(SHARED_PIN.encode())
    with pytest.raises(SourceErrors) as info:
        fill_pins(overlay)
    assert "cannot replace the pin of variation 'v1' here without changing other text: " \
           "it would change x-defaults.pin" in str(info.value)
    assert overlay.read_bytes() == SHARED_PIN.encode()


def test_edit_yaml_plans_and_verifies() -> None:
    src = "a: 1\r\nb: {c: 'x'}   # keep\r\nd:\r\n  - e: &v 2\r\n  - *v\r\n"
    out = edit_yaml(src.encode(), [SetValue(("b", "c"), "y"), AddKey(("d", 0), "f", "g"), AddKey((), "h", "i")], "t.yaml")
    assert out.decode() == "a: 1\r\nb: {c: 'y'}   # keep\r\nd:\r\n  - e: &v 2\r\n    f: \"g\"\r\n  - *v\r\nh: \"i\"\r\n"
    with pytest.raises(EditRefused, match=r"t.yaml:4:8: .*it would change d\[1\]"):
        edit_yaml(src.encode(), [SetValue(("d", 0, "e"), "3")], "t.yaml")
    with pytest.raises(EditRefused, match="already has 'a'"):
        edit_yaml(src.encode(), [AddKey((), "a", "2")], "t.yaml")
    with pytest.raises(ContractgenError):
        edit_yaml(b"a: [1\n", [AddKey((), "b", "2")], "t.yaml")


# --- the property test ------------------------------------------------------------------------

KINDS: list[dict[str, Any]] = [
    {"op": "retitle", "clause": "insurance", "heading": "Cover", "rationale": "Our members need it.",
     "category": "terms"},
    {"op": "set", "parameter": "payment_days", "value": 14, "rationale": "Small providers need quicker payment.",
     "category": "commercial"},
    {"op": "amend", "clause": "insurance.levels", "find": "each home", "replace": "each home and office",
     "rationale": "Offices hold records too.", "category": "terms"},
    {"op": "replace", "clause": "fees.disputes", "text": "A disputed invoice is paid in full and settled later.",
     "rationale": "Providers asked for cash flow certainty.", "category": "commercial"},
    {"op": "delete", "clause": "fees.block", "rationale": "We buy no block placements.", "category": "commercial"},
]
PIN_STATES = [None, '""', "''", '"00000000"', "'00000000'", "deadbeef", "", "~"]
COMMENTS = ["# note", "# pin: \"12345678\" is not a pin", "#", "# id: v9, {x: y}"]


@st.composite
def overlays(draw: st.DrawFn) -> str:
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    kinds = draw(st.lists(st.sampled_from(range(len(KINDS))), min_size=1, max_size=len(KINDS), unique=True))
    flow_seq = draw(st.booleans()) and draw(st.booleans())
    dash = draw(st.sampled_from(["", "  "]))
    merge = len(kinds) > 1 and draw(st.booleans())

    def quote(value: Any, flow: bool) -> str:
        if not isinstance(value, str):
            return str(value)
        style = draw(st.sampled_from(["plain", "single", "double"]))
        if style == "single":
            return "'" + value.replace("'", "''") + "'"
        if style == "double" or (flow and any(c in value for c in ",[]{}#")):
            return '"' + value + '"'
        return value

    def comment() -> str:
        return "  " + draw(st.sampled_from(COMMENTS)) if draw(st.integers(0, 3)) == 0 else ""

    items: list[str] = []
    for n, k in enumerate(kinds):
        fields: dict[str, Any] = {"id": f"v{n + 1}", **KINDS[k]}
        entries = [(key, quote(value, flow_seq)) for key, value in fields.items()]
        pin = draw(st.sampled_from(PIN_STATES))
        if pin is not None:
            entries.append(("pin", pin))
        if merge:  # the rationale comes through a merge key from the first variation
            entries = [e for e in entries if e[0] != "rationale"]
            entries.append(("<<", "&common {rationale: Shared.}" if n == 0 else "*common"))
        entries = draw(st.permutations(entries))
        flow = flow_seq or draw(st.booleans())
        if flow:
            parts = [f"{key}: {value}" if value else f"{key}:" for key, value in entries]
            if draw(st.booleans()):  # one line
                items.append("{" + ", ".join(parts) + "}")
            else:
                pad = " " * (len(dash) + 3)
                text = ""
                for i, part in enumerate(parts):
                    text += part + ("," + comment() + eol + pad if i < len(parts) - 1 else "")
                closing = draw(st.sampled_from(["}", f"{comment()}{eol}{pad[:-1]}}}", f",{comment()}{eol}{pad[:-1]}}}"]))
                items.append("{" + text + closing)
        else:
            pad = dash + "  "
            lines = []
            for i, (key, value) in enumerate(entries):
                if key == "rationale" and draw(st.booleans()):
                    value = draw(st.sampled_from([">-", "|", ">", "|-"])) + f"{eol}{pad}  {KINDS[k]['rationale']}"
                lines.append(f"{key}: {value}".rstrip() + comment() if not value.startswith(("|", ">")) else f"{key}: {value}")
                if draw(st.integers(0, 4)) == 0:
                    lines.append(draw(st.sampled_from(["", pad[:-2]])) + draw(st.sampled_from(COMMENTS)))
            items.append(eol.join((pad if i else "") + ln for i, ln in enumerate(lines)))
    if flow_seq:
        body = "variations: [" + eol + ("," + eol).join("  " + it for it in items) + "]"
    else:
        body = "variations:" + eol + eol.join(f"{dash}- {it}" for it in items)
    text = HEAD.replace("variations:\n", "").replace("\n", eol) + body
    if draw(st.booleans()):
        text += eol
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


@given(text=overlays())
def test_pin_round_trips_any_layout(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    root = tmp_path_factory.mktemp("pinprop")
    path = make_project(root) / "variations" / "o.yaml"
    check_pinned(path, text.encode())
