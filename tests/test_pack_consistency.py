"""Issue 11: every pack is one consistent set of facts, read back by independent readers.

Every Word document of every pack is read as text by pandoc, the workbook by openpyxl and the
release package as JSON. Each fact stated in more than one place (docs/dev/pack-facts.md) must be
stated the same way everywhere, and as the particulars give it: the order of precedence, the lots
and their tiers, the award weightings, the term and its extensions, the commencement date, the
members and the lead authority, the call-off procedure. The same checks fail on a copy of an
overlay made deliberately inconsistent, and no document carries placeholder wording.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from conftest import ROOT, run_cli

OVERLAYS = sorted((ROOT / "variations").glob("*.yaml"))
WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
DATE = r"\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"
#: Documents that restate the framework agreement as it is (a redline shows it twice, on purpose).
SKIP = ("06-redline.docx",)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else WORDS[word.lower()]


def _plain(path: Path) -> str:
    r = subprocess.run(["pandoc", "-f", "docx", "-t", "plain", "--wrap=none", str(path)],
                       capture_output=True, text=True, check=True)
    return r.stdout


def read_pack(folder: Path) -> dict[str, str]:
    """Return {file name: its text} for every document of a pack, read by independent readers."""
    docs = sorted(p for p in folder.glob("*.docx") if p.name not in SKIP)
    with ThreadPoolExecutor(max_workers=2) as pool:
        texts = dict(zip((p.name for p in docs), pool.map(_plain, docs)))
    wb = load_workbook(folder / "07-pricing-schedule.xlsx")
    texts["07-pricing-schedule.xlsx"] = "\n".join(
        f"[{ws.title}] " + " | ".join(str(c) for c in row if c is not None)
        for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    texts["release.json"] = (folder / "release.json").read_text(encoding="utf-8")
    return texts


def _one(texts: dict[str, str], name: str) -> str:
    return next(t for f, t in texts.items() if f.startswith(name))


# --- extracting each fact from the text of each document ----------------------------------------

ACTORS = [("ipa", r"variation (?:agreed|recorded) (?:in|by) (?:an? |this |the )?(?:IPA|Individual Placement "
                  r"Agreement|paragraph \d+)"),
          ("consortium", r"Consortium Variation"),
          ("national", r"national terms|these terms and conditions|these terms\b")]


def _order(statement: str) -> tuple[str, ...]:
    found = sorted((m.start(), actor) for actor, rx in ACTORS for m in re.finditer(rx, statement))
    order: list[str] = []
    for _, actor in found:
        if actor not in order:
            order.append(actor)
    return tuple(order)


def precedence(texts: dict[str, str]) -> dict[str, set[tuple[str, ...]]]:
    """Return, per document, each order of precedence it states (highest first): from every
    sentence saying what prevails, and every list introduced as an order of precedence."""
    out: dict[str, set[tuple[str, ...]]] = {}
    for name, text in texts.items():
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        for i, line in enumerate(lines):
            statements = [s for s in re.split(r"(?<=\.)\s+", line) if "prevail" in s]
            if re.search(r"order of precedence:\s*$", line):
                statements.append(" ".join(lines[i + 1:i + 4]))
            for s in statements:
                order = _order(s)
                if len(order) >= 2:
                    out.setdefault(name, set()).add(order)
    return out


def weightings(texts: dict[str, str]) -> dict[str, set[tuple[float, float]]]:
    """Return, per document, each (quality, price) weighting it states."""
    out: dict[str, set[tuple[float, float]]] = {}
    for name, text in texts.items():
        found = {(float(q), float(p)) for q, p in re.findall(
            r"(?i)quality (\d+(?:\.\d+)?)%(?: and| /|,) price (\d+(?:\.\d+)?)%", text)}
        found |= {(float(q), float(p)) for q, p in re.findall(
            r"(\d+(?:\.\d+)?)% of the marks to quality and (\d+(?:\.\d+)?)% to price", text)}
        if found:
            out[name] = found
    return out


def quality_sums(text: str) -> dict[str, float]:
    """Return each lot's total of question weightings in the quality questions."""
    sums: dict[str, float] = {}
    lot = None
    for line in text.splitlines():
        m = re.match(r"^(Lot \d+)\b", line.strip())
        if m:
            lot = m[1]
        w = re.search(r"Weighting: (\d+(?:\.\d+)?)% of the total marks", line)
        if w and lot:
            sums[lot] = sums.get(lot, 0) + float(w[1])
    return sums


TERM = re.compile(rf"\b(\w+) years? from ({DATE}), (?:which the Purchaser may extend (?:once, )?by up to (\w+) "
                  r"(years?|months?)|with no option to extend)")
EXTENSION = re.compile(r"(?:periods totalling not more than|a total of not more than|by up to|a single period of not "
                       r"more than) (\w+) (years?|months?)")


def _months(number: str, unit: str) -> int:
    return _number(number) * (12 if unit.startswith("year") else 1) if number else 0


def terms(texts: dict[str, str]) -> dict[str, set[tuple[int, str, int]]]:
    """Return, per document, each (years, commencement date, months of extension in all) it states."""
    out: dict[str, set[tuple[int, str, int]]] = {}
    for name, text in texts.items():
        text = re.sub(r"\s+", " ", text)
        found = {(_number(y), d, _months(e, u)) for y, d, e, u in TERM.findall(text)}
        if name.startswith("03-"):  # the framework agreement's own term clause
            start = re.search(rf"Commencement Date means ({DATE})|starts on ({DATE}), which is the Commencement Date",
                              text)
            years = re.search(r"continues for (\w+) years?", text)
            ext = EXTENSION.search(text)
            assert start and years, f"{name}: no term clause found"
            found.add((_number(years[1]), start[1] or start[2], _months(ext[1], ext[2]) if ext else 0))
        if found:
            out[name] = found
    return out


def commencement_dates(texts: dict[str, str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, text in texts.items():
        text = re.sub(r"\s+", " ", text)
        found = set(re.findall(rf"Commencement Date(?: means|: the framework starts)? ({DATE})", text))
        found |= set(re.findall(rf"starts on ({DATE}), which is the Commencement Date", text))
        if found:
            out[name] = found
    return out


def _block(text: str, start: str, end: str) -> list[str]:
    lines = [ln.strip() for ln in text.splitlines()]
    i = lines.index(start)
    j = next(k for k in range(i + 1, len(lines)) if lines[k].startswith(end))
    return [ln for ln in lines[i + 1:j] if ln]


def authorities(texts: dict[str, str]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Return, per document, (the lead authority, the member authorities) it states."""
    itt = _one(texts, "01-")
    fa = _one(texts, "03-")
    lead_itt = re.search(r"The lead authority, (.+?), runs this procurement", itt)
    lead_fa = re.search(r"\(1\) (.+?), acting for itself and on behalf of the Member Authorities", fa)
    lead_fot = re.search(r"To (.+?), for itself and the member authorities", re.sub(r"\s+", " ", _one(texts, "10-")))
    assert lead_itt and lead_fa and lead_fot, "a document does not name the lead authority"
    release = json.loads(texts["release.json"])["releases"][0]
    return {
        "01-instructions-to-tenderers": (lead_itt[1], tuple(_block(itt, "The member authorities", "What is being bought"))),
        "03-framework-agreement": (lead_fa[1], tuple(_block(fa, "The Member Authorities are:", "The Parties agree"))),
        "10-form-of-tender": (lead_fot[1], ()),
        # release.json lists the buyer first, then every other member: compared as a set
        "release.json": (release["buyer"]["name"], tuple(sorted(p["name"] for p in release["parties"]))),
    }


def lots(texts: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Return, per document, the lots it lists (as 'Lot N: name')."""
    itt = _one(texts, "01-")
    out = {"01-instructions-to-tenderers": tuple(_block(itt, "The services are described in the specification for "
                                                          "each lot in this pack. The lots are:", "Age bands"))}
    specs = sorted(f for f in texts if f.startswith("02-specification-lot-"))
    out["02-specifications"] = tuple(re.search(r"This specification applies to (.+?), lot \d+ of \d+",
                                               re.sub(r"\s+", " ", texts[f]))[1] for f in specs)
    qq = _one(texts, "11-")
    out["11-quality-questions"] = tuple(dict.fromkeys(ln.strip() for ln in qq.splitlines()
                                                      if re.match(r"^Lot \d+\b", ln.strip())))
    titles: dict[str, str] = {}  # each lot sheet's first line is its title
    for sheet, line in re.findall(r"^\[(Lot \d+)\] (.*)$", texts["07-pricing-schedule.xlsx"], re.M):
        titles.setdefault(sheet, line)
    out["07-pricing-schedule.xlsx"] = tuple(titles.values())
    release = json.loads(texts["release.json"])["releases"][0]
    out["release.json"] = tuple(f"Lot {i}: {lot['title']}" if not re.match(r"(?i)lot\s*\d", lot["title"]) else lot["title"]
                                for i, lot in enumerate(release["tender"]["lots"], start=1))
    # a heading capitalises the lot's first letter ("lot 1 (City)" heads its section as "Lot 1 (City)")
    return {k: tuple(v[:1].upper() + v[1:] for v in names) for k, names in out.items()}


def _tier_counts(sentence: str, n_lots: int) -> list[int]:
    """Return each lot's number of tiers from the instructions' sentence on tiers."""
    if sentence.startswith("Providers are not ranked in tiers"):
        return [0] * n_lots
    if sentence.startswith("Each lot has a single tier"):
        return [1] * n_lots
    m = re.match(r"Providers are ranked in (\w+) tiers", sentence)
    if m:
        return [_number(m[1])] * n_lots
    counts = [-1] * n_lots
    for which, rest in re.findall(r"In lots? ([\d, and]+), (Providers are ranked in \w+ tiers|Providers are not "
                                  r"ranked: (?:the lot has|each has) (?:a single tier|no tiers))", sentence):
        n = _number(re.search(r"ranked in (\w+) tiers", rest)[1]) if "ranked in" in rest else (
            1 if "single" in rest else 0)
        for lot in re.findall(r"\d+", which):
            counts[int(lot) - 1] = n
    return counts


def tiers(texts: dict[str, str], n_lots: int) -> dict[str, tuple[int, ...]]:
    """Return, per document, each lot's number of tiers."""
    out = {}
    for name in ("01-", "08-", "09-"):
        text = re.sub(r"\s+", " ", _one(texts, name))
        m = re.search(r"(Providers are (?:not )?ranked in[^.]*\.|Each lot has a single tier\.|In lots? \d[^.]*\."
                      r"(?: In lots? \d[^.]*\.)*)", text)
        assert m, f"{name}: no sentence on tiers"
        out[name] = tuple(_tier_counts(m[1], n_lots))
    specs = sorted(f for f in texts if f.startswith("02-specification-lot-"))
    per_spec = []
    for f in specs:
        m = re.search(r"^\s*Tiers\s+(\d+ tiers?|Not tiered)", texts[f], re.M)
        per_spec.append(0 if m[1] == "Not tiered" else int(m[1].split()[0]))
    out["02-specifications"] = tuple(per_spec)
    return out


def call_off(texts: dict[str, str]) -> list[str]:
    """Return the call-off procedure's paragraphs that the framework agreement does not contain."""
    fa = re.sub(r"\s+", " ", _one(texts, "03-"))
    doc = _one(texts, "09-")
    body = doc.split("The procedure in the framework agreement", 1)[1]
    missing = []
    for line in body.splitlines():
        m = re.match(r"^\s*\d+(?:\.\d+)+\s+(?:[^.]{1,60}\.\s)?(.+)$", line)
        if m and m[1].strip() and m[1].strip() not in fa:
            missing.append(line.strip())
    return missing


def inconsistencies(folder: Path, overlay: Path) -> list[str]:
    """Return every disagreement between the pack's documents, or with the particulars."""
    cons = yaml.safe_load(overlay.read_text(encoding="utf-8"))["consortium"]
    texts = read_pack(folder)
    problems: list[str] = []

    def agree(fact: str, stated: dict[str, object], expected: object = None) -> None:
        values = {json.dumps(sorted(v) if isinstance(v, set) else v, default=list) for v in stated.values()}
        if len(values) > 1 or (expected is not None and values and values != {json.dumps(expected, default=list)}):
            problems.append(f"{folder.name}: {fact} differs: " + "; ".join(f"{k} says {v}" for k, v in stated.items())
                            + (f"; the particulars say {expected}" if expected is not None else ""))

    agree("the order of precedence", precedence(texts))
    award = (float(cons["award"]["quality"]), float(cons["award"]["price"]))
    agree("the award weightings", weightings(texts), [list(award)])
    sums = quality_sums(_one(texts, "11-"))
    for lot, total in sums.items():
        if abs(total - award[0]) > 1e-9:
            problems.append(f"{folder.name}: the quality questions of {lot} weigh {total}%, not the quality share "
                            f"{award[0]}%")
    agree("the term", terms(texts))
    agree("the commencement date", commencement_dates(texts))
    people = authorities(texts)
    agree("the lead authority", {k: v[0] for k, v in people.items()}, cons.get("lead"))
    agree("the member authorities", {k: v[1] for k, v in people.items() if v[1] and k != "release.json"},
          list(cons["members"]))
    agree("the parties of the release", {"release.json": people["release.json"][1]},
          sorted(set(cons["members"]) | {cons["lead"]}))
    listed = lots(texts)
    agree("the lots", listed)
    agree("the tiers of each lot", tiers(texts, len(listed["01-instructions-to-tenderers"])))
    if cons.get("call_off") and re.sub(r"\s+", " ", cons["call_off"]).strip() not in re.sub(
            r"\s+", " ", _one(texts, "09-")):
        problems.append(f"{folder.name}: the call-off procedure does not state the particulars' call-off")
    problems += [f"{folder.name}: the call-off procedure quotes what the framework agreement does not say: {m}"
                 for m in call_off(texts)]
    return problems


# --- the tests ------------------------------------------------------------------------------------

def test_every_pack_states_one_set_of_facts(all_packs: Path) -> None:
    problems = []
    for overlay in OVERLAYS:
        problems += inconsistencies(all_packs / overlay.stem, overlay)
    assert not problems, "\n".join(problems)


PLACEHOLDERS = re.compile(r"(?i)published with the tender|to be confirmed|\{\{|\{%|\bTODO\b|\bTBC\b|\[insert|"
                          r"lorem ipsum|the lead authority of ")


def test_no_pack_document_carries_placeholder_wording(all_packs: Path) -> None:
    found = []
    for overlay in OVERLAYS:
        folder = all_packs / overlay.stem
        for name, text in read_pack(folder).items():
            if name.startswith("01-"):  # the note on assumptions may say what is to confirm, and only it
                text = re.sub(r"(?s)Before issue: particulars to confirm.*?(?=About this tender)", "", text)
            found += [f"{folder.name}/{name}: {m[0]!r}" for m in PLACEHOLDERS.finditer(text)]
        html = (folder / "06-redline.html").read_text(encoding="utf-8")
        found += [f"{folder.name}/06-redline.html: {m[0]!r}" for m in re.finditer(r"\{\{|\{%|\bTODO\b", html)]
    assert not found, "\n".join(found[:40])


def test_every_assumption_is_in_the_manifest_and_the_note(all_packs: Path) -> None:
    for overlay in OVERLAYS:
        folder = all_packs / overlay.stem
        manifest = json.loads((folder / "manifest.json").read_text())
        marked = yaml.safe_load(overlay.read_text(encoding="utf-8"))["consortium"].get("assumed") or {}
        listed = [a["particular"] for a in manifest["assumed"]]
        assert set(marked) <= set(listed), overlay.stem
        assert "documents_url" in listed  # no shipped overlay gives a documents address
        note = re.sub(r"\s+", " ", read_pack(folder)["01-instructions-to-tenderers.docx"]) if overlay == OVERLAYS[0] \
            else None
        if note is not None:
            assert "Before issue: particulars to confirm" in note
            for a in manifest["assumed"]:
                assert a["label"] in note and a["value"] in note, (overlay.stem, a)


# --- a deliberately inconsistent overlay ---------------------------------------------------------

BROKEN = "greater-manchester-residential"


def _project(tmp_path: Path) -> Path:
    (tmp_path / "variations").mkdir()
    (tmp_path / "national_contract").symlink_to(ROOT / "national_contract")
    return tmp_path


def _pack(project: Path, overlay_text: str) -> Path:
    from contractgen.overlay import fill_pins
    from contractgen.pack import build_pack

    path = project / "variations" / f"{BROKEN}.yaml"
    path.write_text(overlay_text, encoding="utf-8")
    fill_pins(path)  # a new variation is pinned as an author would pin it
    name, files = build_pack(path, epoch=0)
    folder = project / "packs" / name
    folder.mkdir(parents=True)
    for fname, data in files.items():
        (folder / fname).write_bytes(data)
    return folder


def test_the_check_passes_on_the_overlay_as_shipped(tmp_path: Path) -> None:
    """The control for the next test: the same overlay, packed the same way, is consistent."""
    overlay = ROOT / "variations" / f"{BROKEN}.yaml"
    folder = _pack(_project(tmp_path), overlay.read_text(encoding="utf-8"))
    assert inconsistencies(folder, overlay) == []


def test_the_check_fails_on_an_overlay_made_inconsistent(tmp_path: Path) -> None:
    """A copy of an overlay whose variations state, in words, a different order of precedence, a
    different term and weightings that are not the particulars': each is caught, with the documents
    that disagree."""
    overlay = ROOT / "variations" / f"{BROKEN}.yaml"
    text = overlay.read_text(encoding="utf-8")
    text = text.replace("award: {quality: 60, price: 40}", "award: {quality: 70, price: 30}")
    text = text.replace("variations:\n", """variations:
  - id: broken-precedence
    op: replace
    clause: structure.conflict
    text: >-
      Where provisions conflict, the national terms prevail over the Consortium Variation, and the
      Consortium Variation prevails over a variation agreed in an IPA.
    rationale: A deliberately inconsistent order, for the test.
    category: terms
  - id: broken-term
    op: replace
    clause: term.duration
    text: >-
      This Contract starts on 1 April 2026, which is the Commencement Date, and continues for five
      years unless it is ended earlier under clause [[termination]].
    rationale: A term stated in words that disagree with the particulars, for the test.
    category: terms
""", 1)
    project = _project(tmp_path)
    path = project / "variations" / f"{BROKEN}.yaml"
    folder = _pack(project, text)
    found = inconsistencies(folder, path)
    precedence_ = next(p for p in found if "the order of precedence differs" in p)
    # the agreement now states the reversed order; its schedule, the IPA form, still the old one
    assert "('national', 'consortium', 'ipa')" in precedence_ and "('ipa', 'consortium', 'national')" in precedence_
    assert "04-individual-placement-agreement.docx says" in precedence_
    term = next(p for p in found if "the term differs" in p)
    assert "03-framework-agreement.docx says {(5, '1 April 2026', 24)}" in term, term
    assert "01-instructions-to-tenderers.docx says {(2, '1 April 2026', 24)}" in term, term
    weights = next(p for p in found if "the award weightings differs" in p)
    # the agreement's tier clause still says 60% to quality and 40% to price
    assert "03-framework-agreement.docx says {(60.0, 40.0)}" in weights and "the particulars say [[70.0, 30.0]]" in weights
    assert not any("quality questions of" in p for p in found)  # they follow the particulars: 70%


def test_pack_stops_with_a_located_message_when_a_needed_particular_is_missing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    text = (ROOT / "variations" / f"{BROKEN}.yaml").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    cut = next(i for i, ln in enumerate(lines) if ln.startswith("  award:"))
    del lines[cut]
    broken = "".join(lines)
    broken = re.sub(r"(?m)^    award: >-\n(?:      .*\n)+", "", broken)  # and its note under assumed:
    (project / "variations" / f"{BROKEN}.yaml").write_text(broken, encoding="utf-8")
    r = run_cli("pack", f"variations/{BROKEN}.yaml", "-o", "packs", cwd=project)
    assert r.returncode == 1
    line = next(i for i, ln in enumerate(broken.splitlines(), start=1) if ln == "consortium:") + 1
    assert f"variations/{BROKEN}.yaml:{line}:3: the consortium particulars give no award, which the pack needs" \
        in r.stderr, r.stderr
    assert "add award: {quality: 60, price: 40} under consortium:" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (project / "packs" / BROKEN).exists()


def test_an_assumption_naming_a_particular_that_is_not_given_is_located(tmp_path: Path) -> None:
    project = _project(tmp_path)
    text = (ROOT / "variations" / f"{BROKEN}.yaml").read_text(encoding="utf-8")
    text = text.replace("  assumed:\n", "  assumed:\n    contact: the sources name no contact\n", 1)
    (project / "variations" / f"{BROKEN}.yaml").write_text(text, encoding="utf-8")
    r = run_cli("validate", f"variations/{BROKEN}.yaml", cwd=project)
    assert r.returncode == 1
    line = next(i for i, ln in enumerate(text.splitlines(), start=1) if ln.startswith("    contact:"))
    assert f"variations/{BROKEN}.yaml:{line}:5: 'contact' is marked as assumed, but the particulars give no contact" \
        in r.stderr, r.stderr
