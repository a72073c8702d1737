"""Project locations, found from the package itself, never from the working directory.

Notebooks run from papermill, nbval and JupyterLab with different working
directories; every path the project uses goes through :func:`resolve`.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the repository (``lib/iae_impact/base/paths.py`` -> three levels up).
PROJECT_ROOT = Path(__file__).resolve().parents[3]
PACKAGE_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = PACKAGE_DIR / "report" / "templates"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
DEMO_DIR = PROJECT_ROOT / "data" / "demo" / "fictif"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"


def resolve(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as an absolute path; relative paths are taken from the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p
