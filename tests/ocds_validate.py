"""Check an OCDS 1.1.5 release package the way the Data Review Tool (lib-cove-ocds) does, against the
published schemas in ../shared/standards/ (never copied into the project):

- each extension named in `extensions` is merged into the release schema as an RFC 7386 JSON
  Merge Patch of its release-schema.json;
- the package is validated (JSON Schema Draft 4, with formats: `uri` needs rfc3987) against
  release-package-schema.json, its releases against the merged release schema;
- every field the merged schema does not declare is an "additional field";
- every value of a codelist field is looked up in the codelist's CSV: outside a closed codelist it
  is an error, outside an open one a note; a deprecated code is a note too."""

from __future__ import annotations

import copy
import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import ROOT


def _standards() -> Path:
    """../shared/standards/ beside the project (a git worktree under a folder of worktrees looks
    one level further up)."""
    for folder in ROOT.parents:
        if (folder / "shared" / "standards").is_dir():
            return folder / "shared" / "standards"
    return ROOT.parent / "shared" / "standards"  # missing: the tests that read it fail, naming it


STANDARDS = _standards()
OCDS = STANDARDS / "ocds-1.1.5"
#: The extensions a package may declare: published extension.json URL -> the folder holding its files.
EXTENSIONS = {
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json":
        STANDARDS / "ocds-lots-1.1.5",
}
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def merge_patch(target: Any, patch: Any) -> Any:
    """Return `target` with the JSON Merge Patch `patch` applied (RFC 7386, section 2)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)  # schema errors, closed-codelist errors
    additional: list[str] = field(default_factory=list)  # fields the merged schema does not declare
    notes: list[str] = field(default_factory=list)  # open-codelist values outside the list, deprecated codes

    def problems(self) -> list[str]:
        return self.errors + self.additional + self.notes


def _read_codelist(path: Path) -> dict[str, bool]:
    """Return {code: deprecated} for a codelist CSV."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["Code"]: bool((row.get("Deprecated") or "").strip()) for row in csv.DictReader(fh)}


def load(extensions: list[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, dict[str, bool]]]:
    """Return (package schema, release schema with the extensions merged, {codelist file: codes})."""
    package_schema = json.loads((OCDS / "release-package-schema.json").read_text(encoding="utf-8"))
    release_schema = json.loads((OCDS / "release-schema.json").read_text(encoding="utf-8"))
    codelists = {p.name: _read_codelist(p) for p in sorted((OCDS / "codelists").glob("*.csv"))}
    for url in extensions:
        folder = EXTENSIONS[url]  # an extension the tests do not hold is a failure, not a skip
        meta = json.loads((folder / "extension.json").read_text(encoding="utf-8"))
        assert "1.1" in meta.get("compatibility", ["1.1"]), url
        for name in meta.get("schemas", []):
            if name == "release-schema.json":
                patch = json.loads((folder / name).read_text(encoding="utf-8"))
                release_schema = merge_patch(release_schema, patch)
        for name in meta.get("codelists", []):
            assert not name.startswith(("+", "-")), f"{url}: codelist patches are not handled: {name}"
            codelists[name] = _read_codelist(folder / "codelists" / name)
    return package_schema, release_schema, codelists


def format_checker() -> Any:
    """jsonschema's FormatChecker, asserted to check `uri` and `date-time` for real."""
    from jsonschema import FormatChecker

    checker = FormatChecker()
    assert not checker.conforms("01-instructions.docx", "uri"), "the uri format is not checked: install rfc3987"
    assert checker.conforms("https://documents.invalid/x/01-instructions.docx", "uri")
    assert not checker.conforms("2026-04-01", "date-time"), "the date-time format is not checked"
    return checker


def check_package(package: dict[str, Any]) -> Report:
    """Return what the Data Review Tool would report about a release package."""
    from jsonschema import Draft4Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    report = Report()
    extensions = package.get("extensions") or []
    unknown = [u for u in extensions if u not in EXTENSIONS]
    if unknown:
        report.errors.append(f"extensions: not held by the tests: {unknown}")
        return report
    package_schema, release_schema, codelists = load(extensions)
    registry = Registry().with_resource(RELEASE_SCHEMA_URL, DRAFT4.create_resource(release_schema))
    validator = Draft4Validator(package_schema, registry=registry, format_checker=format_checker())
    for err in sorted(validator.iter_errors(package), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        report.errors.append(f"{_path(err.absolute_path)}: {err.message}")
    _walk(package, package_schema, package_schema, "", report, codelists, release_schema)
    return report


def _path(parts: Any) -> str:
    return "/".join(str(p) for p in parts) or "(package)"


Schema = dict[str, Any]


def _resolve(schema: Schema, root: Schema, release_root: Schema) -> tuple[Schema, Schema]:
    """Follow $ref (local '#/definitions/…', or the release schema's URL); return (schema, its root)."""
    while "$ref" in schema:
        ref = schema["$ref"]
        if ref == RELEASE_SCHEMA_URL:
            schema, root = release_root, release_root
            continue
        assert ref.startswith("#/"), f"unexpected $ref {ref}"
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part]
        schema = node
    return schema, root


def _subschemas(schema: Schema, root: Schema, release_root: Schema) -> list[tuple[Schema, Schema]]:
    """The schema and every alternative it combines (allOf/anyOf/oneOf), each resolved."""
    schema, root = _resolve(schema, root, release_root)
    out = [(schema, root)]
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            out += _subschemas(sub, root, release_root)
    return out


def _walk(value: Any, schema: Schema, root: Schema, path: str, report: Report,
          codelists: dict[str, dict[str, bool]], release_root: Schema) -> None:
    """Report the fields of `value` that `schema` does not declare, and its codelist values."""
    subs = _subschemas(schema, root, release_root)
    for sub, _ in subs:
        if "codelist" in sub:
            _check_codes(value, sub, path, report, codelists)
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}/{key}"
            matched = []
            for sub, sub_root in subs:
                if key in sub.get("properties", {}):
                    matched.append((sub["properties"][key], sub_root))
                matched += [(s, sub_root) for pat, s in sub.get("patternProperties", {}).items() if re.search(pat, key)]
                extra = sub.get("additionalProperties")
                if not matched and isinstance(extra, dict):
                    matched.append((extra, sub_root))
            if not matched:
                report.additional.append(f"{where.lstrip('/')}: not declared by the schema")
                continue
            for s, s_root in matched:
                _walk(item, s, s_root, where, report, codelists, release_root)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            for sub, sub_root in subs:
                items = sub.get("items")
                if isinstance(items, dict):
                    _walk(item, items, sub_root, f"{path}/{i}", report, codelists, release_root)


def _check_codes(value: Any, schema: dict[str, Any], path: str, report: Report,
                 codelists: dict[str, dict[str, bool]]) -> None:
    name = schema["codelist"]
    codes = codelists.get(name)
    where = path.lstrip("/")
    if codes is None:
        report.errors.append(f"{where}: codelist {name} is not held by the tests")
        return
    values = value if isinstance(value, list) else [value]
    for v in values:
        if v is None:
            continue
        if v not in codes:
            target = report.notes if schema.get("openCodelist", True) else report.errors
            target.append(f"{where}: {v!r} is not in the {'open' if schema.get('openCodelist', True) else 'closed'} "
                          f"codelist {name}")
        elif codes[v]:
            report.notes.append(f"{where}: {v!r} is deprecated in {name}")
