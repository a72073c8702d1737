"""Outputs are written atomically: a failure leaves the previous files and no temporary file."""

from __future__ import annotations

import json
import math

import pytest

from iae_impact.base.outputs import atomic_directory, write_json


def test_atomic_directory_publishes_only_on_success(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("1")
    assert (target / "a.txt").read_text() == "1"
    with pytest.raises(RuntimeError), atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("2")
        (tmp / "b.txt").write_text("2")
        raise RuntimeError("panne")
    assert (target / "a.txt").read_text() == "1" and not (target / "b.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_json_summaries_are_sorted_and_nan_becomes_null(tmp_path):
    path = write_json(tmp_path / "r.json", {"b": math.nan, "a": [1, 2.5], "é": "70 %"})
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == {"a": [1, 2.5], "b": None, "é": "70 %"}
    assert text.index('"a"') < text.index('"b"') and "NaN" not in text
