"""Pandera schemas of the input sheets, declared once.

One declaration serves four purposes: validation (``validate``), the typed
columns the reader parses to (``metadata["type"]``, with the vocabulary of accepted
spellings a column adds to its kind, ``metadata["vocabulaire"]``) and the
documentation of the Excel template (``description``, ``metadata["valeurs"]``,
``metadata["exemple"]``). The header variants a column accepts are data
(``data/reference/graphies.csv``, :func:`iae_impact.rules.values.header_aliases`),
and so are the units a header may carry (``metadata["unite"]``).
Messages are French: users read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..base.text import fold
from ..rules import tables
from ..rules.calendar import YEAR_MAX, YEAR_MIN
from ..rules.values import header_aliases

if TYPE_CHECKING:  # pandera is imported when the schemas are first built: importing this module stays cheap
    from pandera.pandas import Check, Column, DataFrameSchema

SEXES = ("F", "M")
BOOLEENS = ("oui", "non")
DUREES_FT = ("non inscrit", "moins de 6 mois", "6 à 11 mois", "12 à 23 mois", "24 mois et plus")

# Column kinds the reader knows how to parse.
TEXTE, CODE, DATE, ENTIER, DECIMAL, BOOLEEN, MOTIF, SEXE, DUREE_FT = (
    "texte", "code", "date", "entier", "decimal", "booleen", "motif", "sexe", "duree_ft",
)  # fmt: skip

#: dtype of each kind in a validated frame (plain numpy where possible, for statsmodels).
KIND_DTYPES = {
    TEXTE: str, CODE: str, MOTIF: str, SEXE: str, DUREE_FT: str,
    DATE: "datetime64[ns]", ENTIER: "int64", DECIMAL: "float64", BOOLEEN: "boolean",
}  # fmt: skip


def _values(kind: str, values: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if values is not None:
        return values
    return {SEXE: SEXES, BOOLEEN: BOOLEENS, DUREE_FT: DUREES_FT}.get(kind)


def _col(
    kind: str,
    description: str,
    *,
    required: bool = True,
    nullable: bool = False,
    checks: list[Check] | None = None,
    values: tuple[str, ...] | None = None,
    example: str = "",
    dtype: object = None,
    unique: bool = False,
    publishable: bool = False,
    vocabulary: str | None = None,
    unit: str | None = None,
    quantity: bool = False,
) -> Column:
    """One column. ``vocabulary``: the spellings of ``graphies.csv`` this column accepts beyond its kind's
    (``rsa``: ``OUI-M``…; ``dispositif``: ``ACI_DC``…; ``heures``: durations written ``24:48`` or ``19h06``;
    ``pourcent``: a rate written in percent); ``unit``: the unit family a header may name in parentheses
    (``eur``, ``heures``, ``pourcent``, ``etp``); ``quantity``: a header may start with « nb » or « nombre de »."""
    from pandera.pandas import Check, Column

    values = _values(kind, values)
    checks = list(checks or [])
    if values is not None and kind not in (BOOLEEN, MOTIF):  # a motive is checked when parsed
        allowed = set(values)
        listed = ", ".join(values) if len(values) <= 12 else "voir l'onglet « listes » du modèle"
        checks.append(
            Check(lambda s, a=allowed: s.isin(a), ignore_na=True, error=f"valeur non reconnue (attendu : {listed})")
        )
    # An integer column with missing values is stored as float (plain numpy, NaN).
    if dtype is None:
        dtype = "float64" if (kind == ENTIER and nullable) else KIND_DTYPES[kind]
    return Column(
        dtype,
        checks=checks,
        nullable=nullable,
        required=required,
        unique=unique,
        report_duplicates="all",
        description=description,
        metadata={"type": kind, "valeurs": values, "exemple": example, "publiable": publishable,
                  "vocabulaire": vocabulary, "unite": unit, "quantite": quantity},
    )


def _not_future(s: pd.Series) -> pd.Series:
    return s <= pd.Timestamp(dt.date.today())


@lru_cache(maxsize=1)
def _shared_checks() -> dict[str, Check]:
    from pandera.pandas import Check

    return {
        "NON_NEGATIF": Check.ge(0, error="la valeur ne peut pas être négative"),
        "PAS_FUTUR": Check(_not_future, ignore_na=True, error="la date est dans le futur"),
        "ANNEE_VALIDE": Check.in_range(YEAR_MIN, YEAR_MAX,
                                       error=f"l'année doit être comprise entre {YEAR_MIN} et {YEAR_MAX}"),
    }


def __getattr__(name: str):  # NON_NEGATIF, PAS_FUTUR, ANNEE_VALIDE: built with the schemas, on first use
    if name in ("NON_NEGATIF", "PAS_FUTUR", "ANNEE_VALIDE"):
        return _shared_checks()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
# Row-level checks: their message names the column the user must fix.
MSG_DATES_INVERSEES = "la date de sortie est antérieure à la date d'entrée"
MSG_MOTIF_MANQUANT = "une date de sortie est renseignée mais pas le motif de sortie"
MSG_MOTIF_SANS_DATE = "un motif de sortie est renseigné sans date de sortie"
MSG_HEURES_INVRAISEMBLABLES = ("plus d'heures que la durée du parcours n'en permet (48 heures par semaine au "
                               "plus, durée maximale légale)")
#: Legal maximum working week (code du travail, L3121-20): bounds the total hours of a parcours.
MAX_WEEKLY_HOURS = 48
ROW_CHECK_COLUMN = {
    MSG_HEURES_INVRAISEMBLABLES: "heures_travaillees",
    MSG_DATES_INVERSEES: "date_sortie",
    MSG_MOTIF_MANQUANT: "motif_sortie",
    MSG_MOTIF_SANS_DATE: "date_sortie",
}


def _dates_ordered(df: pd.DataFrame) -> pd.Series:
    unknown = df["date_sortie"].isna() | df["date_entree"].isna()  # a missing date is reported on its own
    return unknown | (df["date_sortie"] >= df["date_entree"])


def _plausible_hours(df: pd.DataFrame) -> pd.Series:
    if "heures_travaillees" not in df:
        return pd.Series(True, index=df.index)
    end = df["date_sortie"].fillna(pd.Timestamp(dt.date.today()))
    weeks = ((end - df["date_entree"]).dt.days + 1) / 7
    limit = MAX_WEEKLY_HOURS * weeks.clip(lower=1)  # dates in the future or reversed: reported on their own
    return df["heures_travaillees"].isna() | ~(weeks > 0) | (df["heures_travaillees"] <= limit)


def _exit_has_motive(df: pd.DataFrame) -> pd.Series:
    return df["date_sortie"].isna() | df["motif_sortie"].notna()


def _motive_has_exit(df: pd.DataFrame) -> pd.Series:
    return df["motif_sortie"].isna() | df["date_sortie"].notna()


def _profile_columns() -> dict[str, Column]:
    """Profile columns shared by ``parcours`` and ``candidats``."""
    from pandera.pandas import Check

    levels = tuple(tables.load_education_levels()["code"])
    this_year = dt.date.today().year
    return {
        "sexe": _col(SEXE, "Sexe : F ou M (Femme/Homme, Mme/M. acceptés).", required=False,
                     nullable=True, example="F"),
        "annee_naissance": _col(
            ENTIER, "Année de naissance (l'année seule : jamais la date complète).",
            required=False, nullable=True,
            checks=[Check.in_range(1900, this_year, error=f"l'année de naissance doit être entre 1900 et {this_year}")],
            example="1985"),
        "niveau_formation": _col(
            CODE, "Niveau de formation : code ASP (00, 01, 10 … 70) ou niveau de la nomenclature de 2019 (N1 à N8, "
            "« niveau 3 », « CAP, BEP »…) ; voir l'onglet listes.",
            required=False, nullable=True, values=levels, vocabulary="niveau_formation",
            example="50"),
        "beneficiaire_rsa": _col(BOOLEEN, "Bénéficiaire du RSA à l'entrée : oui / non (codes ASP OUI-M, OUI-NM, "
                                 "NON acceptés).", required=False, nullable=True, example="oui", vocabulary="rsa"),
        "duree_inscription_ft": _col(
            DUREE_FT, "Durée d'inscription à France Travail à l'entrée (catégorie, code ASP 01–04 ou nombre de mois).",
            required=False, nullable=True,
            example="12 à 23 mois"),
        "residant_qpv": _col(BOOLEEN, "Réside dans un quartier prioritaire (QPV) : oui / non (codes ASP QP, NQP "
                             "acceptés).", required=False, nullable=True, example="non", vocabulary="qpv"),
        "residant_zrr": _col(BOOLEEN, "Réside en zone de revitalisation rurale (ZRR) : oui / non.", required=False,
                             nullable=True, example="oui"),
        "rqth": _col(BOOLEEN, "Reconnaissance de la qualité de travailleur handicapé : oui / non.", required=False,
                     nullable=True, example="non"),
        "orienteur": _col(TEXTE, "Qui a orienté la personne (France Travail, Mission locale, CD…).",
                          required=False, nullable=True, example="France Travail"),
    }


@lru_cache(maxsize=1)
def sheet_schemas() -> dict[str, DataFrameSchema]:
    """The schema of every input sheet, in the order of the template."""
    from pandera.pandas import Check, DataFrameSchema

    NON_NEGATIF, PAS_FUTUR, ANNEE_VALIDE = (_shared_checks()[k] for k in ("NON_NEGATIF", "PAS_FUTUR",  # noqa: N806
                                                                           "ANNEE_VALIDE"))
    TAUX = Check.in_range(0, 1, error="le taux doit être compris entre 0 et 100 %")  # noqa: N806 - stored as a proportion
    dispositifs = tuple(tables.load_dispositifs()["dispositif"])
    motives = tuple(tables.load_exit_motives()["libelle"])
    parcours = DataFrameSchema(
        {
            "id_parcours": _col(TEXTE, "Identifiant du parcours (facultatif ; obligatoire si l'onglet heures est rempli).",
                                required=False, unique=True, example="P-0001"),
            "id_personne": _col(TEXTE, "Identifiant de la personne, le même dans tous ses parcours. Il est remplacé "
                                "par un code chiffré (clé hors du dépôt) avant toute écriture.",
                                example="SAL-0001"),
            "structure": _col(TEXTE, "Nom de la structure porteuse.", example="Mon association",
                              publishable=True),
            "site": _col(TEXTE, "Site ou antenne (si absent : le nom de la structure).", required=False,
                         example="Narbonne",
                         publishable=True),
            "dispositif": _col(CODE, "ACI, AI, EI, ETTI, EITI ou ACCOMPAGNEMENT (programme non salarié) ; codes de "
                               "mesure ASP acceptés (ACI_DC, AI_DC…).",
                               values=dispositifs, example="ACI", publishable=True, vocabulary="dispositif"),
            "action": _col(TEXTE, "Libellé libre de l'action (atelier, chantier…).", required=False, nullable=True,
                           example="Atelier meubles",
                           publishable=True),
            "date_entree": _col(DATE, "Date d'entrée dans le parcours (jj/mm/aaaa).",
                                checks=[PAS_FUTUR],
                                example="15/03/2023"),
            "date_sortie": _col(DATE, "Date de sortie (vide si le parcours est en cours).", required=False, nullable=True,
                                checks=[PAS_FUTUR],
                                example="30/06/2024"),
            "motif_sortie": _col(MOTIF, "Motif de sortie : libellé ou code ASP (obligatoire si une date de sortie est "
                                 "renseignée).", required=False, nullable=True, values=motives, vocabulary="motif",
                                 example="Embauche en CDI non aidé"),
            "heures_travaillees": _col(DECIMAL, "Total des heures travaillées du parcours (utilisé si l'onglet heures "
                                       "est absent pour ce parcours ; 1200,5 ou 1200:30 ou 1200h30).", required=False,
                                       nullable=True, checks=[NON_NEGATIF], vocabulary="heures", unit="heures",
                                       quantity=True,
                                       example="1200,5"),
            **_profile_columns(),
            "en_emploi_6_mois": _col(BOOLEEN, "Suivi : en emploi 6 mois après la sortie (oui / non), si connu.",
                                     required=False, nullable=True,
                                     example="oui"),
        },
        checks=[
            Check(_dates_ordered, error=MSG_DATES_INVERSEES),
            Check(_plausible_hours, error=MSG_HEURES_INVRAISEMBLABLES),
            Check(_exit_has_motive, error=MSG_MOTIF_MANQUANT),
            Check(_motive_has_exit, error=MSG_MOTIF_SANS_DATE),
        ],
        unique=["id_personne", "structure", "site", "dispositif", "date_entree"],
        report_duplicates="all",
        name="parcours",
        description="Un parcours par ligne : une personne × une structure × un dispositif (obligatoire).",
        metadata={"obligatoire": True},
    )
    heures = DataFrameSchema(
        {
            "id_parcours": _col(TEXTE, "Identifiant du parcours (celui de l'onglet parcours).",
                                example="P-0001"),
            "annee": _col(ENTIER, "Année.", checks=[ANNEE_VALIDE], example="2024"),
            "mois": _col(ENTIER, "Mois (1 à 12).", checks=[Check.in_range(1, 12, error="le mois doit être entre 1 et 12")],
                         example="3"),
            "heures": _col(DECIMAL, "Heures travaillées dans le mois (86,5 ou 86:30 ou 86h30).",
                           checks=[NON_NEGATIF, Check.le(744, error="plus d'heures que le mois n'en compte (744 h)")],
                           vocabulary="heures", unit="heures", quantity=True,
                           example="86,5"),
        },
        unique=["id_parcours", "annee", "mois"],
        report_duplicates="all",
        name="heures",
        description="Heures travaillées par parcours et par mois (facultatif, préféré au total).",
        metadata={"obligatoire": False},
    )
    montant = {"checks": [NON_NEGATIF], "required": False, "nullable": True}
    conventions = DataFrameSchema(
        {
            "structure": _col(TEXTE, "Nom de la structure.", example="Mon association"),
            "site": _col(TEXTE, "Site ; vide : la convention couvre toute la structure (tous ses sites).",
                         required=False, nullable=True, example="Narbonne"),
            "dispositif": _col(CODE, "Dispositif conventionné.", values=dispositifs, example="ACI",
                               vocabulary="dispositif"),
            "annee": _col(ENTIER, "Année de l'annexe financière.", checks=[ANNEE_VALIDE], example="2024"),
            "etp_conventionnes": _col(DECIMAL, "ETP (postes) conventionnés.", example="12,5", unit="etp",
                                      quantity=True, **montant),
            "aide_au_poste_eur": _col(DECIMAL, "Aide au poste versée par l'État (€).",
                                      example="298000", unit="eur", **montant),
            "cofinancement_departement_eur": _col(DECIMAL, "Cofinancement du département (€).",
                                                  example="45000", unit="eur", **montant),
            "autres_financements_eur": _col(DECIMAL, "Autres financements publics (€).",
                                            example="12000", unit="eur", **montant),
            "numero_annexe_financiere": _col(TEXTE, "Numéro de l'annexe financière (facultatif).", required=False,
                                             nullable=True, example="ACI011240012A0M0"),
            "taux_prevu_sorties_dynamiques": _col(
                DECIMAL, "Taux de sorties dynamiques prévu par la convention, en % (facultatif).", required=False,
                nullable=True, checks=[TAUX], example="60", vocabulary="pourcent", unit="pourcent"),
            "taux_prevu_emploi_durable": _col(
                DECIMAL, "Taux de sorties en emploi durable prévu par la convention, en % (facultatif).",
                required=False, nullable=True, checks=[TAUX], example="25", vocabulary="pourcent", unit="pourcent"),
        },
        unique=["structure", "site", "dispositif", "annee"],
        report_duplicates="all",
        name="conventions",
        description="Conventionnement par structure × site × dispositif × année (facultatif).",
        metadata={"obligatoire": False},
    )
    sites = DataFrameSchema(
        {
            "site": _col(TEXTE, "Nom du site, tel qu'écrit dans l'onglet parcours.", example="Narbonne", publishable=True),
            "commune": _col(TEXTE, "Commune.", required=False, nullable=True, example="Narbonne", publishable=True),
            "code_commune": _col(TEXTE, "Code commune INSEE.", required=False, nullable=True,
                                 example="11262", publishable=True),
            "departement": _col(TEXTE, "Département (code).", required=False, nullable=True,
                                example="11", publishable=True),
            "circonscription": _col(TEXTE, "Circonscription législative.", required=False, nullable=True,
                                    example="11-02", publishable=True),
        },
        unique=["site"],
        report_duplicates="all",
        name="sites",
        description="Un site par ligne (facultatif) : où il se trouve.",
        metadata={"obligatoire": False},
    )
    candidats = DataFrameSchema(
        {
            "id_personne": _col(TEXTE, "Identifiant de la personne (facultatif ; chiffré avant écriture).",
                                required=False, nullable=True, example="CAND-0001"),
            "structure": _col(TEXTE, "Structure vers laquelle la personne a été orientée.", required=False,
                              nullable=True, example="Mon association"),
            "dispositif": _col(CODE, "Dispositif visé.", required=False, nullable=True, values=dispositifs,
                               example="ACI"),
            "date_orientation": _col(DATE, "Date de l'orientation.", required=False, nullable=True,
                                     checks=[PAS_FUTUR], example="02/02/2023"),
            **_profile_columns(),
            "en_emploi_6_mois": _col(BOOLEEN, "En emploi 6 mois après l'orientation (oui / non).",
                                     example="non"),
        },
        name="candidats",
        description="Groupe de comparaison : personnes orientées mais non embauchées (facultatif).",
        metadata={"obligatoire": False},
    )
    return {"parcours": parcours, "heures": heures, "conventions": conventions, "sites": sites,
            "candidats": candidats}


#: Sheets whose columns can group an indicator table (``sites`` columns are joined to the parcours by site).
GROUPING_SHEETS = ("parcours", "sites")


def publishable_groupings() -> tuple[str, ...]:
    """The columns a published indicator table may be grouped by: those declared ``publiable`` in the
    schemas (the structure, its sites and their places, the dispositif, the action). An identifier, a date
    or a profile column would publish rows of one or a few persons."""
    names: list[str] = []
    for sheet in GROUPING_SHEETS:
        names += [name for name, column in sheet_schemas()[sheet].columns.items()
                  if column.metadata.get("publiable") and name not in names]
    return tuple(names)


def publishable_grouping(columns: Sequence[str]) -> list[str]:
    """``columns`` as schema names (headers written as in a sheet are accepted: « Département »), each once;
    :class:`ValueError` (French) naming the allowed columns when one is not a publishable grouping."""
    allowed = publishable_groupings()
    folded = {fold(name, separators=True): name for name in allowed}
    out: list[str] = []
    for column in columns:
        name = folded.get(fold(column, separators=True))
        if name is None:
            raise ValueError(
                f"Regroupement refusé : « {column} » n'est pas une colonne de regroupement publiable (un "
                "identifiant, une date ou une donnée de profil publierait des lignes d'une ou de quelques "
                f"personnes). Colonnes acceptées : {', '.join(allowed)}.")
        if name not in out:
            out.append(name)
    return out


@dataclass(frozen=True)
class ColumnSpec:
    """Plain view of one column of the schema (for the reader and the template)."""

    sheet: str
    name: str
    kind: str
    required: bool
    nullable: bool
    description: str
    alias: tuple[str, ...]
    values: tuple[str, ...] | None
    example: str
    vocabulary: str | None = None
    unit: str | None = None
    quantity: bool = False


@cache
def column_specs(sheet: str) -> list[ColumnSpec]:
    """Columns of ``sheet`` in declaration order."""
    schema = sheet_schemas()[sheet]
    aliases = header_aliases(sheet)
    return [
        ColumnSpec(sheet, name, col.metadata["type"], col.required, col.nullable, col.description or "",
                   aliases.get(name, ()), col.metadata["valeurs"], col.metadata["exemple"],
                   col.metadata["vocabulaire"], col.metadata["unite"], col.metadata["quantite"])
        for name, col in schema.columns.items()
    ]


class SchemaErrors(Exception):
    """Every failed check of one sheet, as pandera would report them lazily.

    ``failure_cases`` has one row per failure: ``column``, ``check`` (the check's French error
    message, ``not_nullable``, ``field_uniqueness``, ``multiple_fields_uniqueness`` or
    ``dtype('...')``) and ``index`` (the row label, None for a column-level failure).
    """

    def __init__(self, sheet: str, failure_cases: pd.DataFrame):
        self.sheet = sheet
        self.failure_cases = failure_cases
        super().__init__(f"{len(failure_cases)} échec(s) de validation dans l'onglet « {sheet} »")


def validate(sheet: str, df: pd.DataFrame) -> pd.DataFrame:
    """Validate a typed frame against the schema of ``sheet``; raises :class:`SchemaErrors` listing every failure.

    The checks are those declared in :func:`sheet_schemas` (types, missing values, allowed values, ranges,
    row checks, uniqueness), evaluated here with vectorised numpy/pandas code rather than by pandera's
    validation engine: same rules and same failure cases, at a cost that stays small on 12 million rows
    (uniqueness is tested on integer codes, in one pass when the rows are already sorted).
    """
    schema = sheet_schemas()[sheet]
    cases = _Failures(df.index)
    missing_of: dict[str, np.ndarray] = {}
    for name, column in schema.columns.items():
        if name in df.columns:
            missing_of[name] = _check_column(name, column, df, cases)
        elif column.required:
            cases.add(name, "column_in_dataframe", None)
    for check in schema.checks:
        cases.add("", _check_name(check), _failed(check, df, None))
    if schema.unique:
        subset = [c for c in schema.unique if c in df.columns]
        dup = duplicated_rows(df, subset)
        for name in subset:  # each duplicated row is reported in every key column where it has a value
            missing = missing_of[name] if name in missing_of else df[name].isna().to_numpy()
            cases.add(name, "multiple_fields_uniqueness", dup & ~missing)
    if cases.cases:
        raise SchemaErrors(sheet, cases.frame())
    return df


class _Failures:
    """Failure cases as pandera reports them: (column, check, row label), None for a whole column."""

    def __init__(self, index: pd.Index):
        self.index = index
        self.cases: list[tuple[str, str, np.ndarray | None]] = []

    def add(self, column: str, check: str, failed: np.ndarray | None) -> None:
        if failed is None:
            self.cases.append((column, check, None))
        elif failed.any():
            self.cases.append((column, check, self.index[failed].to_numpy()))

    def frame(self) -> pd.DataFrame:
        rows = [(column, check, None if idx is None else label) for column, check, idx in self.cases
                for label in ([None] if idx is None else idx)]
        return pd.DataFrame(rows, columns=["column", "check", "index"])


def _check_column(name: str, column: Column, df: pd.DataFrame, cases: _Failures) -> np.ndarray:
    """The checks of one present column; returns its missing-value mask."""
    values = df[name]
    missing = values.isna().to_numpy()
    if not column.nullable:
        cases.add(name, "not_nullable", missing)
    if not _dtype_matches(str(column.dtype), values.dtype):
        cases.add(name, f"dtype('{column.dtype}')", None)
    for check in column.checks:
        cases.add(name, _check_name(check), _failed(check, values, missing))
    if column.unique:  # a missing value is reported as missing, not as a duplicate (as pandera does)
        cases.add(name, "field_uniqueness", duplicated_rows(df, [name]) & ~missing)
    return missing


def _check_name(check: Check) -> str:
    return str(check.error or check.name)


def _dtype_matches(declared: str, actual) -> bool:
    if declared == "str":  # text: plain objects, or categories of text (large frames)
        return pd.api.types.is_object_dtype(actual) or isinstance(actual, pd.CategoricalDtype | pd.StringDtype)
    return str(actual) == declared


def _failed(check: Check, data: pd.Series | pd.DataFrame, missing: np.ndarray | None) -> np.ndarray:
    """Rows failing ``check`` (missing values pass when the check ignores them, as in pandera)."""
    stats = check.statistics or {}
    if check.name == "greater_than_or_equal_to":
        passed = data >= stats["min_value"]
    elif check.name == "less_than_or_equal_to":
        passed = data <= stats["max_value"]
    elif check.name == "in_range":
        low = (data >= stats["min_value"]) if stats.get("include_min", True) else (data > stats["min_value"])
        high = (data <= stats["max_value"]) if stats.get("include_max", True) else (data < stats["max_value"])
        passed = low & high
    else:
        passed = check._check_fn(data, **stats)  # a project check: a vectorised function of the column or frame
    passed = pd.Series(passed).to_numpy(dtype=bool, na_value=False) if not isinstance(passed, np.ndarray) \
        else passed.astype(bool)
    failed = ~passed
    if check.ignore_na and missing is not None:
        failed &= ~missing
    return failed


def _codes(values: pd.Series) -> tuple[np.ndarray, int, int]:
    """Integer codes of a column (equal values, missing ones included, share a code): (codes, offset, count),
    the codes being ``codes - offset``, in ``range(count)``. ``codes`` may be the column's own array."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), -1, len(values.cat.categories) + 1  # missing (-1) -> 0
    array = values.to_numpy()
    if array.dtype.kind in "iub" and len(array):
        low, high = int(array.min()), int(array.max())
        if high - low < 2**31:
            return array, low, high - low + 1
    elif array.dtype.kind == "M" and len(array):
        view = array.view(np.int64)  # NaT is the smallest int64: missing values share it
        low, high = int(view.min()), int(view.max())
        if 0 <= high - low < 2**31:
            return view, low, high - low + 1
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, 0, max(len(uniques), 1)


def row_codes(frame: pd.DataFrame, columns: list[str], codes_of: list | None = None) -> np.ndarray:
    """One int64 code per row: equal codes if and only if the rows are equal in every one of ``columns``.

    Missing values compare equal (as in ``DataFrame.duplicated``). Columns are turned into integer
    codes (categorical codes, integers, dates, else a hash) and combined arithmetically, in place.
    ``codes_of``: the ``_codes`` of the columns when already computed.
    """
    key, size = None, 1
    for i, name in enumerate(columns):
        codes, offset, count = codes_of[i] if codes_of is not None else _codes(frame[name])
        if key is None:
            key, size = codes.astype(np.int64), count  # a new array: the column is never modified
            key -= offset
            continue
        if size * count >= 2**62:  # re-number the combined key before it overflows
            key, uniques = pd.factorize(key)
            size = max(len(uniques), 1)
        key *= count
        key += codes
        key -= offset
        size *= count
    return np.zeros(len(frame), dtype=np.int64) if key is None else key


def duplicated_rows(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Rows whose values in every one of ``columns`` also appear in another row (all copies flagged).

    When the rows are sorted by their code (a typical export: hours by parcours and month),
    duplicates are adjacent and one pass finds them; otherwise a hash of the codes does.
    """
    n = len(frame)
    if n < 2 or not columns:
        return np.zeros(n, dtype=bool)
    # Sorted rows? Compared column by column on their own codes (no 12-million-row int64 key to build).
    codes_of = [_codes(frame[name]) for name in columns]
    before = np.zeros(n - 1, dtype=bool)  # row i < row i + 1
    same = np.ones(n - 1, dtype=bool)  # row i == row i + 1
    for array, _, _ in codes_of:
        before |= same & (array[:-1] < array[1:])
        same &= array[:-1] == array[1:]
    if (before | same).all():
        dup = np.zeros(n, dtype=bool)
        dup[1:] |= same
        dup[:-1] |= same
        return dup
    return pd.Series(row_codes(frame, columns, codes_of)).duplicated(keep=False).to_numpy()
