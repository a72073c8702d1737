"""The README's list of every accepted spelling (« Vos données »), written from the alias table
(``data/reference/graphies.csv``) so that the documentation cannot drift from what the reader accepts.

``python -m iae_impact.report.reference_docs`` rewrites the section of ``README.md`` between its two
markers; a test checks the committed README is what this module writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..base.paths import PROJECT_ROOT
from ..rules.tables import load_education_levels, load_spellings

BEGIN = "<!-- graphies : début (écrit par « python -m iae_impact.report.reference_docs » ; ne pas modifier ici) -->"
END = "<!-- graphies : fin -->"
#: Vocabularies of coded values, in the order shown, with the columns that use them.
VOCABULARIES = [
    ("oui_non", "Oui / non", "toutes les colonnes oui/non"),
    ("rsa", "Bénéficiaire du RSA, en plus de oui / non", "`beneficiaire_rsa`"),
    ("qpv", "Résidence en QPV, en plus de oui / non", "`residant_qpv`"),
    ("sexe", "Sexe", "`sexe`"),
    ("duree_ft", "Durée d'inscription à France Travail (ou un nombre de mois : « 14 mois »)", "`duree_inscription_ft`"),
    ("dispositif", "Dispositif : codes de mesure de l'ASP", "`dispositif`"),
    ("niveau_formation", "Niveau de formation, en plus des codes ASP", "`niveau_formation`"),
    ("motif", "Motif de sortie : formulations courtes (libellés ASP, anciens libellés et codes : "
              "`data/reference/motifs_sortie.csv`)", "`motif_sortie`"),
]
EFFECTS = {"signale": "accepté et signalé", "refuse": "refusé"}


def _quoted(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _headers(table) -> list[str]:
    rows = table[table["type"].eq("entete")]
    lines = ["| onglet | colonne | en-têtes acceptés (en plus du nom de la colonne) |", "| --- | --- | --- |"]
    for (portee, column), group in rows.groupby(["portee", "valeur"], sort=False):
        lines.append(f"| {portee.replace(' ', ', ')} | `{column}` | {_quoted(group['graphie'])} |")
    units = table[table["type"].eq("unite")]
    described = " ; ".join(f"{family} : {_quoted(group['graphie'])}" for family, group in units.groupby("valeur",
                                                                                                           sort=False))
    words = _quoted(table.loc[table["type"].eq("mot_quantite"), "graphie"])
    return [*lines, "",
            f"Un en-tête peut porter son unité entre parenthèses ou crochets (« Aide au poste (€) ») si c'est celle de "
            f"la colonne ({described}) ; une autre unité est refusée. Devant une colonne de quantité (heures, ETP), "
            f"il peut commencer par {words}. Deux en-têtes qui désignent la même colonne restent une erreur."]


def _values(table, vocabulary: str) -> str:
    rows = table[table["type"].eq(vocabulary)]
    rows = rows.assign(note=rows["remarque"].where(rows["effet"].isin(list(EFFECTS)), ""))
    parts = []
    for (value, effect, remark), group in rows.groupby(["valeur", "effet", "note"], sort=False):
        target = f" → `{value}`" if value else ""
        note = f" ({EFFECTS[effect]} : {remark})" if effect in EFFECTS else ""
        parts.append(f"{_quoted(group['graphie'])}{target}{note}")
    return " ; ".join(parts)


def accepted_spellings_markdown() -> str:
    """The README section: headers, units, coded values and their effect, formats of hours and rates."""
    table = load_spellings()
    levels = load_education_levels()
    lines = [BEGIN, "", "**En-têtes reconnus** (casse, accents, espaces, `_`, `-`, `.` et `/` indifférents) :", "",
             *_headers(table), "", "**Valeurs reconnues** (casse et accents indifférents) :", ""]
    for vocabulary, label, columns in VOCABULARIES:
        lines.append(f"- {label} ({columns}) : {_values(table, vocabulary)}.")
    lines += [
        f"- Codes du niveau de formation : {_quoted(levels['code'])} (les niveaux N3 à N8 de la nomenclature de 2019 "
        "se rangent avec les codes ASP du même groupe, `data/reference/niveaux_formation.csv`).",
        "- Heures (`heures`, `heures_travaillees`) : un nombre (`86,5`, `1 200`) ou une durée (`24:48`, `19h06`, "
        "`7 h 30`, `10:00:36` ; minutes et secondes de 0 à 59) ; une cellule de durée d'un classeur (`[h]:mm`) aussi.",
        "- Taux prévus d'une convention (`taux_prevu_*`) : en pourcentage (`60`, `60 %`, `60,5 %`) ; un nombre "
        "entre 0 et 1 sans « % » est refusé (0,6 % ou 60 % ?).",
        "", END]
    return "\n".join(lines)


def rewrite(readme: Path = PROJECT_ROOT / "README.md") -> bool:
    """Replace the README section between the markers; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + accepted_spellings_markdown() + text[end:]
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


def committed_section(readme: Path = PROJECT_ROOT / "README.md") -> str:
    text = readme.read_text(encoding="utf-8")
    return text[text.index(BEGIN):text.index(END) + len(END)]


if __name__ == "__main__":  # pragma: no cover
    if rewrite():
        print("README.md : section des graphies réécrite", file=sys.stderr)
