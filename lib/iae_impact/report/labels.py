"""Short French labels shared by the notebooks and the briefs."""

from __future__ import annotations

from collections.abc import Sequence


def perimeter_label(structure: str | None, sites: Sequence[str] | None) -> str:
    """« Structure — site, site », « site, site », « Structure », or « Ensemble des structures »."""
    if sites and structure:
        return f"{structure} — {', '.join(sites)}"
    if sites:
        return ", ".join(sites)
    return structure or "Ensemble des structures"
