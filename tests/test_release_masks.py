"""Speeding up the release must not change any mask (issue 16): the masks of the demo release and of a
generated network (territories across structures; exact, and linked by interval propagation) are those the
code of commit 394f9e7 gave (``tests/golden/release/``, written by ``python -m tests.release_masks``)."""

from __future__ import annotations

import json

import pytest

from tests.release_masks import CASES, GOLDEN, compute

pytestmark = pytest.mark.slow  # whole releases (about a minute in all)


@pytest.mark.parametrize("name", CASES)
def test_masks_are_those_of_the_reference_algorithm(name, tmp_path_factory):
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    actual = compute(name, tmp_path_factory.getbasetemp())
    assert actual["empreinte_donnees"] == expected["empreinte_donnees"], \
        "les données du cas ont changé (générateur modifié) : les masques de référence ne s'appliquent plus"
    assert actual["atomes"] == expected["atomes"] and actual["ajoutees"] == expected["ajoutees"]
    assert list(actual["perimetres"]) == list(expected["perimetres"])
    for perimeter, masks in expected["perimetres"].items():
        assert actual["perimetres"][perimeter] == masks, perimeter
