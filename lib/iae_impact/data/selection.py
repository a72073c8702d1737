"""Parts of a dataset: a perimeter (one structure, some sites), and whether the data are the fictional demo."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..base.errors import ParametresInvalides
from .model import Dataset


def is_fictional(dataset: Dataset) -> bool:
    """True for the fictional demo: every file read is one ``iae-impact demo`` wrote, unchanged (its marker
    lists them with their checksum). A structure's name never decides it, whatever words it holds."""
    return bool(dataset.fictif)


#: How many names a message lists before « … ».
NAMES_SHOWN = 30


def known_names(what: str, names) -> str:
    """« structures des données : A, B » — the names the data hold, for a message about an unknown one."""
    unique = sorted({str(n) for n in names if n is not None and not (isinstance(n, float) and pd.isna(n))})
    if not unique:
        return f"aucun nom de {what} dans les données"
    shown = ", ".join(unique[:NAMES_SHOWN]) + (f" … ({len(unique)} en tout)" if len(unique) > NAMES_SHOWN else "")
    return f"{what} des données : {shown}"


def select_perimeter(dataset: Dataset, structure: str | None = None,
                     sites: Sequence[str] | None = None) -> Dataset:
    """The dataset restricted to one structure and/or a list of sites (hours follow their parcours)."""
    p = dataset.parcours
    keep = pd.Series(True, index=p.index)
    if structure is not None:
        if structure not in set(p["structure"]):
            raise ParametresInvalides(f"structure inconnue : {structure} ({known_names('structures', p['structure'])})")
        keep &= p["structure"].eq(structure)
    if sites:
        unknown = sorted(set(sites) - set(p.loc[keep, "site"]))
        if unknown:
            raise ParametresInvalides(f"site(s) inconnu(s) : {', '.join(unknown)} ("
                             + known_names("sites" + (" de cette structure" if structure else ""), p.loc[keep, "site"])
                             + ")")
        keep &= p["site"].isin(list(sites))
    p = p[keep]
    h = dataset.heures
    return Dataset(
        parcours=p,
        heures=None if h is None else h[h["id_parcours"].isin(p["id_parcours"])],
        conventions=dataset.conventions, sites=dataset.sites, candidats=dataset.candidats,
        source=dataset.source, empreintes=dataset.empreintes, bilan=dataset.bilan,
        avertissements=dataset.avertissements, fictif=dataset.fictif, ensemble=dataset.ensemble or dataset,
        categories_motifs=dataset.categories_motifs, source_motifs=dataset.source_motifs,
        premiere_annee=dataset.premiere_annee,
    )
