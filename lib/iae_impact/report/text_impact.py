"""French words around the impact estimates (:mod:`iae_impact.analysis.impact`): estimator labels, tables
for the notebooks, the sensitivity variants, diagnostic remarks."""

from __future__ import annotations

import pandas as pd

from ..analysis.impact import Diagnostics, ImpactResult
from ..base import fr
from ..rules.secrecy import DEFAULT_THRESHOLD
from .html import escape_markdown

#: French labels of the estimators, for tables and sentences.
METHOD_LABELS = {
    "difference": "Écart brut (différence de moyennes)",
    "regression": "Régression linéaire (ajustement sur les covariables)",
    "ipw": "Pondération par le score de propension (IPW)",
    "aipw": "Doublement robuste (AIPW)",
    "matching": "Appariement au plus proche voisin sur le score",
}
#: French labels of :data:`~iae_impact.analysis.impact.SENSITIVITY_VARIANTS`.
SENSITIVITY_LABELS = {
    "reference": "Spécification de référence",
    "troncature_0_1": "Troncature du score à [0,1 ; 0,9]",
    "troncature_0_2": "Troncature du score à [0,2 ; 0,8]",
    "age_en_tranches": "Âge en tranches (moins de 26 ans, 50 ans et plus)",
    "age_sans_carre": "Âge sans son carré",
    "sans_niveaux": "Sans les niveaux de formation",
    "sans_chomage": "Sans le chômage de longue durée",
    "score_reduit": "Score réduit (RSA, chômage de longue durée, niveaux) ; régression complète",
}


def results_table(results: dict[str, ImpactResult], scale: float = 1.0) -> pd.DataFrame:
    """One row per estimator: French label, estimate, standard error, 95 % interval, group sizes."""
    return pd.DataFrame([{"methode": m, "estimateur": METHOD_LABELS[m],
                          **{k: v for k, v in r.to_dict(scale).items() if k != "methode"}}
                         for m, r in results.items()])


def labelled_sensitivity(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`~iae_impact.analysis.impact.sensitivity` with each variant's French label in ``variante``."""
    return table.assign(variante=table["variante"].map(SENSITIVITY_LABELS))


def diagnostic_notes(diagnostics: Diagnostics) -> list[str]:
    """French remarks on an estimate's diagnostics: constant covariates left out, score not estimated."""
    notes = []
    if diagnostics.propensity_error:
        notes.append(f"score de propension non estimé ({diagnostics.propensity_error})")
    if diagnostics.dropped_covariates:
        notes.append("covariable(s) constante(s), écartée(s) du score de propension : "
                     + ", ".join(diagnostics.dropped_covariates))
    return notes


def _points(value: float, decimals: int = 1) -> str:
    return fr.format_number(value * 100, decimals)


def display_results(results: dict[str, ImpactResult], unit: str = "points") -> pd.DataFrame:
    """French table for a notebook: estimator, estimate, 95 % interval, group sizes.

    ``unit="points"``: a proportion shown in percentage points (10,4) ; ``unit="$"``: dollars (1 689 $).
    """
    def value(v: float) -> str:
        return _points(v) if unit == "points" else f"{fr.format_number(v)} $"

    rows = []
    for r in results.values():
        rows.append({"Estimateur": METHOD_LABELS[r.method], f"Estimation ({unit})": value(r.estimate),
                     "Intervalle à 95 %": f"[{value(r.ci[0])} ; {value(r.ci[1])}]",
                     "Erreur type": value(r.se), "Traités": fr.format_number(r.n_treated),
                     "Témoins": fr.format_number(r.n_control)})
    return pd.DataFrame(rows)




def display_nsw(table: pd.DataFrame) -> pd.DataFrame:
    """French view of :func:`~iae_impact.analysis.nsw.nsw_benchmark`: each estimate beside its published value, in dollars."""
    def dollars(v) -> str:
        return "—" if v is None or pd.isna(v) else f"{fr.format_number(v, 2)} $"

    return pd.DataFrame({
        "Estimateur": table["estimateur"],
        "Estimation": table["estimation"].map(dollars),
        "Erreur type": table["erreur_type"].map(dollars),
        "Valeur publiée": table["valeur_publiee"].map(dollars),
        "Erreur type publiée": table["erreur_type_publiee"].map(dollars),
        "Effectif": table["n"].map(fr.format_number),
        "Source": table["source"],
    })




# --------------------------------------------------------------------------- notebook 04


def _points_interval(low: float, high: float) -> str:
    return f"[{_points(low)} ; {_points(high)}]"


def secret_count(n: int, seuil: int = DEFAULT_THRESHOLD) -> str:
    """A count as a notebook shows it: « moins de 5 » for 1 to ``seuil - 1`` persons (secret statistique)."""
    return f"moins de {fr.format_number(seuil)}" if 0 < n < seuil else fr.format_number(n)


def describe_groups(structure: str | None, n_treated: int, n_control: int, dropped: int,
                    seuil: int = DEFAULT_THRESHOLD) -> str:
    """Who is compared: the treated with a follow-up, the comparison group, the rows left out (Markdown;
    the structure's name escaped; counts below ``seuil`` said « moins de 5 »)."""
    where = escape_markdown(structure) if structure else "toutes les structures"
    return (f"Périmètre : **{where}**. Personnes sorties d'un parcours salarié avec le "
            f"suivi de l'emploi à 6 mois : {secret_count(n_treated, seuil)} ; personnes orientées non embauchées "
            f"(groupe de comparaison) : {secret_count(n_control, seuil)}. Lignes écartées faute de profil complet : "
            f"{secret_count(dropped, seuil)}.")


IMPACT_HEADING = ("## Impact estimé sur l'emploi à 6 mois\n\n"
                  "Effet moyen sur les personnes embauchées (ATT), en points de pourcentage d'emploi à "
                  "6 mois, avec son intervalle de confiance à 95 % et les effectifs de chaque groupe.")


def describe_outcomes_only(n_treated: int, n_control: int, rate: float | None, low: float | None,
                           high: float | None, minimum: int, seuil: int = DEFAULT_THRESHOLD) -> str:
    """Without a comparison group large enough: the employment rate of the exits, said to be an outcome; counts
    below ``seuil`` said « moins de 5 », and no rate on fewer than ``seuil`` persons (secret statistique)."""
    if not n_treated:
        result = "Aucune sortie suivie sur ce périmètre."
    elif n_treated < seuil:
        result = (f"Taux d'emploi 6 mois après la sortie : non publié (moins de {fr.format_number(seuil)} "
                  "personnes suivies, secret statistique).")
    else:
        result = (f"Taux d'emploi 6 mois après la sortie : **{fr.format_rate(rate)}** "
                  f"(IC 95 % {fr.format_interval(low, high)}, {fr.format_number(n_treated)} personnes).")
    return ("## Résultats, sans groupe de comparaison\n\n"
            f"Le groupe de comparaison compte {secret_count(n_control, seuil)} personne(s) et les sorties suivies "
            f"{secret_count(n_treated, seuil)} : il en faut au moins {minimum} de chaque côté. "
            "**Sans groupe de comparaison, aucun impact ne peut être estimé** : le taux d'emploi à 6 mois "
            "ci-dessous décrit les personnes sorties, il ne dit pas ce qu'elles seraient devenues sans le parcours.\n\n"
            + result)


def describe_estimates(rate_treated: float, rate_control: float, naive: float, aipw: ImpactResult) -> str:
    """The raw gap beside the doubly robust estimate."""
    return (f"Taux d'emploi à 6 mois : {fr.format_rate(rate_treated)} chez les personnes embauchées, "
            f"{fr.format_rate(rate_control)} dans le groupe de comparaison, soit un écart brut de "
            f"{_points(naive)} points. À profil égal, l'estimation doublement robuste "
            f"de l'impact est de **{_points(aipw.estimate)} points** (IC 95 % {_points_interval(*aipw.ci)}). "
            "L'écart brut et les estimations ajustées diffèrent parce que les deux groupes n'ont pas le même profil.")


def describe_diagnostics(diagnostics: Diagnostics) -> str:
    """Overlap and the largest standardised difference left after weighting."""
    after = diagnostics.balance["dms_apres"].abs().max()
    return (f"Part des personnes dont le score sort de [0,1 ; 0,9] : {fr.format_rate(diagnostics.share_outside, 1)}. "
            f"Après pondération, la plus grande différence moyenne standardisée vaut {fr.format_number(after, 2)} "
            "(au-dessous de 0,1, l'équilibre est d'usage jugé satisfaisant).")


def overlap_display(diagnostics: Diagnostics) -> pd.DataFrame:
    """The propensity-score distribution of each group, French-formatted."""
    return fr.format_frame(diagnostics.overlap.rename(columns={"part_hors_0_1_0_9": "taux_hors_0_1_0_9"}),
                           decimals={c: 3 for c in ("min", "q05", "q25", "mediane", "q75", "q95", "max")})


SENSITIVITY_HEADING = ("### Sensibilité de l'impact estimé\n\n"
                       "Même estimation avec d'autres règles de troncature du score, d'autres covariables et une "
                       "autre spécification du score. Une troncature écarte des personnes traitées : elle change "
                       "la population sur laquelle l'effet est mesuré.")


def sensitivity_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`labelled_sensitivity` as a French table (points, intervals)."""
    return table.assign(
        methode=table["methode"].map(METHOD_LABELS),
        estimation=(table["estimation"] * 100).map(lambda v: fr.format_number(v, 1)),
        intervalle=[_points_interval(a, b) for a, b in zip(table["ic_bas"], table["ic_haut"], strict=True)],
    )[["variante", "methode", "estimation", "intervalle", "n_traites", "n_temoins"]]


def describe_sensitivity(table: pd.DataFrame) -> str:
    return (f"Selon la variante, l'estimation va de {_points(table['estimation'].min())} à "
            f"{_points(table['estimation'].max())} points.")


def describe_planted_effect(att: float, results: dict[str, ImpactResult]) -> str:
    """The effect planted in the fictional demo, and whether each interval contains it."""
    lines = [f"- {METHOD_LABELS[m]} : {_points(r.estimate)} points, intervalle {_points_interval(*r.ci)} — "
             + ("**contient** l'effet planté." if r.contains(att) else "**ne contient pas** l'effet planté.")
             for m, r in results.items()]
    return ("### Effet planté dans les données fictives\n\n"
            f"Les données de démonstration sont tirées d'un modèle connu (`data/demo/effet_plante.json`) : l'impact "
            f"réel du parcours sur les personnes de ce périmètre vaut **{_points(att)} points**. "
            "C'est la bonne réponse que chaque estimateur devrait retrouver :\n\n" + "\n".join(lines))


NSW_INTRODUCTION = (
    "## Référence de validation : NSW (LaLonde ; Dehejia et Wahba)\n\n"
    "Le National Supported Work (États-Unis, 1975-1977) proposait des emplois accompagnés de transition à des "
    "personnes éloignées de l'emploi, et il était tiré au sort : la différence entre les 185 bénéficiaires et les "
    "260 témoins tirés au sort donne l'effet réel. On remplace ensuite les témoins par un échantillon de "
    "l'enquête CPS (15 992 personnes, CPS-1) et l'on regarde ce que chaque méthode retrouve (revenus de 1978, "
    "dollars de 1982 ; données du paquet `causaldata`).")


def describe_nsw_range(table: pd.DataFrame) -> str:
    """How far apart the non-experimental estimates are, beside the experimental one."""
    experimental = table.set_index("cle").loc["experimental", "estimation"]
    others = table[table["cle"] != "experimental"]
    low, high = others.loc[others["estimation"].idxmin()], others.loc[others["estimation"].idxmax()]

    def name(row) -> str:
        return row["estimateur"][0].lower() + row["estimateur"][1:]

    return (f"Sur le même programme, l'effet estimé va de {fr.format_number(low['estimation'])} $ "
            f"({name(low)}) à {fr.format_number(high['estimation'])} $ ({name(high)}) "
            f"selon la méthode et la troncature, pour un effet expérimental de {fr.format_number(experimental)} $. "
            "Les méthodes ajustées se rapprochent de l'expérience mais s'écartent entre elles de plusieurs centaines "
            "de dollars ; la troncature à [0,1 ; 0,9] écarte des bénéficiaires et mesure donc l'effet sur une autre "
            "population. D'où la règle de ce carnet : plusieurs estimateurs côte à côte, avec leurs diagnostics.")


def describe_nsw_overlap(result: ImpactResult) -> str:
    return (f"Avec les témoins CPS, {fr.format_rate(result.diagnostics.share_outside, 1)} des personnes ont un "
            "score hors de [0,1 ; 0,9] : presque aucun témoin ne ressemble aux bénéficiaires, et tout repose sur "
            "une poignée d'entre eux.")


def nsw_record(table: pd.DataFrame) -> list[dict]:
    """The NSW benchmark for a JSON summary (NaN as None)."""
    columns = ["cle", "estimation", "erreur_type", "ic_bas", "ic_haut", "n", "valeur_publiee", "erreur_type_publiee",
               "ecart"]
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
            for rec in table[columns].to_dict(orient="records")]


# --------------------------------------------------------------------------- the briefs' estimates (notebook 04)


#: French names of the impact covariates, for tables.
COVARIATE_LABELS = {"age": "âge", "age2": "âge au carré", "femme": "femme", "rsa": "bénéficiaire du RSA",
                    "chomage_longue_duree": "inscrit depuis 12 mois ou plus", "niveau_infra_cap": "niveau inférieur au CAP",
                    "niveau_bac_ou_plus": "niveau bac ou plus", "qpv": "résidant en quartier prioritaire",
                    "rqth": "reconnaissance de travailleur handicapé"}

BRIEF_BALANCE_HEADING = ("## Les estimations des notes : équilibre et recouvrement\n\n"
                         "Pour chaque structure qui a un groupe de comparaison, l'estimation que sa note de l'année "
                         "montre (sorties jusqu'à cette année), avec les chiffres qui décident si la note peut dire "
                         "« au profil comparable » : toutes les différences moyennes standardisées après pondération "
                         "d'au plus 0,1 et au plus 5 % des personnes hors de [0,1 ; 0,9]. Sinon, la note ne donne pas "
                         "d'estimation et dit ce qui ne tient pas.")


def describe_brief_balance(structure: str, est: dict) -> str:
    """One structure's brief estimate and the verdict of the balance and overlap rules (Markdown; the name
    escaped)."""
    years = est.get("annees_sorties") or []
    verdict = ("**comparables** : la note donne l'estimation" if est["comparable"] else
               "**non comparables** : la note ne donne pas d'estimation")
    return (f"**{escape_markdown(structure)}** — sorties de {years[0] if years else '?'} à {years[-1] if years else '?'} : "
            f"{_points(est['estimate'])} points {_points_interval(est['ci_bas'], est['ci_haut'])} ; plus grande "
            f"différence standardisée après pondération {fr.format_number(est['dms_max'], 2)} ; "
            f"{fr.format_rate(est['part_hors_recouvrement'], 1)} des personnes hors de [0,1 ; 0,9] ; groupes {verdict}.")


def balance_display(est: dict) -> pd.DataFrame:
    """The balance table of a brief's estimate: each covariate before and after weighting, and whether it passes."""
    rows = [{"Covariable": COVARIATE_LABELS.get(b["covariable"], b["covariable"]),
             "Avant pondération": fr.format_number(b["dms_avant"], 2),
             "Après pondération": fr.format_number(b["dms_apres"], 2),
             "Règle (≤ 0,1)": "tenue" if abs(b["dms_apres"]) <= est["seuil_equilibre"] else "non tenue"}
            for b in est["equilibre"]]
    return pd.DataFrame(rows)
