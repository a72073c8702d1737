"""Project locations, found from the package itself, never from the working directory.

Notebooks run from papermill, nbval and JupyterLab with different working
directories; every path the project uses goes through :func:`resolve`. A path the
user types is theirs: on the command line it is taken from the current folder, in a
configuration file from that file's folder (:func:`user_path`), as every command-line
tool does.
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
#: The researcher's own notebooks, opened by ``make lab`` beside the project's: ignored by git, saved with outputs.
EXPLORATIONS_DIR = NOTEBOOKS_DIR / "explorations"
REPORTS_DIR = PROJECT_ROOT / "reports"


def user_path(path: str | os.PathLike[str], base: str | os.PathLike[str] | None = None) -> Path:
    """A path the user typed, made absolute: relative to ``base`` (a configuration file's folder) or, by
    default, to the current folder."""
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = (Path(base) if base is not None else Path.cwd()).absolute() / p
    return Path(os.path.normpath(p))  # « config/../data » written as « data »


def resolve(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as an absolute path; relative paths are taken from the project root (the project's own
    files, a notebook's parameters)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p
