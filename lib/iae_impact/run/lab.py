"""JupyterLab for the researcher (``make lab``): the project's notebooks stay as committed, explorations are theirs.

``config/jupyterlab/jupyter_server_config.py`` (given to ``jupyter lab --config`` by ``make lab``) makes
:func:`pre_save_hook` the server's pre-save hook. Every save of a project notebook (a notebook under
``notebooks/``, tracked by git) writes it stripped as it is committed: no outputs, no execution counts, none of
the per-session details JupyterLab adds. Autosave can no longer dirty the repository. Notebooks in
``notebooks/explorations/`` (ignored by git, created by ``make lab``) are the researcher's own: saved as they are,
outputs kept. Nothing outside ``notebooks/`` is touched.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..base.paths import EXPLORATIONS_DIR, NOTEBOOKS_DIR, PROJECT_ROOT

#: The Jupyter server configuration ``make lab`` gives (``--config``): it makes :func:`pre_save_hook` the hook.
LAB_CONFIG = PROJECT_ROOT / "config" / "jupyterlab" / "jupyter_server_config.py"

#: Cell metadata JupyterLab and the classic notebook write per session (nbstripout's list, used by the
#: pre-commit hook): never part of a committed notebook.
SESSION_CELL_METADATA = ("collapsed", "scrolled", "ExecuteTime", "execution", "heading_collapsed", "hidden")
#: Notebook metadata of the same kind.
SESSION_NOTEBOOK_METADATA = ("signature", "widgets")
#: Notebook metadata a kernel rewrites when it starts (its display name, its language's version): a session
#: keeps the committed ones.
KERNEL_METADATA = ("kernelspec", "language_info")


def strip_notebook(nb: dict, committed: dict | None = None) -> dict:
    """Strip ``nb`` (a notebook as a dict, nbformat 4) in place as it is committed, and return it.

    Outputs and execution counts are emptied, per-session metadata removed; sources, cell ids and tags (the
    ``parameters`` cell) are kept, as the pre-commit hook (``nbstripout --keep-id``) does. The kernel's details
    a session writes (``kernelspec``, ``language_info``) are those of ``committed`` (the notebook's metadata
    as it is on disk) when given; otherwise ``language_info`` is reduced to the language's name.
    """
    metadata = nb.setdefault("metadata", {})
    for key in SESSION_NOTEBOOK_METADATA:
        metadata.pop(key, None)
    if committed is not None:
        for key in KERNEL_METADATA:
            metadata.pop(key, None)
            if key in committed:
                metadata[key] = committed[key]
    elif isinstance(metadata.get("language_info"), dict):
        metadata["language_info"] = {"name": metadata["language_info"].get("name", "python")}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in SESSION_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return nb


def is_project_notebook(path: Path) -> bool:
    """Whether ``path`` is one of the project's notebooks (under ``notebooks/``, outside the explorations)."""
    path = Path(path).resolve()
    return (path.suffix == ".ipynb" and path.is_relative_to(NOTEBOOKS_DIR.resolve())
            and not path.is_relative_to(EXPLORATIONS_DIR.resolve()))


def _metadata_on_disk(path: Path) -> dict | None:
    """The notebook-level metadata of the file at ``path``; None for a new (or unreadable) notebook."""
    try:
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata")
    except (OSError, ValueError, AttributeError):
        return None
    return metadata if isinstance(metadata, dict) else None


def pre_save_hook(model: dict, path: str, contents_manager, **kwargs) -> None:
    """Jupyter server's pre-save hook: a project notebook is saved stripped; anything else as it is.

    ``path`` is the API path, relative to the server's root folder (``contents_manager.root_dir``).
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    file = Path(contents_manager.root_dir) / path.lstrip("/")
    if is_project_notebook(file):
        strip_notebook(model["content"], _metadata_on_disk(file))
