"""French sentences from the comparison statistics (:mod:`iae_impact.analysis.stats`): homogeneity test,
risk-adjusted comparison, trends, a perimeter against its expected rate."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..analysis.stats import MIN_N
from ..base import fr

OUTCOME_LABELS = {"sortie_dynamique": "le taux de sorties dynamiques", "emploi_durable": "le taux d'emploi durable"}
#: The outcome in a table's « Issue » column.
OUTCOME_NAMES = {"sortie_dynamique": "sorties dynamiques", "emploi_durable": "emploi durable"}
#: Why a trend could not be estimated (``raison`` of :func:`~iae_impact.analysis.stats.trend_odds_ratio`).
TREND_REASONS = {
    "aucune_sortie": "aucune sortie examinée : pas de tendance calculable.",
    "une_seule_annee": "une seule année ({first_year}) : pas de tendance calculable.",
    "issue_constante": "toutes les sorties ont la même issue : pas de tendance calculable.",
    "separation": ("séparation parfaite : l'année suffit à prédire l'issue (effectifs trop faibles ou issues trop "
                   "tranchées) ; pas de rapport de cotes estimable."),
}


def trend_note(trend: dict) -> str | None:
    """Why no odds ratio could be estimated, in French (None when one was)."""
    code = trend.get("raison")
    return None if code is None else TREND_REASONS[code].format(**trend)


def trend_record(trend: dict) -> dict:
    """A trend result for a JSON summary: the reason code replaced by its French note."""
    out = {k: v for k, v in trend.items() if k != "raison"}
    out["note"] = trend_note(trend)
    return out


def homogeneity_warning(result: dict) -> str | None:
    """What makes the chi-square test fragile or impossible, in French (None when nothing does)."""
    code = result.get("raison")
    if code == "moins_de_deux_groupes":
        return "moins de deux groupes ou une seule issue observée : pas de test possible."
    if code == "effectifs_attendus_faibles":
        below = result["cells_expected_below_5"]
        return (f"{below} case{'s' if below > 1 else ''} sur {result['cells']} ont un effectif attendu inférieur "
                "à 5 : l'approximation du khi-deux est fragile (p-valeur par simulation donnée à côté).")
    return None


def homogeneity_record(result: dict) -> dict:
    """A homogeneity test for a JSON summary: the reason code replaced by its French warning."""
    out = {k: v for k, v in result.items() if k not in ("raison", "cells")}
    out["warning"] = homogeneity_warning(result)
    return out



def _p_text(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {fr.format_number(p, 3)}"


def _ratio_text(ratio: float, low: float, high: float) -> str:
    return f"{fr.format_number(ratio, 2)}, IC 95 % [{fr.format_number(low, 2)} ; {fr.format_number(high, 2)}]"


def describe_homogeneity(result: dict, groups_word: str = "sites") -> str:
    """One French sentence from :func:`~iae_impact.analysis.stats.homogeneity_test`."""
    warning = homogeneity_warning(result)
    if not np.isfinite(result.get("p_value", np.nan)):
        return f"Pas de test d'homogénéité : {warning or 'données insuffisantes.'}"
    stat = (f"khi-deux = {fr.format_number(result['statistic'], 1)} ; {result['dof']} degré"
            f"{'s' if result['dof'] > 1 else ''} de liberté ; {_p_text(result['p_value'])}")
    p = result["p_value_monte_carlo"] if result.get("p_value_monte_carlo") is not None else result["p_value"]
    if p < 0.05:
        text = f"Les taux bruts diffèrent entre les {groups_word} plus que le hasard ne l'expliquerait ({stat})."
    else:
        text = f"Les écarts de taux bruts entre les {groups_word} restent compatibles avec le hasard ({stat})."
    if warning:
        text += f" Attention : {warning} Par simulation : {_p_text(result['p_value_monte_carlo'])}."
    return text


def describe_comparison(comparison: pd.DataFrame, group_word: str = "site") -> list[str]:
    """French sentences from :func:`~iae_impact.analysis.stats.risk_adjusted_comparison`: who lies outside the funnel limits,
    who has no comparator, which groups are small, how many exits were left out."""
    model = comparison.attrs.get("model", {})
    group = model.get("group") or comparison.columns[0]
    ok = comparison[~comparison["no_comparator"]]
    sentences = []
    if len(ok) < 2:
        sentences.append(f"Moins de deux {group_word}s comparables à dispositif égal : pas de comparaison ajustée.")
    else:
        outside = ok[ok["funnel_95"] != 0]
        if outside.empty:
            sentences.append(f"Aucun {group_word} ne sort des limites à 95 % : compte tenu du profil des personnes, "
                             "les écarts observés restent compatibles avec le hasard.")
        for r in outside.itertuples(index=False):
            side = "au-dessus de la limite haute" if r.funnel_95 > 0 else "en dessous de la limite basse"
            level = "99,8 %" if r.funnel_998 != 0 else "95 %"
            sentences.append(
                f"{getattr(r, group)} est {side} à {level} : {fr.format_number(r.observed)} sorties dynamiques "
                f"observées sur {fr.format_number(r.n)} pour {fr.format_number(r.expected, 1)} attendues, "
                f"rapport observé/attendu {_ratio_text(r.oe_ratio, r.oe_low, r.oe_high)}.")
    alone = comparison[comparison["no_comparator"]]
    if len(alone):
        names = ", ".join(str(x) for x in alone[group])
        sentences.append(f"Sans point de comparaison (seul de son dispositif) : {names} ; son rapport observé/attendu "
                         "vaut 1 par construction et ne se lit pas.")
    small = ok[ok["small_n"]]
    if len(small):
        names = ", ".join(f"{x} ({fr.format_number(n)} sorties)" for x, n in zip(small[group], small["n"], strict=True))
        sentences.append(f"Effectifs faibles (moins de {MIN_N} sorties examinées) : {names} ; position fragile.")
    if model.get("n_excluded"):
        sentences.append(f"{fr.format_number(model['n_excluded'])} sorties au profil incomplet sont écartées du modèle.")
    return sentences


def describe_trend(trend: dict, subject: str | None = None) -> str:
    """One French sentence from :func:`~iae_impact.analysis.stats.trend_odds_ratio`."""
    subject = subject or OUTCOME_LABELS.get(trend.get("outcome"), "le taux")
    span = (f"De {trend['first_year']} à {trend['last_year']}" if trend.get("first_year") is not None
            else "Sur la période")
    if not np.isfinite(trend.get("odds_ratio", np.nan)):
        return f"{span}, {subject} : {trend_note(trend) or 'pas de tendance calculable.'}"
    where = "à site égal, " if trend.get("site_effects") else ""
    count = "effectif non publié (secret statistique)" if trend.get("n") is None else \
        f"{fr.format_number(trend['n'])} sorties"
    detail = f"rapport de cotes annuel {_ratio_text(trend['odds_ratio'], trend['ci_low'], trend['ci_high'])}, {count}"
    if trend["ci_low"] > 1:
        return f"{span}, {subject} augmente : {where}la cote est multipliée par {fr.format_number(trend['odds_ratio'], 2)} chaque année ({detail})."
    if trend["ci_high"] < 1:
        return f"{span}, {subject} diminue : {where}la cote est multipliée par {fr.format_number(trend['odds_ratio'], 2)} chaque année ({detail})."
    return f"{span}, {subject} ne montre pas d'évolution nette ({where}{detail})."


def describe_perimeter(result: dict | None, label: str = "le périmètre") -> str | None:
    """One French sentence for a brief from :func:`~iae_impact.analysis.stats.perimeter_vs_expected` (None when there is no result)."""
    if result is None:
        return None
    years = result["years"]
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    if result["oe_low"] > 1:
        verdict = "mieux qu'attendu, au-delà de ce que le hasard expliquerait"
    elif result["oe_high"] < 1:
        verdict = "moins bien qu'attendu, au-delà de ce que le hasard expliquerait"
    else:
        verdict = "un écart à l'attendu compatible avec le hasard"
    return (f"Sur {span}, compte tenu du profil des personnes embauchées, le taux de sorties dynamiques attendu "
            f"pour {label} était de {fr.format_rate(result['expected_rate'])} ; il a été de "
            f"{fr.format_rate(result['observed_rate'])} sur {fr.format_number(result['n'])} sorties examinées "
            f"(rapport observé/attendu {_ratio_text(result['oe_ratio'], result['oe_low'], result['oe_high'])}) : "
            f"{verdict}.")


# --------------------------------------------------------------------------- notebook 03

SMALL_SITE_YEAR = 10  # exits: below, a yearly rate per site rests on very few persons


def describe_exits(exits: pd.DataFrame) -> str:
    """How many examined exits, over which years and sites, and how many site × year cells are small."""
    per_site_year = exits.groupby(["site", "annee"]).size()
    small = int((per_site_year < SMALL_SITE_YEAR).sum())
    n_sites = exits["site"].nunique()
    text = (f"{fr.format_number(len(exits))} sorties examinées de {exits['annee'].min()} à "
            f"{exits['annee'].max()}, sur {n_sites} site{'s' if n_sites > 1 else ''}. ")
    if small:
        return text + (f"{small} des {len(per_site_year)} couples site × année comptent moins de {SMALL_SITE_YEAR} "
                       "sorties : un taux annuel par site repose sur très peu de personnes, d'où les comparaisons "
                       "toutes années réunies ci-dessous.")
    return text + f"Chaque couple site × année compte au moins {SMALL_SITE_YEAR} sorties."


def describe_homogeneities(tests: dict) -> list[str]:
    """Sentences for :func:`~iae_impact.analysis.stats.homogeneity_by_dispositif`."""
    if tests["tous_sites"] is None:
        return ["Un seul site sur ce périmètre : pas de comparaison entre sites."]
    texts = [describe_homogeneity(tests["tous_sites"])]
    texts += [describe_homogeneity(test, groups_word=f"sites {dispositif}")
              for dispositif, test in tests["par_dispositif"].items()]
    return texts


def homogeneities_record(tests: dict) -> dict:
    """:func:`~iae_impact.analysis.stats.homogeneity_by_dispositif` for a JSON summary (French warnings)."""
    return {"tous_sites": None if tests["tous_sites"] is None else homogeneity_record(tests["tous_sites"]),
            "par_dispositif": {d: homogeneity_record(t) for d, t in tests["par_dispositif"].items()}}


def funnel_position(no_comparator: bool, funnel_95: int, funnel_998: int) -> str:
    """Where a group lies on the funnel plot, in French."""
    if no_comparator:
        return "sans comparaison"
    if funnel_998:
        return ("au-dessus" if funnel_998 > 0 else "en dessous") + " des limites à 99,8 %"
    if funnel_95:
        return ("au-dessus" if funnel_95 > 0 else "en dessous") + " des limites à 95 %"
    return "dans les limites"


def describe_model(comparison: pd.DataFrame) -> str:
    """The adjustment model of a comparison in one line."""
    model = comparison.attrs["model"]
    return (f"Modèle : `{model['formula']}` — {fr.format_number(model['n'])} sorties, "
            f"{fr.format_number(model['n_excluded'])} écartées faute de profil complet ; taux d'ensemble "
            f"des sites comparables {fr.format_rate(model['reference_rate'])}.")


def comparison_display(comparison: pd.DataFrame) -> pd.DataFrame:
    """The per-site comparison as a French table (formatted numbers, position on the funnel plot)."""
    table = pd.DataFrame({
        "site": comparison["site"],
        "sorties_examinees": comparison["n"],
        "effectif": comparison["small_n"].map({True: f"faible (< {MIN_N})", False: ""}),
        "observees": comparison["observed"],
        "attendues": comparison["expected"],
        "taux_observe": comparison["observed_rate"],
        "taux_attendu": comparison["expected_rate"],
        "rapport_observe_attendu": comparison["oe_ratio"],
        "ic_bas": comparison["oe_low"],
        "ic_haut": comparison["oe_high"],
        "taux_ajuste": comparison["adjusted_rate"],
        "position": [funnel_position(r.no_comparator, r.funnel_95, r.funnel_998) for r in comparison.itertuples()],
    })
    return fr.format_frame(table, decimals={"attendues": 1, "rapport_observe_attendu": 2, "ic_bas": 2, "ic_haut": 2})


def trends_display(trends: dict) -> pd.DataFrame:
    """:func:`~iae_impact.analysis.stats.trends` as a French table, one row per perimeter and outcome."""
    rows = []
    for outcome, trend in trends["ensemble"].items():
        rows.append({"perimetre": "Ensemble", **trend_record(trend)})
        for name, per_outcome in trends["par_structure"].items():
            rows.append({"perimetre": name, **trend_record(per_outcome[outcome])})
    table = pd.DataFrame(rows).rename(columns={
        "outcome": "issue", "odds_ratio": "rapport_de_cotes", "ci_low": "ic_bas", "ci_high": "ic_haut",
        "p_value": "p_valeur", "n": "sorties", "first_year": "de", "last_year": "a", "site_effects": "effet_site"})
    table["periode"] = [f"{d}-{a}" if d is not None else "" for d, a in zip(table["de"], table["a"], strict=True)]
    table["effet_site"] = table["effet_site"].map({True: "oui", False: "non"})
    table["issue"] = table["issue"].map(lambda o: OUTCOME_NAMES.get(o, o))
    table["note"] = table["note"].fillna("")
    return fr.format_frame(table[["perimetre", "issue", "periode", "sorties", "effet_site", "rapport_de_cotes",
                                  "ic_bas", "ic_haut", "p_valeur", "note"]],
                           decimals={"rapport_de_cotes": 2, "ic_bas": 2, "ic_haut": 2, "p_valeur": 3})


def describe_trends(trends: dict) -> list[str]:
    """One sentence per outcome for all exits and, with several structures, per structure."""
    texts = []
    for outcome, trend in trends["ensemble"].items():
        texts.append(describe_trend(trend))
        if len(trends["par_structure"]) > 1:
            for name, per_outcome in trends["par_structure"].items():
                text = describe_trend(per_outcome[outcome])
                texts.append(f"{name} : {text[0].lower()}{text[1:]}")
    return texts


def trends_record(trends: dict) -> dict:
    """:func:`~iae_impact.analysis.stats.trends` for a JSON summary (French notes)."""
    return {"ensemble": {o: trend_record(t) for o, t in trends["ensemble"].items()},
            "par_structure": {s: {o: trend_record(t) for o, t in per.items()}
                              for s, per in trends["par_structure"].items()}}


def comparison_record(comparison: pd.DataFrame) -> dict:
    """A risk-adjusted comparison for a JSON summary: model, groups, who lies outside the limits."""
    records = [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
               for row in comparison.to_dict(orient="records")]
    return {
        "modele": comparison.attrs["model"],
        "groupes": records,
        "hors_limites_95": comparison.loc[comparison["funnel_95"] != 0, "site"].tolist(),
        "hors_limites_998": comparison.loc[comparison["funnel_998"] != 0, "site"].tolist(),
        "sans_comparaison": comparison.loc[comparison["no_comparator"], "site"].tolist(),
    }


def pooled_masked_sentence(sites: Sequence[str], seuil: int) -> str:
    """Why some sites have no figure « toutes années réunies » (secret statistique)."""
    names = ", ".join(sites)
    return (f"Chiffres toutes années réunies non publiés pour {names} : avec les cellules annuelles publiées, ils "
            f"permettraient de retrouver une cellule masquée (moins de {seuil} sorties ; secret statistique). "
            "Ces sites restent dans les tests et le modèle, qui ne publient aucun effectif par site.")
