"""The promises the repository makes to a new user: dependencies in sync, lib/ tracked, notebooks stripped."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

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
