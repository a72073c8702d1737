"""The package's layers import downward only (import-linter's contracts in pyproject.toml), and no module
imports the package's own modules inside a function without saying why."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from iae_impact.base.paths import PACKAGE_DIR, PROJECT_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(package_parent: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(PROJECT_ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_layer_contracts_are_kept():
    done = _lint(PACKAGE_DIR.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    copy = tmp_path / "iae_impact"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    tables = copy / "rules" / "tables.py"
    tables.write_text(tables.read_text(encoding="utf-8") + "\nfrom ..report import brief  # noqa\n", encoding="utf-8")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "iae_impact.rules.tables -> iae_impact.report.brief" in done.stdout, done.stdout


def _own_imports_in_functions(source: str, module: str) -> list[str]:
    """Function-level imports of the package's own modules, unless their line carries a comment."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            own = (isinstance(inner, ast.ImportFrom) and (inner.level > 0 or (inner.module or "").startswith("iae_impact"))
                   or isinstance(inner, ast.Import) and any(a.name.startswith("iae_impact") for a in inner.names))
            if own and "#" not in lines[inner.lineno - 1]:
                found.append(f"{module}:{inner.lineno}")
    return found


def test_no_function_level_import_of_the_package_without_a_reason():
    found = [hit for path in sorted(PACKAGE_DIR.rglob("*.py"))
             for hit in _own_imports_in_functions(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE_DIR)))]
    assert not found, found


def test_the_function_level_check_sees_a_hidden_import():
    hidden = "def f():\n    from .report import brief\n    return brief\n"
    explained = "def f():\n    from .report import brief  # heavy: matplotlib\n    return brief\n"
    assert _own_imports_in_functions(hidden, "m") == ["m:2"] and _own_imports_in_functions(explained, "m") == []
