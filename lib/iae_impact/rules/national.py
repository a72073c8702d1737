"""National references (``references_nationales.csv``) and which one may stand beside which indicator
(``comparaisons.csv``): a reference of another definition is never shown."""

from __future__ import annotations

from .tables import load_comparisons, load_national_references


def national_reference(indicateur: str, annee: int) -> dict | None:
    """The national figure to show beside ``indicateur`` for ``annee``: the latest one published
    up to that year (targets have no year). None when no figure of a close definition exists."""
    rules = load_comparisons()
    rule = rules[rules["indicateur"] == indicateur]
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
            "remarque": rule["remarque"], "source": ref["source"], "fiabilite": ref["fiabilite"]}
