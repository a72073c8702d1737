"""Statistical secrecy (docs/domain.md §5): which counts may not be published.

A count of 1 to ``seuil - 1`` persons is disclosive; 0 is not (it reveals nobody). The default
threshold, 5, is the one the GIP de l'inclusion applies to its cohorts; 11 is the rule of fiscal
and health data, safer for vulnerable publics.
"""

from __future__ import annotations

import numpy as np

DEFAULT_THRESHOLD = 5  # persons
#: The lowest threshold a published brief accepts: the INSEE frequency rule (no cell built from fewer than
#: 3 units, docs/domain.md §5). A threshold of 1 masks nothing; 2 masks single persons only.
MINIMUM_THRESHOLD = 3  # persons


def small_cells(count, seuil: int = DEFAULT_THRESHOLD) -> np.ndarray:
    """Element-wise: 1 <= count < seuil (NaN: False)."""
    count = np.asarray(count, dtype=float)
    return (count >= 1) & (count < seuil)


def is_small(count, seuil: int = DEFAULT_THRESHOLD) -> bool:
    """True for a disclosive count: 1 <= count < seuil (0 is not disclosive and is published)."""
    return bool(small_cells(count, seuil))


def reveals_small(successes: float, n: float, seuil: int = DEFAULT_THRESHOLD) -> bool:
    """True when publishing a rate of ``successes`` out of ``n`` would reveal a small count: the
    persons with the outcome, or those without it, number 1 to ``seuil - 1``."""
    return is_small(successes, seuil) or is_small(n - successes, seuil)
