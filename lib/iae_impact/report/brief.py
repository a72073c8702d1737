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
    ("sorties_positives", "Sorties positives", "formation qualifiante, embauche dans une autre SIAE"),
    ("autres_sorties", "Autres sorties", "chômage, inactivité, sans nouvelles"),
]
PROFILE_ROWS = [
    ("part_femmes", "Femmes"), ("part_moins_26_ans", "Moins de 26 ans"), ("part_50_ans_et_plus", "50 ans et plus"),
    ("part_rsa", "Bénéficiaires du RSA"), ("part_de_longue_duree", "Inscrits à France Travail depuis 12 mois ou plus"),
    ("part_niveau_infra_bac", "Niveau de formation inférieur au bac"), ("part_qpv", "Résidant en QPV"),
]  # fmt: skip  (ZRR and RQTH are in notebook 02: the brief keeps to two pages)


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
    return (f'<header class="note-titre"><p class="destinataire">Destinataire : {escape(to)}</p>'
            f"<h1>L'insertion par l'activité économique — {escape(p['libelle'])}</h1>"
            f'<p class="sous-titre">Bilan {f.annee} · {escape(", ".join(p.get("dispositifs") or []))}</p>'
            f"{fictional}</header>")


def key_sentences(f: BriefFigures) -> list[str]:
    """The headline sentences, generated from the (masked) numbers."""
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
    examined = f.value("sorties_examinees")
    if examined is None or examined == 0:
        sentences.append("Aucun taux de sortie n'est publié pour cette année : trop peu de sorties examinées.")
        return sentences
    rate = f.value("taux_sorties_dynamiques")
    if rate is None:
        sentences.append(f"Le taux de sorties dynamiques de {a} n'est pas publié : certaines catégories de sorties "
                         f"comptent moins de {f.seuil} personnes (secret statistique).")
    else:
        sentences.append(
            f"Sur {format_number(examined)} sorties examinées, {format_rate(rate)} sont des sorties dynamiques "
            f"(emploi durable, emploi de transition ou sortie positive) ; intervalle de confiance à 95 % : "
            f"{f.interval('taux_sorties_dynamiques')}.")
    durable = f.value("taux_emploi_durable")
    if durable is not None:
        sentences.append(f"{format_rate(durable).capitalize()} des sorties examinées se font vers un emploi durable.")
    return sentences


def key_figures_table(f: BriefFigures) -> pd.DataFrame:
    """Key figures, each beside its national reference when one of a close definition exists."""
    rows = [("Personnes " + ("ayant travaillé" if f.ctx.salarie else "accompagnées"), f.number("personnes"),
             "personnes")]
    if f.ctx.salarie:
        rows += [("Heures d'insertion", f.number("heures"), "heures"),
                 ("Équivalents temps plein", f.number("etp", 1), "etp")]
    rows += [("Sorties examinées", f.number("sorties_examinees"), "sorties_examinees"),
             ("Taux de sorties dynamiques", _rate_cell(f, "taux_sorties_dynamiques"), "taux_sorties_dynamiques"),
             ("Taux d'emploi durable", _rate_cell(f, "taux_emploi_durable"), "taux_emploi_durable")]
    out = []
    for label, value, column in rows:
        ref = national_reference(column, f.annee) if f.ctx.salarie else None
        out.append({"Indicateur": label, f"Valeur {f.annee}": value, "Repère national": _ref_text(ref)})
    return pd.DataFrame(out)


def _rate_cell(f: BriefFigures, column: str) -> str:
    if f.value(column) is None:
        return MASKED
    return f"{f.rate(column)} {f.interval(column)}".strip()


def _ref_text(ref: dict | None) -> str:
    if ref is None:
        return "pas de repère national de même définition"
    kind = "objectif" if ref["comparabilite"] == "objectif" else f"ordre de grandeur, {ref['annee']}"
    return f"{format_rate(ref['valeur'])} ({kind})"


def exits_table(f: BriefFigures) -> pd.DataFrame:
    """Where people went: examined exits by ASP category (counts and shares)."""
    rows = []
    examined = f.value("sorties_examinees")
    for column, label, detail in CATEGORY_ROWS:
        v = f.value(column)
        share = MASKED if v is None or not examined else format_rate(v / examined)
        rows.append({"Catégorie": label, "Exemples": detail, "Sorties": f.number(column), "Part": share})
    return pd.DataFrame(rows)


def exits_note(f: BriefFigures) -> str:
    parts = [("examinées", "sorties_examinees"), ("neutralisées (retraite, décès, longue maladie…)", "retraits"),
             ("trop courtes pour être examinées", "sorties_hors_seuil")]
    published = [f"{f.number(c)} {label}" for label, c in parts if f.value(c) is not None]
    hidden = [label.split(" (")[0] for label, c in parts if f.value(c) is None]
    text = f"Sorties de l'année : {f.number('sorties')}"
    if published:
        text += ", dont " + ", ".join(published)
    if hidden:
        text += f" ; non publié (secret statistique) : nombre de sorties {', '.join(hidden)}"
    return text + "."


def masked_in_year(f: BriefFigures) -> int:
    """How many published cells of the brief's year were masked."""
    m = f.suppression.masque
    return int(m.loc[f.suppression.table["annee"] == f.annee].to_numpy().sum())


def profile_table(f: BriefFigures) -> pd.DataFrame:
    """Who the people are, beside the national figure where one exists."""
    rows = []
    for column, label in PROFILE_ROWS:
        n = f.value(f"{column}_n")
        if not n:
            continue
        ref = national_reference(column, f.annee) if f.ctx.salarie else None
        rows.append({"Profil": label, "Part": f.rate(column), "Sur": f"{format_number(n)} pers.",
                     "Repère national": _ref_text(ref) if ref else "—"})
    return pd.DataFrame(rows)


def trend_figure(f: BriefFigures):
    """Sorties dynamiques rate per year with its interval; masked years are left out. Returns (fig, alt text)."""
    import matplotlib.pyplot as plt

    charts.set_style()
    plt.rcParams.update({"font.size": 8, "axes.labelsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8})
    t = f.suppression.table.dropna(subset=["taux_sorties_dynamiques"])
    fig, ax = plt.subplots(figsize=(7.0, 2.0))
    charts.plot_rate_by_year(t, "taux_sorties_dynamiques", hue=None, title="", ax=ax)
    ax.set_ylabel("Sorties dynamiques")
    ref = national_reference("taux_sorties_dynamiques", f.annee)
    if ref is not None:
        ax.axhline(ref["valeur"], color="grey", linestyle="--", linewidth=1)
        ax.text(ax.get_xlim()[0], ref["valeur"] + 0.02, f"objectif {format_rate(ref['valeur'])}", fontsize=8,
                color="grey")
    fig.tight_layout()
    years = t["annee"].astype(int).tolist()
    published = ", ".join(f"{y} : {format_rate(v)}" for y, v in zip(years, t["taux_sorties_dynamiques"], strict=True))
    alt = ("Taux de sorties dynamiques par année avec intervalle de confiance à 95 % — "
           + (published or "aucune année publiable"))
    return fig, alt


def trend_note(f: BriefFigures) -> str:
    hidden = [y for y in f.ctx.annees_avec_sorties if f.masked("taux_sorties_dynamiques", y)]
    text = ("Chaque point est le taux d'une année, avec son intervalle de confiance à 95 % : "
            "plus il y a de sorties, plus l'intervalle est étroit.")
    if hidden:
        text += f" Années non publiées (moins de {f.seuil} sorties ou cellules masquées) : " + ", ".join(
            str(y) for y in hidden) + "."
    return text


def comparison_text(f: BriefFigures) -> str:
    """One sentence placing the perimeter against its expected rate, or why there is none."""
    result = f.ctx.perimetre.get("comparaison")
    if not f.ctx.salarie:
        return "Sans objet pour un programme d'accompagnement non salarié."
    if result is None:
        return ("Non disponible : trop peu de sorties sur trois ans, ou aucune autre structure du même "
                "dispositif dans les données pour servir de référence.")
    if reveals_small(result["observed"], result["n"], f.seuil):
        return f"Comparaison à l'attendu non publiée : moins de {f.seuil} personnes dans l'une des cases."
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
    fig.set_size_inches(7.0, 2.2)
    fig.tight_layout()
    return fig, alt


def impact_sentences(f: BriefFigures) -> list[str]:
    """The impact estimate and its caveat when a comparison group exists; else say these are outcomes."""
    est = f.ctx.perimetre.get("impact")
    if est is None:
        return []
    points = [format_number(100 * est[k], 0) for k in ("estimate", "ci_bas", "ci_haut")]
    sign = "+" if est["estimate"] >= 0 else ""
    return [
        f"Impact estimé sur l'emploi 6 mois après : {sign}{points[0]} points [{points[1]} ; {points[2]}] par rapport "
        f"à {format_number(est['n_temoins'])} personnes orientées mais non embauchées, au profil comparable "
        f"({format_number(est['n_traites'])} personnes sorties suivies ; écart brut : "
        f"{format_number(100 * est['ecart_naif'], 0)} points).",
        "Estimation doublement robuste : elle suppose que l'âge, le sexe, le RSA, l'ancienneté au chômage, le "
        "niveau de formation, le QPV et la RQTH suffisent à rendre les deux groupes comparables ; ce n'est pas "
        "une évaluation par tirage au sort.",
    ]


def money_sentences(f: BriefFigures) -> list[str]:
    """Two sentences on public money (a range, never a single avoided-cost figure), or why there are none."""
    money = f.ctx.perimetre.get("argent")
    if money is None:
        return ["Pas d'aide au poste pour ce périmètre (programme non salarié) ou pas d'activité salariée cette "
                "année."]
    return list(money["phrases"])


def money_figure(f: BriefFigures):
    """Aide au poste beside the avoided-cost range; None when there is no range to show."""
    money = f.ctx.perimetre.get("argent")
    if money is None or money.get("couts_evites_eur") is None or money.get("aide_au_poste_eur") is None:
        return None
    fig, alt = charts.money_figure(money)
    fig.set_size_inches(7.0, 1.35)
    fig.tight_layout()
    return fig, alt


def method_items(f: BriefFigures) -> list[str]:
    rules = examination_rules(f.ctx.perimetre.get("regle_sorties"))
    conditions = [f"{d} : {exit_condition_text(rules.loc[d])}" for d in f.ctx.perimetre.get("dispositifs") or []]
    items = [
        "Sorties examinées : sorties de l'année qui remplissent la condition du dispositif ("
        + "; ".join(conditions) + "), hors « retrait des sorties constatées ». Sorties dynamiques = emploi "
        "durable + emploi de transition + sorties positives (nomenclature ASP).",
        "Taux déclarés à la sortie : ils ne se comparent pas au taux d'emploi à 6 mois de la DARES (autre mesure). "
        "Intervalles de confiance à 95 % (Wilson). Repères : circulaire DGEFP n° 2008-21, DARES (année indiquée) ; "
        "sources dans data/reference du projet iae-impact.",
        f"Secret statistique : aucune cellule de moins de {f.seuil} personnes n'est publiée, et des cellules "
        "voisines sont masquées quand elles permettraient de la recalculer"
        + (f" ({masked_in_year(f)} valeurs masquées pour {f.annee})." if masked_in_year(f) else "."),
    ]
    if not f.ctx.salarie:
        items.append("Programme d'accompagnement non salarié : pas d'heures de travail ni d'équivalent temps plein.")
    if f.ctx.perimetre.get("impact") is None:
        items.append("Ces chiffres décrivent des résultats, pas un impact : sans groupe de comparaison (personnes "
                     "orientées mais non embauchées, suivies de la même façon), on ne peut pas dire ce que ces "
                     "personnes seraient devenues sans le parcours.")
    items += method_data_items(f)
    if f.ctx.perimetre.get("comparaison") is not None:
        items.append("Taux attendu : modèle logistique sur toutes les sorties examinées des structures du même "
                     "dispositif, sur trois ans, selon le profil des personnes ; limites de l'entonnoir à 95 % et "
                     "99,8 % (loi binomiale exacte).")
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
    """Headline numbers for resume.json: masked cells are null and listed."""
    columns = ["personnes", "entrees", "heures", "etp", "sorties", "sorties_examinees", "sorties_dynamiques",
               "emploi_durable", "emploi_transition", "sorties_positives", "autres_sorties",
               "taux_sorties_dynamiques", "taux_sorties_dynamiques_ic_bas", "taux_sorties_dynamiques_ic_haut",
               "taux_emploi_durable"]
    def published(c: str) -> float | int | None:
        v = f.value(c)
        if v is None:
            return None
        return round(v, 6) if c.startswith("taux_") or c in ("heures", "etp") else int(v)

    values = {c: published(c) for c in columns}
    comparison = f.ctx.perimetre.get("comparaison")
    if comparison is not None and not reveals_small(comparison["observed"], comparison["n"], f.seuil):
        comparison = {k: comparison[k] for k in ("n", "observed_rate", "expected_rate", "oe_ratio", "oe_low",
                                                 "oe_high", "years")}
    else:
        comparison = None
    impact = f.ctx.perimetre.get("impact")
    money = f.ctx.perimetre.get("argent")
    if money is not None:
        money = {k: money.get(k) for k in ("aide_au_poste_eur", "source_aide_au_poste",
                                           "cout_public_par_sortie_dynamique_eur", "couts_evites_eur")}
    return {
        "id": note_id,
        "annee": f.annee,
        "perimetre": {k: f.ctx.perimetre.get(k) for k in ("structure", "sites", "libelle", "salarie",
                                                          "dispositifs")},
        "comparaison": comparison,
        "impact": impact,
        "argent": money,
        "seuil_secret": f.seuil,
        "masques": sorted(c for c in columns if f.masked(c)),
        "fictif": bool(f.ctx.provenance.get("fictif")),
        "empreinte_donnees": f.ctx.provenance.get("empreinte_donnees"),
        "indicateurs": values,
    }
