"""Years the package accepts (data, notebook parameters, briefs)."""

from __future__ import annotations

#: Earliest and latest year of an activity, an annexe financière or a brief (IAE in its current form
#: dates from the 1990s; later years would be typing errors).
YEAR_MIN = 1990
YEAR_MAX = 2100
