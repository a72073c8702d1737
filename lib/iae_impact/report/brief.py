"""Content of the two-page advocacy brief: French sentences, tables and charts generated from the brief's
context (:mod:`iae_impact.report.context`: indicators computed once and masked once). The notebook
``10_note_elus`` only calls these functions.

Every number a reader sees comes from the masked table: a masked cell is replaced by a phrase, never
printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis.disclosure import Suppression
from ..base.fr import format_interval, format_number, format_rate
from ..base.version import __version__
from ..rules.dispositifs import dispositif_label
from ..rules.exits import default_exit_rule, examination_rules, exit_rule_variants
from ..rules.national import national_reference
from ..rules.secrecy import reveals_small
from . import charts
from .context import BriefContext
from .html import escape
from .text_stats import describe_perimeter

MASKED = "non publié"
CATEGORY_ROWS = [
    ("emploi_durable", "Emploi durable", "CDI, CDD ou intérim de 6 mois et plus, création d'entreprise"),
    ("emploi_transition", "Emploi de transition", "CDD ou intérim de moins de 6 mois, contrat aidé"),
    ("sorties_positives", "Sorties positives", "formation qualifiante, autre structure d'insertion"),
    ("autres_sorties", "Autres sorties", "chômage, inactivité, sans nouvelles"),
]
PROFILE_ROWS = [
    ("part_femmes", "Femmes"), ("part_moins_26_ans", "Moins de 26 ans"), ("part_50_ans_et_plus", "50 ans et plus"),
    ("part_rsa", "Bénéficiaires du RSA"), ("part_de_longue_duree", "Inscrits à France Travail depuis 12 mois ou plus"),
    ("part_niveau_infra_bac", "Niveau de formation inférieur au bac"),
    ("part_qpv", "Résidant en quartier prioritaire de la politique de la ville"),
]  # fmt: skip  (ZRR and RQTH are in notebook 02: the brief keeps to two pages)


#: How a programme's public is named in a sentence (« des bénéficiaires du RSA »).
PUBLIC_NAMES = {"part_rsa": "bénéficiaires du RSA", "part_femmes": "femmes", "part_moins_26_ans": "moins de 26 ans",
                "part_50_ans_et_plus": "personnes de 50 ans et plus"}


# --------------------------------------------------------------------------- masked values


@dataclass
class BriefFigures:
    """The masked indicators of the perimeter for the brief's year, with helpers that never reveal a masked cell."""

    ctx: BriefContext
    annee: int
    seuil: int | None = None  # the context's threshold; a different one is refused (it was masked once)
    suppression: Suppression = field(init=False)

    def __post_init__(self) -> None:
        if self.seuil is None:
            self.seuil = self.ctx.seuil
        if int(self.seuil) != self.ctx.seuil:
            raise ValueError(f"seuil de secret statistique {self.seuil} différent de celui du calcul "
                             f"({self.ctx.seuil}) : préparez le contexte avec le même seuil")
        self.suppression = self.ctx.suppression
        years = self.ctx.indicateurs["annee"].tolist()
        if self.annee not in years:
            known = ", ".join(str(y) for y in years) or "aucune"
            raise ValueError(f"aucune donnée pour {self.annee} sur ce périmètre (années disponibles : {known})")

    @property
    def row(self) -> pd.Series:
        t = self.suppression.table
        return t[t["annee"] == self.annee].iloc[0]

    def masked(self, column: str, annee: int | None = None) -> bool:
        t, m = self.suppression.table, self.suppression.masque
        sel = t["annee"] == (self.annee if annee is None else annee)
        return bool(m.loc[sel, column].iloc[0]) if column in m else False

    def value(self, column: str) -> float | None:
        """The published value, or None when masked or missing."""
        v = self.row[column]
        return None if self.masked(column) or pd.isna(v) else float(v)

    def number(self, column: str, decimals: int = 0) -> str:
        v = self.value(column)
        return MASKED if v is None else format_number(v, decimals)

    def rate(self, column: str) -> str:
        v = self.value(column)
        return MASKED if v is None else format_rate(v)

    def interval(self, column: str) -> str:
        low, high = self.value(f"{column}_ic_bas"), self.value(f"{column}_ic_haut")
        return "" if low is None or high is None else format_interval(low, high)


def headline_round(value: float) -> tuple[str, float]:
    """Round down for a headline: 14 200,9 h -> ("plus de", 14 000). Exact values are written as they are."""
    step = 1000 if value >= 10_000 else 100 if value >= 1_000 else 1
    rounded = float(np.floor(value / step) * step)
    return ("plus de " if value > rounded else ""), rounded


# --------------------------------------------------------------------------- sentences and tables


def title_html(f: BriefFigures, destinataire: dict) -> str:
    p = f.ctx.perimetre
    to = ", ".join(x for x in (destinataire.get("nom"), destinataire.get("qualite")) if x)
    fictional = ('<p class="fictif">Données fictives : jeu de démonstration, aucune personne réelle.</p>'
                 if f.ctx.provenance.get("fictif") else "")
    names = ", ".join(dispositif_label(d) for d in p.get("dispositifs") or [])
    return (f'<header class="note-titre"><p class="destinataire">Destinataire : {escape(to)}</p>'
            f"<h1>L'insertion par l'activité économique — {escape(p['libelle'])}</h1>"
            f'<p class="sous-titre">Bilan {f.annee} · {escape(names)}</p>'
            f"{fictional}</header>")


def _words(f: BriefFigures) -> dict[str, str]:
    """The outcome words of the perimeter: an insertion job's exits, or the ends of an accompaniment."""
    if f.ctx.salarie:
        return {"examinees": "sorties examinées", "rate": "sont des sorties dynamiques (emploi durable, emploi de "
                "transition ou sortie positive)", "exits": "Sorties", "exits_of_year": "Sorties de l'année"}
    return {"examinees": "fins d'accompagnement", "rate": "débouchent sur un emploi, une formation qualifiante ou une "
            "autre sortie positive", "exits": "Nombre", "exits_of_year": "Fins d'accompagnement de l'année"}


def headline_period(f: BriefFigures) -> dict | None:
    """The pooled period of the brief's year, when the year's own rate is masked and the period's is published:
    its label, years and published counts (None otherwise)."""
    if f.value("taux_sorties_dynamiques") is not None or f.ctx.periodes is None:
        return None
    row = f.ctx.periodes.iloc[-1]
    if pd.isna(row["taux_sorties_dynamiques"]) or not str(row["periode"]).endswith(str(f.annee)):
        return None
    return {k: (row[k] if k == "periode" else float(row[k])) for k in
            ("periode", "sorties_examinees", "sorties_dynamiques", "taux_sorties_dynamiques",
             "taux_sorties_dynamiques_ic_bas", "taux_sorties_dynamiques_ic_haut")}


def _period_words(label: str) -> str:
    first, _, last = label.partition("-")
    return f"de {first} à {last}" if last else f"en {first}"


def key_sentences(f: BriefFigures) -> list[str]:
    """The headline sentences, generated from the (masked) numbers; the pooled period's rate when the year's
    is masked."""
    a = f.annee
    personnes = f.value("personnes")
    if personnes is None:
        return [f"En {a}, moins de {f.seuil} personnes sont concernées sur ce périmètre : "
                "les chiffres ne sont pas publiés (secret statistique)."]
    n = format_number(personnes)
    if f.ctx.salarie:
        prefix, hours = headline_round(f.value("heures") or 0.0)
        first = (f"En {a}, {n} personnes ont travaillé {prefix}{format_number(hours)} heures "
                 f"en parcours d'insertion, soit {f.number('etp', 1)} équivalents temps plein.")
    else:
        first = f"En {a}, {n} personnes ont été accompagnées vers l'emploi."
    sentences = [first]
    w = _words(f)
    examined, rate = f.value("sorties_examinees"), f.value("taux_sorties_dynamiques")
    pooled = headline_period(f)
    if rate is not None and examined:
        sentences.append(f"Sur {format_number(examined)} {w['examinees']} en {a}, {format_rate(rate)} {w['rate']} ; "
                         f"intervalle de confiance à 95 % : {f.interval('taux_sorties_dynamiques')}.")
    elif pooled is not None:
        sentences.append(
            f"Sur {format_number(pooled['sorties_examinees'])} {w['examinees']} {_period_words(pooled['periode'])} "
            f"(trois années réunies : une année seule en compte trop peu), {format_rate(pooled['taux_sorties_dynamiques'])} "
            f"{w['rate']} ; intervalle de confiance à 95 % : "
            f"{format_interval(pooled['taux_sorties_dynamiques_ic_bas'], pooled['taux_sorties_dynamiques_ic_haut'])}.")
    elif examined == 0:
        sentences.append(f"Aucune des {w['examinees']} de {a} ne permet de calculer un taux.")
    else:
        sentences.append(f"Le taux de {a} n'est pas publié : trop peu de {w['examinees']}, ou des catégories de moins "
                         f"de {f.seuil} personnes (secret statistique).")
    durable = f.value("taux_emploi_durable")
    if durable is not None and f.ctx.salarie:
        sentences.append(f"{format_rate(durable).capitalize()} des sorties examinées de {a} se font vers un emploi "
                         "durable.")
    return sentences


def key_figures_table(f: BriefFigures) -> pd.DataFrame:
    """Key figures, each beside its national reference when one of a close definition and of the same
    dispositif exists (the pooled period's rate when the year's is masked)."""
    w = _words(f)
    rows = [("Personnes " + ("ayant travaillé" if f.ctx.salarie else "accompagnées"), f.number("personnes"),
             "personnes")]
    if f.ctx.salarie:
        rows += [("Heures d'insertion", f.number("heures"), "heures"),
                 ("Équivalents temps plein", f.number("etp", 1), "etp")]
    rows.append((w["examinees"].capitalize(), f.number("sorties_examinees"), "sorties_examinees"))
    pooled = headline_period(f)
    label = "Taux de sorties dynamiques" if f.ctx.salarie else "Part vers l'emploi ou la formation"
    if pooled is not None:
        interval = format_interval(pooled["taux_sorties_dynamiques_ic_bas"], pooled["taux_sorties_dynamiques_ic_haut"])
        rows.append((f"{label} ({pooled['periode']})", f"{format_rate(pooled['taux_sorties_dynamiques'])} {interval}",
                     "taux_sorties_dynamiques"))
    else:
        rows.append((label, _rate_cell(f, "taux_sorties_dynamiques"), "taux_sorties_dynamiques"))
    if f.ctx.salarie:
        rows.append(("Taux d'emploi durable", _rate_cell(f, "taux_emploi_durable"), "taux_emploi_durable"))
    out = []
    for label, value, column in rows:
        ref = _reference(f, column)
        out.append({"Indicateur": label, f"Valeur {f.annee}": value, "Repère national": _ref_text(ref)})
    return pd.DataFrame(out)


def _reference(f: BriefFigures, column: str) -> dict | None:
    if not f.ctx.salarie:
        return None
    return national_reference(column, f.annee, f.ctx.perimetre.get("dispositifs") or [])


def _rate_cell(f: BriefFigures, column: str) -> str:
    if f.value(column) is None:
        return MASKED
    return f"{f.rate(column)} {f.interval(column)}".strip()


def _ref_text(ref: dict | None) -> str:
    """« 60 % (objectif) », « 58 % (ordre de grandeur, 2022) », « — » without a reference of the same definition
    and dispositif (said once in the method)."""
    if ref is None:
        return "—"
    kind = "objectif" if ref["comparabilite"] == "objectif" else f"ordre de grandeur, {ref['annee']}"
    return f"{format_rate(ref['valeur'])} ({kind})"


def _exits_source(f: BriefFigures) -> tuple[pd.Series, str | None]:
    """The row the exits table shows: the year's, or the pooled period's when every category of the year is
    masked and the period publishes some."""
    columns = [c for c, _l, _d in CATEGORY_ROWS]
    if any(f.value(c) is not None for c in columns) or f.ctx.periodes is None:
        return f.row, None
    row = f.ctx.periodes.iloc[-1]
    if all(pd.isna(row[c]) for c in columns):
        return f.row, None
    return row, str(row["periode"])


def exits_table(f: BriefFigures) -> pd.DataFrame:
    """Where people went: examined exits by ASP category (counts and shares), for the year or its pooled period."""
    row, period = _exits_source(f)
    rows = []
    examined = None if pd.isna(row["sorties_examinees"]) else float(row["sorties_examinees"])
    head = _words(f)["exits"] if period is None else period  # the legend says it is a pooled period
    for column, label, detail in CATEGORY_ROWS:
        v = None if pd.isna(row[column]) else float(row[column])
        share = MASKED if v is None or not examined else format_rate(v / examined)
        rows.append({"Catégorie": label, "Exemples": detail, head: MASKED if v is None else format_number(v),
                     "Part": share})
    return pd.DataFrame(rows)


def exits_published(f: BriefFigures) -> bool:
    """Whether the exits section says anything: a published category, of the year or of its pooled period."""
    row, _period = _exits_source(f)
    return any(not pd.isna(row[c]) for c, _l, _d in CATEGORY_ROWS)


def exits_note(f: BriefFigures) -> str:
    w = _words(f)
    _row, period = _exits_source(f)
    lead = "" if period is None else (f"Catégories {_period_words(period)} (trois années réunies : celles de {f.annee} "
                                      "comptent trop peu de personnes pour être publiées). ")
    if not f.ctx.salarie:
        return lead + f"{w['exits_of_year']} : {f.number('sorties')}."
    parts = [("examinées", "sorties_examinees"), ("neutralisées (retraite, décès, longue maladie…)", "retraits"),
             ("trop courtes pour être examinées", "sorties_hors_seuil")]
    published = [f"{f.number(c)} {label}" for label, c in parts if f.value(c) is not None]
    hidden = [label.split(" (")[0] for label, c in parts if f.value(c) is None]
    text = f"{w['exits_of_year']} : {f.number('sorties')}"
    if published:
        text += ", dont " + ", ".join(published)
    if hidden:
        text += f" ; non publié (secret statistique) : nombre de sorties {', '.join(hidden)}"
    return lead + text + "."


def masked_in_year(f: BriefFigures) -> int:
    """How many published cells of the brief's year were masked."""
    m = f.suppression.masque
    return int(m.loc[f.suppression.table["annee"] == f.annee].to_numpy().sum())


def profile_table(f: BriefFigures) -> pd.DataFrame:
    """Who the people are, beside the national figure of the same dispositif where one exists. For an
    accompaniment programme, a trait every person has (its public, e.g. RSA recipients) is not a profile:
    :func:`programme_public` says it once."""
    rows = []
    for column, label in PROFILE_ROWS:
        n = f.value(f"{column}_n")
        if not n or column in programme_public(f):
            continue
        ref = _reference(f, column)
        rows.append({"Profil": label, "Part": f.rate(column), "Sur": f"{format_number(n)} pers.",
                     "Repère national": _ref_text(ref) if ref else "—"})
    return pd.DataFrame(rows)


def programme_public(f: BriefFigures) -> list[str]:
    """Profile shares of 100 % in a non-salaried accompaniment programme: the public it is for."""
    if f.ctx.salarie:
        return []
    return [c for c, _l in PROFILE_ROWS if f.value(c) == 1.0]


def shown_years(f: BriefFigures) -> pd.DataFrame:
    """The published yearly rates up to the brief's year (a « Bilan 2024 » shows nothing later)."""
    t = f.suppression.table
    return t[(t["annee"] <= f.annee)].dropna(subset=["taux_sorties_dynamiques"])


def trend_points(f: BriefFigures) -> tuple[pd.DataFrame, bool]:
    """What the trend chart shows: the published pooled periods when the perimeter is pooled, else the published
    years up to the brief's year; and whether they are periods."""
    if f.ctx.periodes is not None:
        periods = f.ctx.periodes.dropna(subset=["taux_sorties_dynamiques"])
        if len(periods):
            return periods.reset_index(drop=True), True
    return shown_years(f), False


def trend_shown(f: BriefFigures) -> bool:
    """Whether the trend chart has a point to show."""
    return not trend_points(f)[0].empty


def trend_title(f: BriefFigures) -> str:
    what = "du taux de sorties dynamiques" if f.ctx.salarie else "de la part vers l'emploi ou la formation"
    return f"Évolution {what}"


def trend_figure(f: BriefFigures):
    """The rate per year (or per pooled period) with its interval, up to the brief's year; masked points are left
    out. Returns (fig, alt text), or None when nothing is published."""
    import matplotlib.pyplot as plt

    points, pooled = trend_points(f)
    if points.empty:
        return None
    charts.set_style()
    plt.rcParams.update({"font.size": 8, "axes.labelsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8})
    fig, ax = plt.subplots(figsize=(7.0, 1.5))
    labels = points["periode"].astype(str).tolist() if pooled else [str(int(y)) for y in points["annee"]]
    ref = _reference(f, "taux_sorties_dynamiques")
    charts.plot_rate_points(ax, labels, points, "taux_sorties_dynamiques",
                            reference=None if ref is None else (ref["valeur"], f"objectif {format_rate(ref['valeur'])}"),
                            positions=None if pooled else points["annee"].astype(int).tolist())
    ax.set_ylabel("Sorties dynamiques" if f.ctx.salarie else "Vers l'emploi ou la formation")
    fig.tight_layout()
    published = ", ".join(f"{lab} : {format_rate(v)}" for lab, v in zip(labels, points["taux_sorties_dynamiques"],
                                                                       strict=True))
    unit = "par période de trois ans" if pooled else "par année"
    alt = (f"{trend_title(f)} {unit}, avec intervalle de confiance à 95 % — " + published
           + ("" if ref is None else f" ; objectif de référence {format_rate(ref['valeur'])}") + ".")
    return fig, alt


def hidden_years(f: BriefFigures) -> list[int]:
    """Years up to the brief's with examined exits whose rate is masked (the trend note names them)."""
    return [y for y in f.ctx.annees_avec_sorties if y <= f.annee and f.masked("taux_sorties_dynamiques", y)]


def trend_note(f: BriefFigures) -> str:
    points, pooled = trend_points(f)
    unit = "période de trois ans" if pooled else "année"
    text = (f"Chaque point est le taux d'une {unit}, avec son intervalle de confiance à 95 % : "
            f"plus il y a de {_words(f)['examinees']}, plus l'intervalle est étroit.")
    if pooled:
        text += " Années regroupées par trois : une année seule compte trop peu de personnes pour être publiée."
        hidden = [p for p in f.ctx.periodes["periode"] if p not in set(points["periode"])]
        if hidden:
            text += f" Périodes non publiées (secret statistique) : {', '.join(hidden)}."
        return text
    hidden = hidden_years(f)
    if hidden:
        text += f" Années non publiées (moins de {f.seuil} sorties ou cellules masquées) : " + ", ".join(
            str(y) for y in hidden) + "."
    return text


def comparison_text(f: BriefFigures) -> str | None:
    """One sentence placing the perimeter against its expected rate; None when there is nothing to say (the
    section is then left out)."""
    result = f.ctx.perimetre.get("comparaison")
    if not f.ctx.salarie or result is None or reveals_small(result["observed"], result["n"], f.seuil):
        return None
    return describe_perimeter(result, label="ce périmètre")


def comparison_figure(f: BriefFigures):
    """The funnel plot with the perimeter's sites highlighted; None when there is nothing to show.

    Sites whose successes or failures number 1 to ``seuil - 1`` are left out (their rate × n would
    reveal a small count)."""
    result = f.ctx.perimetre.get("comparaison")
    if result is None or reveals_small(result["observed"], result["n"], f.seuil):
        return None
    groups = pd.DataFrame(result["groups"])
    small = np.array([reveals_small(o, n, f.seuil) for o, n in zip(groups["observed"], groups["n"], strict=True)])
    groups = groups[~small]
    if groups.empty:
        return None
    groups.attrs["model"] = {"group": "site"}
    fig, alt = charts.funnel_figure(groups[["site", *[c for c in groups.columns if c != "site"]]],
                             result["reference_rate"], title="", highlight=result["perimeter_sites"])
    fig.set_size_inches(7.0, 1.55)  # compact: a brief with every section is two pages
    fig.tight_layout()
    return fig, alt


#: Public names of the impact covariates, for sentences (no acronym).
COVARIATE_NAMES = {"age": "l'âge", "age2": "l'âge", "femme": "le sexe", "rsa": "le RSA",
                   "chomage_longue_duree": "l'ancienneté au chômage", "niveau_infra_cap": "le niveau de formation",
                   "niveau_bac_ou_plus": "le niveau de formation", "qpv": "la résidence en quartier prioritaire de la "
                   "politique de la ville", "rqth": "la reconnaissance de travailleur handicapé"}


def impact_sentences(f: BriefFigures) -> list[str]:
    """The impact estimate, said with what it rests on: the years it pools, whether its interval excludes zero,
    the balance and overlap that make the groups comparable, the follow-up difference. When balance or overlap
    fail, no estimate is given: the sentence says which does not hold."""
    est = f.ctx.perimetre.get("impact")
    if est is None:
        return []
    years = est.get("annees_sorties") or []
    period = f"sorties de {years[0]} à {years[-1]}" if len(years) == 2 and years[0] != years[-1] else "sorties"
    if not est.get("comparable", False):
        failing = [f"{COVARIATE_NAMES.get(d['covariable'], d['covariable'])} ({format_number(abs(d['dms_apres']), 2)})"
                   for d in est.get("desequilibres", [])]
        overlap = est.get("part_hors_recouvrement")
        parts = []
        if failing:
            parts.append("après pondération, les deux groupes diffèrent encore sur " + " et ".join(failing) + ", au-delà de la règle "
                         f"d'équilibre du projet (différence standardisée d'au plus {format_number(est['seuil_equilibre'], 1)})")
        if overlap is not None and overlap > est["seuil_recouvrement"]:
            parts.append(f"{format_rate(overlap)} des personnes n'ont pas d'équivalent dans l'autre groupe")
        return [f"Pas d'estimation d'impact dans cette note : les {format_number(est['n_traites'])} personnes sorties "
                f"et les {format_number(est['n_temoins'])} personnes orientées mais non embauchées ne sont pas "
                f"comparables ; {' ; '.join(parts)}. Comparer leur emploi à six mois ne dirait pas l'effet du parcours."]
    points = [format_number(100 * est[k], 0) for k in ("estimate", "ci_bas", "ci_haut")]
    sign = "+" if est["estimate"] >= 0 else ""
    first = (f"Impact estimé sur l'emploi six mois après : {sign}{points[0]} points [{points[1]} ; {points[2]}] face "
             f"à {format_number(est['n_temoins'])} personnes orientées mais non embauchées, au profil comparable "
             f"({format_number(est['n_traites'])} personnes, {period} réunies ; écart brut : "
             f"{format_number(100 * est['ecart_naif'], 0)} points)")
    if est["ci_bas"] <= 0 <= est["ci_haut"]:
        first += " : l'intervalle comprend zéro, les données ne permettent pas d'exclure l'absence d'effet"
    return [first + ".",
            "Estimation doublement robuste, pas un tirage au sort : elle suppose que l'âge, le sexe, le RSA, "
            "l'ancienneté au chômage, le niveau de formation, la résidence en quartier prioritaire et la "
            "reconnaissance de travailleur handicapé suffisent à rendre les groupes comparables (après pondération, "
            f"plus grande différence standardisée : {format_number(est['dms_max'], 2)}, pour une règle de "
            f"{format_number(est['seuil_equilibre'], 1)}).",
            "Limite : les personnes orientées sont suivies six mois après leur orientation, les salariés six mois "
            "après leur sortie."]


def money_sentences(f: BriefFigures) -> list[str]:
    """The sentences of « L'argent public » (ranges, spending and receipts apart); empty without a section."""
    money = f.ctx.perimetre.get("argent")
    return [] if money is None else list(money["phrases"])


def money_note(f: BriefFigures) -> str | None:
    money = f.ctx.perimetre.get("argent")
    return None if money is None else money.get("note")


def money_figure(f: BriefFigures):
    """Aide au poste, RSA no longer paid and contributions, each its range, side by side (never added); None
    when there is nothing to set side by side."""
    money = f.ctx.perimetre.get("argent")
    if money is None or money.get("aide_au_poste_eur") is None or money.get("rsa_evite_eur") is None:
        return None  # one amount alone: the sentence says it
    fig, alt = charts.money_figure(money)
    fig.tight_layout()
    return fig, alt


def method_items(f: BriefFigures) -> list[str]:
    rules = examination_rules(f.ctx.perimetre.get("regle_sorties"))
    conditions = [f"{dispositif_label(d)} : {exit_condition_text(rules.loc[d])}"
                  for d in f.ctx.perimetre.get("dispositifs") or []]
    if f.ctx.salarie:
        items = ["Sorties examinées : sorties de l'année qui remplissent la condition du dispositif ("
                 + "; ".join(conditions) + "), hors « retrait des sorties constatées ». Sorties dynamiques = emploi "
                 "durable + emploi de transition + sorties positives (nomenclature de l'Agence de services et de "
                 "paiement).",
                 "Taux déclarés à la sortie : ils ne se comparent pas au taux d'emploi à six mois de la DARES (autre "
                 "mesure). Intervalles de confiance à 95 % (Wilson). Repères nationaux de même définition et du même "
                 "dispositif seulement (« — » : aucun) : circulaire DGEFP n° 2008-21, DARES (année indiquée).",
                 ]
    else:
        public = [PUBLIC_NAMES.get(c, dict(PROFILE_ROWS)[c].lower()) for c in programme_public(f)]
        items = ["Programme d'accompagnement non salarié" + (f" des {', '.join(public)}" if public else "")
                 + " : pas d'heures de travail ni d'équivalent temps plein ; fins d'accompagnement classées selon la "
                 "nomenclature des sorties de l'insertion par l'activité économique. Intervalles de confiance à 95 % "
                 "(Wilson)."]
    if f.ctx.periodes is not None:
        items.append("Années regroupées par trois quand une année seule compte trop peu de personnes : les totaux "
                     "regroupés sont soumis au même secret statistique que les années.")
    items.append(f"Secret statistique : aucune cellule de moins de {f.seuil} personnes n'est publiée ; des cellules "
                 "voisines sont masquées quand elles permettraient de la recalculer, y compris d'une note à l'autre"
                 + (f" ({masked_in_year(f)} valeurs masquées pour {f.annee})." if masked_in_year(f) else "."))
    if f.ctx.perimetre.get("impact") is None or not f.ctx.perimetre["impact"].get("comparable"):
        items.append("Ces chiffres décrivent des résultats, pas un impact : sans groupe de comparaison de même profil, "
                     "on ne peut pas dire ce que ces personnes seraient devenues sans le parcours.")
    items += method_data_items(f)
    if comparison_text(f) is not None:
        items.append("Taux attendu : modèle logistique sur les sorties examinées des trois dernières années des "
                     "structures du même dispositif, selon le profil ; entonnoir à 95 % et 99,8 % (loi binomiale).")
    return items


def planned_rate_sentences(f: BriefFigures) -> list[str]:
    """The exit rates the perimeter's conventions planned for the brief's year, each with its annexe
    financière and beside the actual rate (masked cells stay masked): the convention's own target, never a
    national reference. Empty when no convention gives one."""
    planned = f.ctx.perimetre.get("taux_prevus") or []
    out = []
    for row in planned:
        parts = [f"{label} {format_rate(row[column])}" for column, label in
                 (("taux_prevu_sorties_dynamiques", "sorties dynamiques"), ("taux_prevu_emploi_durable", "emploi durable"))
                 if row.get(column) is not None]
        where = row["site"] or f"toute la structure {row['structure']}"
        number = f"annexe financière {row['numero_annexe_financiere']}, " if row.get("numero_annexe_financiere") else ""
        out.append(f"Taux prévus par la convention {row['dispositif']} {row['annee']} ({number}{where}) : "
                   + ", ".join(parts) + ".")
    if out:
        actual = [f"sorties dynamiques {_rate_cell(f, 'taux_sorties_dynamiques')}",
                  f"emploi durable {_rate_cell(f, 'taux_emploi_durable')}"]
        out.append(f"Taux réalisés en {f.annee} sur le périmètre : " + ", ".join(actual) + ".")
    return out


def exit_condition_text(rule: pd.Series) -> str:
    """The condition an exit must meet to be examined, in French (a row of
    :func:`~iae_impact.rules.exits.examination_rules`)."""
    seuil = format_number(rule["seuil"], 0 if float(rule["seuil"]).is_integer() else 2)
    text = {"duree_mois_calendaires": f"au moins {seuil} mois de parcours",
            "duree_mois_jours": f"plus de {seuil} mois de parcours (jours × 12 / 365)",
            "heures_parcours": f"au moins {seuil} heures travaillées sur le parcours",
            "heures_annee_sortie": f"au moins {seuil} heures travaillées l'année de la sortie",
            "aucune": "sans condition"}[rule["regle"]]
    if rule["heures_annee_sortie_min"] > 0:
        minimum = format_number(rule["heures_annee_sortie_min"])
        text += f" et au moins {minimum} heure{'s' if rule['heures_annee_sortie_min'] > 1 else ''} l'année de la sortie"
    return text


def method_data_items(f: BriefFigures) -> list[str]:
    """What the brief's figures rest on, in one item: the variant of the exit rule and the motive → category
    table (the data's own, from a fluxIAE extract, or the project's, inferred and not verified)."""
    variant = f.ctx.perimetre.get("regle_sorties") or default_exit_rule()
    source = f.ctx.provenance.get("table_motifs")
    table = (f"celle des données ({source}), qui prime sur celle du projet" if source else
             "celle du projet (data/reference/motifs_sortie.csv), déduite des définitions du GIP de l'inclusion "
             "et non vérifiée sur le référentiel de l'ASP (verifie = non)")
    return [f"Règle d'examen des sorties : {exit_rule_variants()[variant]} (« {variant} », "
            f"data/reference/regles_sortie.csv). Table motif → catégorie de sortie : {table}."]


def provenance_line(f: BriefFigures, generated: dt.date | None = None) -> str:
    generated = generated or dt.date.today()
    p = f.ctx.provenance
    return (f"Données : empreinte {p.get('empreinte_donnees', '')[:12]} · iae-impact {p.get('version', __version__)} "
            f"· note générée le {generated.strftime('%d/%m/%Y')}"
            + (" · données fictives" if p.get("fictif") else ""))


def summary(f: BriefFigures, note_id: str) -> dict:
    """Headline numbers for resume.json: masked cells are null and listed. It holds every number the brief's
    sentences state (the pooled period, the impact's diagnostics, the money section's ranges and assumptions)."""
    columns = ["personnes", "entrees", "heures", "etp", "sorties", "sorties_examinees", "retraits",
               "sorties_hors_seuil", "sorties_dynamiques", "emploi_durable", "emploi_transition", "sorties_positives",
               "autres_sorties", "taux_sorties_dynamiques", "taux_sorties_dynamiques_ic_bas",
               "taux_sorties_dynamiques_ic_haut", "taux_emploi_durable", "taux_emploi_durable_ic_bas",
               "taux_emploi_durable_ic_haut", *[c for s, _l in PROFILE_ROWS for c in (s, f"{s}_n")]]

    def published(c: str) -> float | int | None:
        v = f.value(c)
        if v is None:
            return None
        return round(v, 6) if c.startswith(("taux_", "part_")) and not c.endswith("_n") or c in ("heures", "etp") \
            else int(v)

    values = {c: published(c) for c in columns}
    comparison = f.ctx.perimetre.get("comparaison")
    if comparison_text(f) is not None:
        comparison = {k: comparison[k] for k in ("n", "observed_rate", "expected_rate", "oe_ratio", "oe_low",
                                                 "oe_high", "years")}
    else:
        comparison = None
    money = f.ctx.perimetre.get("argent")
    if money is not None:
        money = {k: v for k, v in money.items() if k not in ("hypotheses", "remarques", "citation_reseaux")}
    periods = None
    if f.ctx.periodes is not None:
        periods = [{k: (None if pd.isna(v) else (v if k == "periode" else round(float(v), 6)))
                    for k, v in row.items()} for row in f.ctx.periodes.to_dict(orient="records")]
    references = {c: _reference(f, c) for c in ("taux_sorties_dynamiques", "taux_emploi_durable",
                                                 *[s for s, _l in PROFILE_ROWS])}
    return {
        "id": note_id,
        "annee": f.annee,
        "perimetre": {k: f.ctx.perimetre.get(k) for k in ("structure", "sites", "libelle", "salarie",
                                                          "dispositifs")},
        "comparaison": comparison,
        "impact": f.ctx.perimetre.get("impact"),
        "argent": money,
        "periodes": periods,
        "reperes": {k: None if v is None else {"valeur": v["valeur"], "annee": v["annee"]}
                    for k, v in references.items()},
        "niveau_confiance": 0.95,
        "annees_non_publiees": hidden_years(f),
        "seuil_secret": f.seuil,
        "valeurs_masquees_annee": masked_in_year(f),
        "masques": sorted(c for c in columns if f.masked(c)),
        "fictif": bool(f.ctx.provenance.get("fictif")),
        "empreinte_donnees": f.ctx.provenance.get("empreinte_donnees"),
        "indicateurs": values,
    }
