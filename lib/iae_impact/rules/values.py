"""Accepted spellings of coded values in users' exports (yes/no, sex, France Travail registration
duration), each mapped to the one value the package uses. Matching is on folded text
(:func:`iae_impact.base.text.fold`)."""

from __future__ import annotations

import re

from ..base.text import fold

BOOLEAN_SPELLINGS = {"oui": True, "o": True, "yes": True, "y": True, "vrai": True, "true": True, "1": True, "x": True,
                     "non": False, "n": False, "no": False, "faux": False, "false": False, "0": False}
SEX_SPELLINGS = {"f": "F", "femme": "F", "mme": "F", "madame": "F", "2": "F", "feminin": "F",
                 "m": "M", "h": "M", "homme": "M", "monsieur": "M", "1": "M", "masculin": "M", "m.": "M", "mr": "M"}
DURATION_SPELLINGS = {"non inscrit": "non inscrit", "non": "non inscrit", "0": "non inscrit",
                      "moins de 6 mois": "moins de 6 mois", "01": "moins de 6 mois", "1": "moins de 6 mois",
                      "< 6 mois": "moins de 6 mois", "6 a 11 mois": "6 à 11 mois", "de 6 a 11 mois": "6 à 11 mois",
                      "02": "6 à 11 mois", "2": "6 à 11 mois", "12 a 23 mois": "12 à 23 mois",
                      "de 12 a 23 mois": "12 à 23 mois", "03": "12 à 23 mois", "3": "12 à 23 mois",
                      "24 mois et plus": "24 mois et plus", "04": "24 mois et plus", "4": "24 mois et plus",
                      "plus de 24 mois": "24 mois et plus"}


def duration_category(text: str) -> str | None:
    folded = fold(text)
    if folded in DURATION_SPELLINGS:
        return DURATION_SPELLINGS[folded]
    months = re.fullmatch(r"(\d+)(?:[.,]\d+)?\s*(?:mois)?", folded)
    if months:
        m = int(months.group(1))
        return ("non inscrit" if m == 0 else "moins de 6 mois" if m < 6 else "6 à 11 mois" if m < 12
                else "12 à 23 mois" if m < 24 else "24 mois et plus")
    return None


def boolean_value(text: str) -> bool | None:
    """``True``/``False`` for an accepted yes/no spelling, None otherwise."""
    return BOOLEAN_SPELLINGS.get(fold(text))


def sex_value(text: str) -> str | None:
    """``F`` or ``M`` for an accepted spelling, None otherwise (empty text: None)."""
    return SEX_SPELLINGS.get(fold(text)) if text else None
