"""Parts of a dataset: a perimeter (one structure, some sites), and whether the data are the fictional demo."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .model import Dataset

FICTIONAL_MARK = "fictif"


def is_fictional(dataset: Dataset) -> bool:
    """True for the embedded demo: its structure names say they are fictional."""
    return bool(dataset.parcours["structure"].str.lower().str.contains(FICTIONAL_MARK).any())


def select_perimeter(dataset: Dataset, structure: str | None = None,
                     sites: Sequence[str] | None = None) -> Dataset:
    """The dataset restricted to one structure and/or a list of sites (hours follow their parcours)."""
    p = dataset.parcours
    keep = pd.Series(True, index=p.index)
    if structure is not None:
        if structure not in set(p["structure"]):
            raise ValueError(f"structure inconnue : {structure}")
        keep &= p["structure"].eq(structure)
    if sites:
        unknown = sorted(set(sites) - set(p["site"]))
        if unknown:
            raise ValueError(f"site(s) inconnu(s) : {', '.join(unknown)}")
        keep &= p["site"].isin(list(sites))
    p = p[keep]
    h = dataset.heures
    return Dataset(
        parcours=p,
        heures=None if h is None else h[h["id_parcours"].isin(p["id_parcours"])],
        conventions=dataset.conventions, sites=dataset.sites, candidats=dataset.candidats,
        source=dataset.source, empreintes=dataset.empreintes, bilan=dataset.bilan,
        avertissements=dataset.avertissements, ensemble=dataset.ensemble or dataset,
    )
