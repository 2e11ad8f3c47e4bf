"""docs/scenario-reference.md is generated from the schema; the committed page must match."""

from __future__ import annotations

from facility_opt.scenario.reference import REFERENCE_PATH, main, reference_markdown
from facility_opt.scenario.schema import SCENARIO_KEYS, TABLE_COLUMNS


def test_committed_reference_matches_the_schema() -> None:
    expected = reference_markdown()
    current = REFERENCE_PATH.read_text(encoding="utf-8") if REFERENCE_PATH.exists() else ""
    assert current == expected, (
        "docs/scenario-reference.md is out of date with facility_opt/scenario/schema.py; regenerate it "
        "with `python -m facility_opt.scenario.reference` and commit the result")


def test_reference_lists_every_key_and_column() -> None:
    text = reference_markdown()
    for f in SCENARIO_KEYS:
        section, _, leaf = f.key.rpartition(".")
        assert f"| `{leaf}` |" in text, f.key
        if section:
            assert f"## `[{section}]`" in text
    for role, cols in TABLE_COLUMNS.items():
        assert f"### {role}.csv" in text
        for c in cols:
            assert f"| `{c.key}` |" in text, (role, c.key)
    assert "| `annual` | table year → amount | budget unit | — | yes |" in text
    assert '`"lognormal"`' in text and "one of `exponential`, `lognormal`, `fixed`" in text


def test_check_mode_reports_current(capsys) -> None:
    assert main(["--check"]) == 0
    assert "is current" in capsys.readouterr().out
