"""Folding of free text for matching (headers, labels, codes): one definition for the whole package."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[_\-./]+")


def fold(text: object, separators: bool = False) -> str:
    """Fold a label for matching: no accents, lower case, plain apostrophes, single spaces.

    ``separators=True`` also turns ``_ - . /`` into spaces (column headers: « Date_entrée »,
    « date-entree » and « Date d'entrée » fold alike); labels and codes keep them.
    """
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("\u2019", "'").replace("\u00a0", " ").lower()
    if separators:
        s = _SEPARATORS.sub(" ", s)
    return " ".join(s.split())
