"""Edit a Word document in LibreOffice Writer, through Writer's own editing API, and save it as Word.

This is the nearest a test can come to a person editing a contract by hand in LibreOffice: each
edit is made the way the keyboard makes it (a selection typed over, Backspace across a paragraph
mark, a cut and a paste, "No List" and a number typed in, Enter in the middle of a sentence), by
Writer's text model, and Writer then writes the file. Nothing here touches the XML.

Run with a Python that has LibreOffice's `uno` module (Debian: python3-uno, /usr/bin/python3):

    python3 tests/lo_writer_edit.py IN.docx OUT.docx EDITS.json PROFILE_DIR

EDITS.json is a list of edits, each addressing a paragraph by the bookmark on it (contractgen
bookmarks every clause). Kinds:

- {"kind": "retype", "bookmark": B, "find": S, "replace": R}: select the last S in the paragraph,
  type R;
- {"kind": "delete", "bookmark": B}: select from the end of the paragraph before to the end of
  this one and delete (Backspace over the paragraph mark: the paragraph before keeps its format);
- {"kind": "move", "bookmark": B, "before": B2}: select the whole paragraph with its mark, cut,
  and paste at the start of B2's paragraph;
- {"kind": "typed", "bookmark": B, "number": N, "separator": " " or "\\t"}: take the paragraph out
  of its list and type its number at its start;
- {"kind": "cell", "find": OLD, "replace": NEW}: the one table cell whose text is OLD, retyped;
- {"kind": "split", "bookmark": B, "after": S}: Enter after S (the space after it deleted).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

PARAGRAPH_BREAK = uno.getConstantByName("com.sun.star.text.ControlCharacter.PARAGRAPH_BREAK")


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(profile: str) -> tuple[object, subprocess.Popen[bytes]]:
    pipe = f"contractgen-test-{os.getpid()}"
    office = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
                               "--norestore", "--nologo", "--nodefault",
                               f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 120
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if office.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"LibreOffice did not start (exit {office.poll()})") from None
            time.sleep(0.25)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return desktop, office


def paragraph(doc: object, bookmark: str) -> object:
    """A text cursor selecting the whole text of the paragraph holding `bookmark`."""
    anchor = doc.getBookmarks().getByName(bookmark).getAnchor()
    cur = anchor.getText().createTextCursorByRange(anchor.getStart())
    cur.gotoStartOfParagraph(False)
    cur.gotoEndOfParagraph(True)
    return cur


def select_in(cur: object, find: str, last: bool = False) -> object:
    """Narrow a paragraph cursor to the first (or last) occurrence of `find` in it."""
    text = cur.getString()
    at = text.rindex(find) if last else text.index(find)
    cur.collapseToStart()
    cur.goRight(at, False)
    cur.goRight(len(find), True)
    assert cur.getString() == find, (cur.getString(), find)
    return cur


def edit(doc: object, e: dict[str, str]) -> None:
    kind = e["kind"]
    if kind == "retype":
        select_in(paragraph(doc, e["bookmark"]), e["find"], last=True).setString(e["replace"])
    elif kind == "delete":
        cur = paragraph(doc, e["bookmark"])
        cur.collapseToStart()
        cur.goLeft(1, False)  # the end of the paragraph before
        cur.gotoNextParagraph(True)
        cur.gotoEndOfParagraph(True)
        cur.setString("")
    elif kind == "move":
        ctrl = doc.getCurrentController()
        cur = paragraph(doc, e["bookmark"])
        cur.collapseToStart()
        cur.gotoNextParagraph(True)  # the paragraph with its mark
        ctrl.select(cur)
        cut = ctrl.getTransferable()
        cur.setString("")
        to = paragraph(doc, e["before"])
        to.collapseToStart()
        ctrl.select(to)
        ctrl.insertTransferable(cut)
    elif kind == "typed":
        cur = paragraph(doc, e["bookmark"])
        cur.setPropertyValue("NumberingStyleName", "")  # Format > Bullets and Numbering > No List
        cur.collapseToStart()
        cur.getText().insertString(cur, e["number"] + e["separator"], False)
    elif kind == "cell":
        hits = []
        tables = doc.getTextTables()
        for i in range(tables.getCount()):
            t = tables.getByIndex(i)
            for name in t.getCellNames():
                if t.getCellByName(name).getString() == e["find"]:
                    hits.append(t.getCellByName(name))
        assert len(hits) == 1, (e["find"], len(hits))
        hits[0].setString(e["replace"])
    elif kind == "split":
        cur = select_in(paragraph(doc, e["bookmark"]), e["after"] + " ")
        cur.collapseToEnd()
        cur.goLeft(1, True)
        cur.setString("")  # the space
        cur.getText().insertControlCharacter(cur, PARAGRAPH_BREAK, False)  # Enter
    else:
        raise SystemExit(f"unknown edit {kind!r}")


def main(src: str, out: str, edits_path: str, profile: str) -> None:
    with open(edits_path, encoding="utf-8") as f:
        edits = json.load(f)
    desktop, office = connect(profile)
    try:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0,
                                           (prop("Hidden", True),))
        for e in edits:
            edit(doc, e)
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)), (prop("FilterName", "MS Word 2007 XML"),))
        doc.close(True)
    finally:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001, S110 (the bridge goes as the office quits)
            pass
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:5])
