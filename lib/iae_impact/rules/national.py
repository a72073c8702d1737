"""National references (``references_nationales.csv``) and which one may stand beside which indicator
(``comparaisons.csv``): a reference of another definition, or of another dispositif, is never shown."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .tables import load_comparisons, load_national_references


def national_reference(indicateur: str, annee: int, dispositifs: Sequence[str]) -> dict | None:
    """The national figure to show beside ``indicateur`` for ``annee`` in a perimeter made of ``dispositifs``:
    the latest one published up to that year (targets have no year), provided ``comparaisons.csv`` lets it
    stand beside every one of these dispositifs (an all-IAE figure never stands beside an association
    intermédiaire's). None when no figure of a close definition and of the same dispositif exists."""
    rules = load_comparisons()
    wanted = set(dispositifs)
    fits = pd.Series([bool(wanted) and wanted <= set(d) for d in rules["dispositifs"]], index=rules.index)
    rule = rules[(rules["indicateur"] == indicateur) & fits]
    if rule.empty:
        return None
    rule = rule.iloc[0]
    refs = load_national_references()
    refs = refs[(refs["cle"] == rule["cle"]) & (refs["perimetre"] == rule["perimetre"])]
    if rule["comparabilite"] != "objectif":
        refs = refs[refs["annee"] <= annee]
    if refs.empty:
        return None
    ref = refs.sort_values("annee").iloc[-1]
    value = 1 - ref["valeur"] if rule["transformation"] == "complement" else ref["valeur"]
    return {"valeur": float(value), "annee": int(ref["annee"]), "comparabilite": rule["comparabilite"],
            "remarque": rule["remarque"], "source": ref["source"], "fiabilite": ref["fiabilite"],
            "perimetre": str(ref["perimetre"])}
