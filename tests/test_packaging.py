"""The promises the repository makes to a new user: dependencies in sync, lib/ tracked, notebooks stripped."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from iae_impact.base.paths import PROJECT_ROOT


def _name_spec(requirement: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*)$", requirement)
    return m.group(1).lower().replace("_", "-"), m.group(3).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_name_spec(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    conda = dict(_name_spec(d) for d in env["dependencies"] if isinstance(d, str))
    conda.pop("pip", None)
    pip = next((d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d), [])
    conda |= dict(_name_spec(d) for d in pip if not d.startswith("-e"))  # PyPI-only packages
    assert conda.pop("python") == ">=" + project["requires-python"].removeprefix(">=")
    assert conda == wanted


def test_jupyterlab_stays_out_of_the_run_environment():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    names = {_name_spec(r)[0] for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    assert "jupyterlab" not in names
    assert "jupyterlab" in {_name_spec(r)[0] for r in project["optional-dependencies"]["lab"]}


def test_lib_is_not_ignored_and_user_data_is():
    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", path], cwd=PROJECT_ROOT).returncode == 0

    assert not ignored("lib/iae_impact/__init__.py")
    assert ignored("data/raw/export.xlsx")
    assert ignored("reports/notes/index.html")


def test_no_user_data_is_tracked():
    tracked = subprocess.run(["git", "ls-files", "data/raw"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    assert tracked == []


def test_notebooks_are_committed_without_outputs():
    for nb in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), nb.name
        assert any("parameters" in c["metadata"].get("tags", []) for c in code), nb.name


@pytest.mark.slow
def test_the_pre_commit_stripping_keeps_parameters_and_leaves_committed_notebooks_unchanged(tmp_path):
    """The nbstripout hook of .pre-commit-config.yaml removes outputs and counts, keeps the ``parameters`` tag
    and the cell ids, and finds nothing to change in the committed notebooks."""
    config = yaml.safe_load((PROJECT_ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hook = next(h for r in config["repos"] for h in r["hooks"] if h["id"] == "nbstripout")
    command = [str(Path(sys.executable).with_name("nbstripout")), *hook["entry"].split()[1:]]
    for nb in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        copy = tmp_path / nb.name
        shutil.copy(nb, copy)
        subprocess.run([*command, str(copy)], check=True)
        assert copy.read_bytes() == nb.read_bytes(), nb.name
    dirty = json.loads((PROJECT_ROOT / "notebooks" / "02_indicateurs.ipynb").read_text(encoding="utf-8"))
    for cell in dirty["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["x\n"]}]
            cell["execution_count"] = 3
    path = tmp_path / "sale.ipynb"
    path.write_text(json.dumps(dirty), encoding="utf-8")
    subprocess.run([*command, str(path)], check=True)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in cells if c["cell_type"] == "code")
    assert "parameters" in cells[1]["metadata"]["tags"]


def test_importing_the_package_pins_blas_threads_unless_set():
    code = "import os, iae_impact, numpy; print(os.environ['OMP_NUM_THREADS'], os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.split() == ["1", "1"]
    env["OMP_NUM_THREADS"] = "4"
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.split() == ["4", "1"]
