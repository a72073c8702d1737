"""Accepted spellings of headers and coded values in users' exports, each mapped to the one value the
package uses. Every spelling is data (``data/reference/graphies.csv``, with its source), read here once;
matching is on folded text (:func:`iae_impact.base.text.fold`).

A spelling has an effect: ``accepte`` (read as its value), ``signale`` (read as its value and named in a
warning: ``ACI_MP`` is counted as ACI, the warning says so) or ``refuse`` (never guessed: the row is refused
with the table's own explanation, e.g. « sans diplôme » as an education level).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ..base.text import fold
from .tables import load_spellings

#: Vocabularies of yes/no columns beyond oui/non (the column's schema names one: ``rsa``, ``qpv``).
BOOLEAN_BASE = "oui_non"


@dataclass(frozen=True)
class Spelling:
    """What one accepted spelling means."""

    valeur: str
    effet: str  # accepte, signale, refuse
    remarque: str
    graphie: str


@cache
def spellings(vocabulary: str) -> dict[str, Spelling]:
    """Folded spelling -> its meaning, for one ``type`` of ``graphies.csv`` (a vocabulary)."""
    table = load_spellings()
    rows = table[table["type"].eq(vocabulary)]
    out: dict[str, Spelling] = {}
    for row in rows.itertuples(index=False):
        key = fold(row.graphie)
        if key in out:
            raise ValueError(f"graphies.csv : « {row.graphie} » figure deux fois pour le type {vocabulary}")
        out[key] = Spelling(row.valeur, row.effet, row.remarque, row.graphie)
    return out


def coded_value(vocabulary: str, text: str) -> Spelling | None:
    """The meaning of ``text`` in ``vocabulary``; None when it is not an accepted spelling."""
    return spellings(vocabulary).get(fold(text)) if text else None


def signalled(vocabulary: str) -> dict[str, Spelling]:
    """Spellings of ``vocabulary`` accepted but named in a warning (``ACI_MP``: counted as ACI)."""
    return {key: found for key, found in spellings(vocabulary).items() if found.effet == "signale"}


def refusal_reason(vocabulary: str | None, text: str) -> str | None:
    """Why ``text`` is refused in ``vocabulary`` (the table's own explanation); None when it is not refused."""
    if not vocabulary or not text:
        return None
    found = coded_value(vocabulary, text)
    return found.remarque if found is not None and found.effet == "refuse" else None


def boolean_value(text: str, vocabulary: str | None = None) -> bool | None:
    """``True``/``False`` for an accepted yes/no spelling (and those of ``vocabulary``: ``OUI-M`` for RSA,
    ``QP`` for QPV), None otherwise."""
    for name in (BOOLEAN_BASE, vocabulary):
        found = coded_value(name, text) if name else None
        if found is not None and found.effet != "refuse":
            return found.valeur == "oui"
    return None


def sex_value(text: str) -> str | None:
    """``F`` or ``M`` for an accepted spelling, None otherwise (empty text: None)."""
    found = coded_value("sexe", text)
    return found.valeur if found is not None and found.effet != "refuse" else None


def duration_category(text: str) -> str | None:
    """France Travail registration duration as its category: a spelling of the table (label, ASP code) or a
    number of months; None otherwise."""
    found = coded_value("duree_ft", text)
    if found is not None:
        return found.valeur if found.effet != "refuse" else None
    months = re.fullmatch(r"(\d+)(?:[.,]\d+)?\s*(?:mois)?", fold(text))
    if months:
        m = int(months.group(1))
        return ("non inscrit" if m == 0 else "moins de 6 mois" if m < 6 else "6 à 11 mois" if m < 12
                else "12 à 23 mois" if m < 24 else "24 mois et plus")
    return None


@cache
def header_aliases(sheet: str) -> dict[str, tuple[str, ...]]:
    """Column -> accepted header variants of one sheet (``entete`` rows whose ``portee`` names it)."""
    table = load_spellings()
    rows = table[table["type"].eq("entete")]
    out: dict[str, list[str]] = {}
    for row in rows.itertuples(index=False):
        if sheet in row.portee.split():
            out.setdefault(row.valeur, []).append(row.graphie)
    return {column: tuple(names) for column, names in out.items()}


def unit_family(text: str) -> str | None:
    """The unit family (``eur``, ``heures``, ``pourcent``, ``etp``) of a unit written after a header."""
    found = spellings("unite").get(fold(text))
    return found.valeur if found is not None else None


@lru_cache(maxsize=1)
def quantity_words() -> tuple[str, ...]:
    """Words a header may start with before a quantity (« nb », « nombre de »), longest first."""
    return tuple(sorted(spellings("mot_quantite"), key=len, reverse=True))
