"""Content of the two-page advocacy brief: numbers computed once, masked, then turned into French
sentences, tables and one chart. The notebook ``10_note_elus`` only calls these functions.

Every number a reader sees goes through :func:`iae_impact.disclosure.apply_disclosure` first:
a masked cell is replaced by a phrase, never printed.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, reference
from .disclosure import DEFAULT_THRESHOLD, Suppression, apply_disclosure
from .fr import format_interval, format_number, format_rate
from .indicators import compute_indicators
from .ingest import Dataset
from .quality import is_fictional, select_perimeter

CONTEXT_TABLE = "indicateurs.parquet"
CONTEXT_META = "contexte.json"
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
    ("part_zrr", "Résidant en ZRR"), ("part_rqth", "Travailleurs handicapés (RQTH)"),
]  # fmt: skip


@dataclass
class BriefContext:
    """What a brief needs, computed once per run: the perimeter's indicators for every year."""

    indicateurs: pd.DataFrame
    perimetre: dict
    provenance: dict = field(default_factory=dict)

    @property
    def salarie(self) -> bool:
        return bool(self.perimetre.get("salarie", True))


def perimeter_label(structure: str | None, sites: list[str] | None) -> str:
    if sites and structure:
        return f"{structure} — {', '.join(sites)}"
    if sites:
        return ", ".join(sites)
    return structure or "Ensemble des structures"


def prepare_context(dataset: Dataset, structure: str | None = None, sites: list[str] | None = None) -> BriefContext:
    """Select the perimeter and compute its indicators for all years (persons counted once across sites).

    A perimeter without any salaried dispositif (e.g. an accompaniment programme only) is described
    with its non-salaried participants, and the brief says "accompagnées" rather than "ont travaillé".
    """
    sub = select_perimeter(dataset, structure=structure, sites=sites)
    salaried_codes = set(reference.load_dispositifs().query("salarie")["dispositif"])
    salarie = bool(sub.parcours["dispositif"].isin(salaried_codes).any())
    table = compute_indicators(sub, inclure_non_salaries=not salarie)
    dispositifs = sorted(sub.parcours.loc[sub.parcours["dispositif"].isin(salaried_codes) | (not salarie),
                                          "dispositif"].unique())
    return BriefContext(
        indicateurs=table,
        perimetre={"structure": structure, "sites": sites, "libelle": perimeter_label(structure, sites),
                   "salarie": salarie, "dispositifs": dispositifs},
        provenance={"empreinte_donnees": dataset.empreinte, "fictif": bool(is_fictional(dataset)),
                    "version": __version__},
    )


def save_context(ctx: BriefContext, directory: Path) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ctx.indicateurs.to_parquet(directory / CONTEXT_TABLE, index=False)
    (directory / CONTEXT_META).write_text(json.dumps({"perimetre": ctx.perimetre, "provenance": ctx.provenance},
                                                     ensure_ascii=False, indent=2), encoding="utf-8")
    return directory


def load_context(directory: Path) -> BriefContext:
    directory = Path(directory)
    meta = json.loads((directory / CONTEXT_META).read_text(encoding="utf-8"))
    return BriefContext(pd.read_parquet(directory / CONTEXT_TABLE), meta["perimetre"], meta["provenance"])


# --------------------------------------------------------------------------- masked values


@dataclass
class BriefFigures:
    """The masked indicators of the perimeter, with helpers that never reveal a masked cell."""

    ctx: BriefContext
    annee: int
    seuil: int = DEFAULT_THRESHOLD
    suppression: Suppression = field(init=False)

    def __post_init__(self) -> None:
        self.suppression = apply_disclosure(self.ctx.indicateurs, seuil=self.seuil)
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


def _esc(text: object) -> str:
    return html.escape(str(text))


def title_html(f: BriefFigures, destinataire: dict) -> str:
    p = f.ctx.perimetre
    to = ", ".join(x for x in (destinataire.get("nom"), destinataire.get("qualite")) if x)
    fictional = ('<p class="fictif">Données fictives : jeu de démonstration, aucune personne réelle.</p>'
                 if f.ctx.provenance.get("fictif") else "")
    return (f'<header class="note-titre"><p class="destinataire">Destinataire : {_esc(to)}</p>'
            f"<h1>L'insertion par l'activité économique — {_esc(p['libelle'])}</h1>"
            f'<p class="sous-titre">Bilan {f.annee} · {_esc(", ".join(p.get("dispositifs") or []))}</p>'
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
        ref = reference.national_reference(column, f.annee) if f.ctx.salarie else None
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
        ref = reference.national_reference(column, f.annee) if f.ctx.salarie else None
        rows.append({"Profil": label, "Part": f.rate(column), "Sur": f"{format_number(n)} pers.",
                     "Repère national": _ref_text(ref) if ref else "—"})
    return pd.DataFrame(rows)


def trend_figure(f: BriefFigures):
    """Sorties dynamiques rate per year with its interval; masked years are left out. Returns (fig, alt text)."""
    import matplotlib.pyplot as plt

    from .plots import plot_rate_by_year, set_style

    set_style()
    plt.rcParams.update({"font.size": 8, "axes.labelsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8})
    t = f.suppression.table.dropna(subset=["taux_sorties_dynamiques"])
    fig, ax = plt.subplots(figsize=(7.0, 2.3))
    plot_rate_by_year(t, "taux_sorties_dynamiques", hue=None, title="", ax=ax)
    ax.set_ylabel("Sorties dynamiques")
    ref = reference.national_reference("taux_sorties_dynamiques", f.annee)
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
    all_years = f.ctx.indicateurs.loc[f.ctx.indicateurs["sorties_examinees"] > 0, "annee"].astype(int)
    hidden = [y for y in all_years if f.masked("taux_sorties_dynamiques", y)]
    text = ("Chaque point est le taux d'une année, avec son intervalle de confiance à 95 % : "
            "plus il y a de sorties, plus l'intervalle est étroit.")
    if hidden:
        text += f" Années non publiées (moins de {f.seuil} sorties ou cellules masquées) : " + ", ".join(
            str(y) for y in hidden) + "."
    return text


def figure_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    return buf.getvalue()


def method_items(f: BriefFigures) -> list[str]:
    rules = reference.load_dispositifs().set_index("dispositif")
    conditions = []
    for d in f.ctx.perimetre.get("dispositifs") or []:
        rule = rules.loc[d]
        if rule["regle_examen"] == "duree_mois":
            conditions.append(f"{d} : au moins {int(rule['seuil_examen'])} mois de parcours")
        elif rule["regle_examen"] == "heures":
            conditions.append(f"{d} : au moins {int(rule['seuil_examen'])} heures travaillées")
        else:
            conditions.append(f"{d} : sans condition")
    items = [
        "Sorties examinées : sorties de l'année qui remplissent la condition du dispositif ("
        + "; ".join(conditions) + "), hors « retrait des sorties constatées ». Sorties dynamiques = emploi "
        "durable + emploi de transition + sorties positives (nomenclature ASP).",
        "Taux déclarés à la sortie par la structure : ils ne se comparent pas au taux d'emploi 6 mois après la "
        "sortie publié par la DARES, qui mesure autre chose. Intervalles de confiance à 95 % (méthode de Wilson).",
        "Repères nationaux : objectifs de la circulaire DGEFP n° 2008-21 et statistiques DARES (année indiquée) ; "
        "détail et sources dans data/reference du projet iae-impact.",
        f"Secret statistique : aucune cellule de moins de {f.seuil} personnes n'est publiée, et des cellules "
        "voisines sont masquées quand elles permettraient de la recalculer"
        + (f" ({masked_in_year(f)} valeurs masquées pour {f.annee})." if masked_in_year(f) else "."),
    ]
    if not f.ctx.salarie:
        items.append("Programme d'accompagnement non salarié : pas d'heures de travail ni d'équivalent temps plein.")
    return items


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
    return {
        "id": note_id,
        "annee": f.annee,
        "perimetre": f.ctx.perimetre,
        "seuil_secret": f.seuil,
        "masques": sorted(c for c in columns if f.masked(c)),
        "fictif": bool(f.ctx.provenance.get("fictif")),
        "empreinte_donnees": f.ctx.provenance.get("empreinte_donnees"),
        "indicateurs": values,
    }


def html_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul>"


def html_table(df: pd.DataFrame, css_class: str = "") -> str:
    return df.to_html(index=False, escape=True, border=0, classes=css_class or None)
