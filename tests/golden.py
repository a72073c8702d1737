"""Comparison of JSON summaries with their golden files: floats to 1e-9 relative (the last bits of an
estimate may move with the BLAS build), everything else exactly."""

from __future__ import annotations

import pytest


def assert_matches(actual, expected, path: str = "") -> None:
    if isinstance(actual, dict):
        assert isinstance(expected, dict) and set(actual) == set(expected), path
        for k in actual:
            assert_matches(actual[k], expected[k], f"{path}.{k}")
    elif isinstance(actual, list):
        assert isinstance(expected, list) and len(actual) == len(expected), path
        for i, (x, y) in enumerate(zip(actual, expected, strict=True)):
            assert_matches(x, y, f"{path}[{i}]")
    elif isinstance(actual, float) or isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9), path
    else:
        assert actual == expected, path
