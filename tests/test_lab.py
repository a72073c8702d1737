"""Issue 15.2: a JupyterLab session (``make lab``) leaves the project's notebooks as committed; the researcher's
explorations keep their outputs. The pre-save hook is tested here without a browser (the real session:
tests/test_jupyterlab.py)."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

from iae_impact.base.paths import EXPLORATIONS_DIR, NOTEBOOKS_DIR, PROJECT_ROOT
from iae_impact.run.lab import LAB_CONFIG, is_project_notebook, pre_save_hook, strip_notebook

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
#: What a kernel started by JupyterLab writes in a notebook's metadata.
SESSION_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
SESSION_LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                         "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                         "pygments_lexer": "ipython3", "version": "3.11.7"}


def session_notebook(path: Path) -> dict:
    """``path`` as a JupyterLab session sends it to the server on save: run, with outputs and session details."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["metadata"].update(kernelspec=SESSION_KERNELSPEC, language_info=SESSION_LANGUAGE_INFO)
    for n, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = n + 1
        cell["outputs"] = [
            {"output_type": "stream", "name": "stdout", "text": ["14 000 personnes\n"]},
            {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo=",
                                                                     "text/plain": ["<Figure>"]}},
            {"output_type": "execute_result", "execution_count": n + 1, "metadata": {},
             "data": {"text/plain": ["70 %"]}},
        ]
        cell["metadata"].update(execution={"iopub.status.idle": "2026-12-02T11:00:00Z"}, scrolled=True,
                                collapsed=False)
    return nb


def saved_text(content: dict) -> str:
    """The file Jupyter server writes for ``content`` (FileContentsManager._save_notebook)."""
    out = io.StringIO()
    nbformat.write(nbformat.from_dict(content), out, version=nbformat.NO_CONVERT)
    return out.getvalue()


def save(root: Path, path: str, content: dict) -> dict:
    model = {"type": "notebook", "format": "json", "content": content}
    pre_save_hook(model=model, path=path, contents_manager=SimpleNamespace(root_dir=str(root)))
    return model


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_saving_a_run_project_notebook_writes_the_committed_file(notebook):
    """``make lab`` serves notebooks/: whatever a session holds, the file written is the committed one, byte for
    byte (committed notebooks are in the form Jupyter writes)."""
    model = save(NOTEBOOKS_DIR, notebook.name, session_notebook(notebook))
    assert saved_text(model["content"]) == notebook.read_text(encoding="utf-8")


def test_a_session_keeps_sources_ids_tags_and_other_metadata():
    notebook = NOTEBOOKS_DIR / "02_indicateurs.ipynb"
    nb = session_notebook(notebook)
    nb["metadata"]["title_fr"] = "Indicateurs"  # a metadata the researcher writes is not session state
    nb["cells"][1]["source"] = ["annees = [2024]\n"]
    content = save(PROJECT_ROOT, f"notebooks/{notebook.name}", nb)["content"]  # served from the project's root
    committed = json.loads(notebook.read_text(encoding="utf-8"))
    assert content["metadata"] == {**committed["metadata"], "title_fr": "Indicateurs"}
    assert content["cells"][1]["source"] == ["annees = [2024]\n"]
    assert [c["id"] for c in content["cells"]] == [c["id"] for c in committed["cells"]]
    assert "parameters" in content["cells"][1]["metadata"]["tags"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in content["cells"]
               if c["cell_type"] == "code")


def test_explorations_and_notebooks_elsewhere_keep_their_outputs(tmp_path):
    run = session_notebook(NOTEBOOKS_DIR / "02_indicateurs.ipynb")
    for root, path in ((NOTEBOOKS_DIR, "explorations/mon_essai.ipynb"), (EXPLORATIONS_DIR, "mon_essai.ipynb"),
                       (PROJECT_ROOT, "notebooks/explorations/sous-dossier/essai.ipynb"), (tmp_path, "essai.ipynb"),
                       (PROJECT_ROOT, "essai.ipynb")):
        assert save(root, path, copy.deepcopy(run))["content"] == run, path
    text = {"type": "file", "format": "text", "content": "x"}
    pre_save_hook(model=text, path="notes.txt", contents_manager=SimpleNamespace(root_dir=str(NOTEBOOKS_DIR)))
    assert text["content"] == "x"


def test_a_new_project_notebook_is_saved_stripped_with_its_language_only(tmp_path, monkeypatch):
    import iae_impact.run.lab as lab

    monkeypatch.setattr(lab, "NOTEBOOKS_DIR", tmp_path)
    monkeypatch.setattr(lab, "EXPLORATIONS_DIR", tmp_path / "explorations")
    content = save(tmp_path, "nouveau.ipynb", session_notebook(NOTEBOOKS_DIR / "01_donnees.ipynb"))["content"]
    assert content["metadata"] == {"kernelspec": SESSION_KERNELSPEC, "language_info": {"name": "python"}}
    assert all(not c["outputs"] for c in content["cells"] if c["cell_type"] == "code")
    assert all(set(c["metadata"]) <= {"tags"} for c in content["cells"])


def test_is_project_notebook():
    assert is_project_notebook(NOTEBOOKS_DIR / "02_indicateurs.ipynb")
    assert is_project_notebook(NOTEBOOKS_DIR / "sous-dossier" / "x.ipynb")  # committed too (pre-commit: ^notebooks/)
    assert not is_project_notebook(EXPLORATIONS_DIR / "x.ipynb")
    assert not is_project_notebook(NOTEBOOKS_DIR / "notes.md")
    assert not is_project_notebook(PROJECT_ROOT / "x.ipynb")
    assert is_project_notebook(EXPLORATIONS_DIR / ".." / "02_indicateurs.ipynb")


@pytest.mark.slow
def test_strip_notebook_agrees_with_the_pre_commit_hook(tmp_path):
    """One notion of a stripped notebook: on cells and session metadata, the hook's stripping and the pre-commit
    hook's (nbstripout, as .pre-commit-config.yaml calls it) write the same notebook."""
    config = yaml.safe_load((PROJECT_ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hook = next(h for r in config["repos"] for h in r["hooks"] if h["id"] == "nbstripout")
    command = [str(Path(sys.executable).with_name("nbstripout")), *hook["entry"].split()[1:]]
    for notebook in NOTEBOOKS:
        nb = session_notebook(notebook)
        nb["metadata"].update(json.loads(notebook.read_text(encoding="utf-8"))["metadata"])  # kernel as committed
        nb["metadata"].update(signature="sha256:0", widgets={"state": {}})
        for cell in nb["cells"]:
            cell["metadata"].update(ExecuteTime={"end_time": "x"}, heading_collapsed=True, hidden=False)
        path = tmp_path / notebook.name
        path.write_text(json.dumps(nb), encoding="utf-8")
        subprocess.run([*command, str(path)], check=True)
        assert json.loads(path.read_text(encoding="utf-8")) == strip_notebook(nb), notebook.name


def test_make_lab_uses_the_project_config_and_creates_the_explorations_folder():
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    lines = recipe.group(1)
    assert f"--config={LAB_CONFIG.relative_to(PROJECT_ROOT)} notebooks" in lines
    assert f"mkdir -p {EXPLORATIONS_DIR.relative_to(PROJECT_ROOT)}" in lines
    assert "pip install --quiet -e '.[lab]'" in lines


def test_the_lab_config_wires_the_hook_and_pins_blas_threads():
    """Read as Jupyter reads it (traitlets), in a fresh process: the hook is the package's, and the server's
    environment (which every kernel inherits) has one BLAS thread."""
    code = ("import os, sys; from traitlets.config.loader import PyFileConfigLoader; "
            "c = PyFileConfigLoader(sys.argv[1]).load_config(); "
            "print(c.ContentsManager.pre_save_hook, os.environ['OMP_NUM_THREADS'], os.environ['OPENBLAS_NUM_THREADS'])")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code, str(LAB_CONFIG)], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["iae_impact.run.lab.pre_save_hook", "1", "1"]
    from traitlets.utils.importstring import import_item

    assert import_item(out[0]) is pre_save_hook


def test_explorations_are_ignored_by_git_and_by_pytest(pytestconfig):
    ignored = subprocess.run(["git", "check-ignore", "-q", "notebooks/explorations/essai.ipynb"], cwd=PROJECT_ROOT)
    assert ignored.returncode == 0
    assert subprocess.run(["git", "check-ignore", "-q", "notebooks/02_indicateurs.ipynb"],
                          cwd=PROJECT_ROOT).returncode == 1
    assert "explorations" in pytestconfig.getini("norecursedirs")
