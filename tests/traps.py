"""A copy of the brief notebook with one trap cell right after its parameters (failing, dying or slow briefs)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from iae_impact.base.paths import NOTEBOOKS_DIR


def brief_with_trap(tmp_path: Path, source: str) -> Path:
    """A folder holding ``10_note_elus.ipynb`` with a code cell ``source`` after the parameters cell
    (to point ``runner.NOTEBOOKS_DIR`` at)."""
    nb = nbformat.read(NOTEBOOKS_DIR / "10_note_elus.ipynb", as_version=4)
    trap = nbformat.v4.new_code_cell(source)
    trap["id"] = "piege"
    parameters = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(parameters + 1, trap)
    folder = tmp_path / "carnets"
    folder.mkdir()
    nbformat.write(nb, folder / "10_note_elus.ipynb")
    return folder
