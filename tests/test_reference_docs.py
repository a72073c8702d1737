"""The README lists every accepted spelling as the alias table says (issue 13): the section is written from
data/reference/graphies.csv, and a change of the table without the README fails here."""

from __future__ import annotations

from iae_impact.report.reference_docs import accepted_spellings_markdown, committed_section
from iae_impact.rules.tables import load_education_levels, load_spellings


def test_readme_section_is_what_the_tables_say():
    assert committed_section() == accepted_spellings_markdown(), (
        "README.md, « Vos données » : relancez « .venv/bin/python -m iae_impact.report.reference_docs »")


def test_every_spelling_and_code_is_listed():
    section = committed_section()
    for spelling in load_spellings()["graphie"]:
        assert f"`{spelling}`" in section, spelling
    for code in load_education_levels()["code"]:
        assert f"`{code}`" in section, code
    assert "refusé : « sans diplôme »" in section or "« sans diplôme » ne dit pas" in section
