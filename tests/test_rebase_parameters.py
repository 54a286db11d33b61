"""A parameter the new version renames (migration `of: parameter`) is followed: the `set`
variation and every {{ placeholder }} the overlay writes move to the new name."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT, run_cli

OVERLAY = """id: x
base: mini@1.0
effective: 2026-04-01
consortium: {name: Test Consortium, arrangement: framework}
variations:
  - id: v1
    op: set
    parameter: payment_days
    value: 14
    rationale: We pay faster.
    category: commercial
  - id: v2
    op: replace
    clause: fees.disputes
    text: A disputed invoice is paid in part within {{ payment_days }}.
    rationale: We pay the undisputed part quickly.
    category: commercial
"""


def test_a_renamed_parameter_is_followed(tmp_path: Path) -> None:
    mini = ROOT / "tests" / "data" / "mini" / "1.0"
    shutil.copytree(mini, tmp_path / "national_contract" / "mini" / "1.0")
    new = tmp_path / "national_contract" / "mini" / "1.1"
    shutil.copytree(mini, new)
    for f in new.glob("*.yaml"):
        f.write_text(f.read_text(encoding="utf-8").replace("{{ payment_days }}", "{{ invoice_days }}"),
                     encoding="utf-8")
    head = new / "contract.yaml"
    text = head.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"')
    text = text.replace("  payment_days:\n", "  invoice_days:\n    changes: The name says what the days run from.\n")
    head.write_text(text + 'revises: "1.0"\nmigration:\n  - {of: parameter, from: [payment_days], '
                    'to: [invoice_days], note: The name says what the days run from.}\n', encoding="utf-8")
    (tmp_path / "variations").mkdir()
    path = tmp_path / "variations" / "x.yaml"
    path.write_text(OVERLAY, encoding="utf-8")
    assert run_cli("pin", "variations/x.yaml", cwd=tmp_path).returncode == 0
    r = run_cli("rebase", "variations/x.yaml", "--onto", "mini@1.1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 carried, 0 flagged, 0 in conflict" in r.stdout
    after = path.read_text(encoding="utf-8")
    assert "    parameter: invoice_days\n" in after
    assert "{{ invoice_days }}" in after and "payment_days" not in after
    assert "base: mini@1.1\n" in after
    v = run_cli("validate", "variations/x.yaml", cwd=tmp_path)
    assert v.returncode == 0, v.stderr
