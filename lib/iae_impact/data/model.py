"""The data model every reader produces: a validated :class:`Dataset`, the :class:`Probleme` found in the
input (file, sheet, row, column, value, French message) and the row accounting of each sheet."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

SHEETS = ("parcours", "heures", "conventions", "sites", "candidats")


PARQUET_SUFFIXES = (".parquet", ".pq")
#: The file ``iae-impact demo`` writes beside the fictional data: the checksum of each file it wrote.
DEMO_MARKER = "iae-impact-demo.json"


@dataclass(frozen=True)
class Probleme:
    """One problem found in the input, located as precisely as possible."""

    fichier: str
    feuille: str | None
    ligne: int | None
    colonne: str | None
    valeur: str | None
    message: str

    def __str__(self) -> str:
        where = [f"fichier « {self.fichier} »"]
        if self.feuille:
            where.append(f"onglet « {self.feuille} »")
        if self.ligne is not None:
            where.append(f"ligne {self.ligne}" + (" (rang de la ligne de données, la première valant 1)"
                                                  if is_parquet_name(self.fichier) else ""))
        if self.colonne:
            where.append(f"colonne « {self.colonne} »")
        text = ", ".join(where)
        if self.valeur not in (None, ""):
            text += f" (valeur « {self.valeur} »)"
        return f"{text} : {self.message}"


@dataclass
class BilanFeuille:
    """Row accounting of one sheet: every row read is accepted or rejected."""

    fichier: str
    feuille: str
    lignes_lues: int
    lignes_rejetees: int
    lignes_vides_ignorees: int = 0

    @property
    def lignes_acceptees(self) -> int:
        return self.lignes_lues - self.lignes_rejetees


def is_parquet_name(name: str) -> bool:
    return str(name).lower().endswith(PARQUET_SUFFIXES)


class DonneesInvalides(Exception):
    """The input cannot be used; ``problemes`` lists every problem found."""

    def __init__(self, problemes: list[Probleme], bilan: list[BilanFeuille] | None = None):
        self.problemes = problemes
        self.bilan = bilan or []
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.problemes)
        head = f"{n} problème{'s' if n > 1 else ''} dans les données ; rien n'a été écrit."
        return "\n".join([head, *(f"- {p}" for p in self.problemes)])


@dataclass
class Dataset:
    """A validated, pseudonymised dataset: one DataFrame per sheet (None when absent)."""

    parcours: pd.DataFrame
    heures: pd.DataFrame | None = None
    conventions: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None
    candidats: pd.DataFrame | None = None
    source: str = ""
    empreintes: dict[str, str] = field(default_factory=dict)
    bilan: list[BilanFeuille] = field(default_factory=list)
    avertissements: list[Probleme] = field(default_factory=list)
    #: Motive -> ASP category when the data carry their own table (a fluxIAE extract's RefMotifSort and
    #: RefCategorieSort): it wins over the project's (``data/reference/motifs_sortie.csv``). None: the project's.
    categories_motifs: pd.Series | None = None
    #: What the motive table of the data is, in French (None: the project's own table).
    source_motifs: str | None = None
    #: True when every file read is a file written by ``iae-impact demo``, as its marker lists it
    #: (:data:`DEMO_MARKER`): the notes then say « données fictives ».
    fictif: bool = False
    #: First year of activity of the whole export (-1: none), computed once by the indicators
    #: (:func:`~iae_impact.analysis.indicators.first_activity_year`) and shared by its perimeters.
    premiere_annee: int | None = None
    #: The dataset this one is a perimeter of (:func:`~iae_impact.data.selection.select_perimeter`), None for a
    #: whole dataset: a convention covering a whole structure is shared among its sites on the whole structure.
    ensemble: Dataset | None = field(default=None, repr=False)

    def sheet(self, name: str) -> pd.DataFrame | None:
        return getattr(self, name)

    @property
    def empreinte(self) -> str:
        """One SHA-256 over every input file (provenance line of the outputs)."""
        h = hashlib.sha256()
        for name in sorted(self.empreintes):
            h.update(f"{name}:{self.empreintes[name]}\n".encode())
        return h.hexdigest()
