"""Notebook parameters, validated by pydantic before papermill runs anything.

Papermill only warns on unknown parameter names and never checks types: every
notebook has a model here, and the runner refuses parameters the model rejects.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..base.paths import resolve
from ..rules.calendar import YEAR_MAX, YEAR_MIN
from ..rules.exits import exit_rule
from ..rules.secrecy import DEFAULT_THRESHOLD


class NotebookParameters(BaseModel):
    """Parameters shared by every notebook."""

    model_config = ConfigDict(extra="forbid")

    donnees: str = Field("data/demo/fictif", description="Classeur XLSX ou dossier de CSV (chemin depuis la racine).")
    sortie: str = Field("reports/carnets", description="Dossier des résumés JSON et tableaux produits.")

    @field_validator("donnees")
    @classmethod
    def _exists(cls, value: str) -> str:
        if not resolve(value).exists():
            raise ValueError(f"données introuvables : {value}")
        return value


class DonneesParameters(NotebookParameters):
    """``01_donnees``: load, validate, data-quality report."""

    seuil_secret: int = Field(DEFAULT_THRESHOLD, ge=1, le=100, description="Effectif minimal d'une cellule publiée.")


def _known_exit_rule(value: str | None) -> str | None:
    """A variant of the exit rule of ``data/reference/regles_sortie.csv`` (None: the default)."""
    return value if value is None else exit_rule(value)


class IndicateursParameters(NotebookParameters):
    """``02_indicateurs``: indicators across sites and years."""

    annees: list[int] | None = Field(None, description="Années retenues (toutes si vide).")
    structure: str | None = Field(None, description="Structure retenue (toutes si vide).")
    sites: list[str] | None = Field(None, description="Sites retenus (tous si vide).")
    seuil_secret: int = Field(DEFAULT_THRESHOLD, ge=1, le=100, description="Effectif minimal d'une cellule publiée.")
    regle: str | None = Field(None, description="Variante de la règle d'examen des sorties (regles_sortie.csv ; "
                                                "défaut : la règle écrite).")

    @field_validator("regle")
    @classmethod
    def _regle(cls, value: str | None) -> str | None:
        return _known_exit_rule(value)

    @field_validator("annees")
    @classmethod
    def _years(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not YEAR_MIN <= y <= YEAR_MAX for y in value):
            raise ValueError(f"chaque année doit être comprise entre {YEAR_MIN} et {YEAR_MAX}")
        return value


class Destinataire(BaseModel):
    """Who the brief is addressed to."""

    model_config = ConfigDict(extra="forbid")

    nom: str | None = Field(None, description="Nom (facultatif).")
    qualite: str = Field(..., min_length=1, description="Qualité : « Député de l'Aude », « Maire de Narbonne »…")


class NoteParameters(NotebookParameters):
    """``10_note_elus``: the two-page brief for one perimeter, year and addressee."""

    sortie: str = Field("reports/carnets/note", description="Dossier où écrire resume.json.")
    contexte: str | None = Field(None, description="Dossier préparé par « iae-impact notes » (calcul unique).")
    id_note: str = Field("note", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", description="Identifiant de la note.")
    annee: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX, description="Année du bilan.")
    structure: str | None = Field(None, description="Structure (toutes si vide).")
    sites: list[str] | None = Field(None, description="Sites du périmètre (territoire = plusieurs sites).")
    destinataire: Destinataire
    demandes: list[str] = Field(..., min_length=1, description="Demandes de la structure, une par ligne.")
    seuil_secret: int = Field(DEFAULT_THRESHOLD, ge=1, le=100, description="Effectif minimal d'une cellule publiée.")
    regle: str | None = Field(None, description="Variante de la règle d'examen des sorties (regles_sortie.csv ; "
                                                "défaut : la règle écrite).")

    @field_validator("regle")
    @classmethod
    def _regle(cls, value: str | None) -> str | None:
        return _known_exit_rule(value)


class ComparaisonsParameters(NotebookParameters):
    """``03_comparaisons``: sites and years compared fairly (risk adjustment, funnel plot, trends)."""

    structure: str | None = Field(None, description="Structure retenue (toutes si vide).")
    annees: list[int] | None = Field(None, description="Années retenues (toutes si vide).")


class ImpactParameters(NotebookParameters):
    """``04_impact``: impact estimates against the comparison group, and the NSW benchmark."""

    structure: str | None = Field(None, description="Structure retenue (toutes si vide).")
    annee: int = Field(2024, ge=YEAR_MIN, le=YEAR_MAX, description="Année des notes dont l'estimation est vérifiée.")
    benchmark_nsw: bool = Field(True, description="Reproduire la référence LaLonde / Dehejia–Wahba (NSW).")


class ArgentPublicParameters(NotebookParameters):
    """``05_argent_public``: what the aide au poste buys and what it may save."""

    structure: str | None = Field(None, description="Structure retenue (toutes si vide).")
    annee: int = Field(2024, ge=YEAR_MIN, le=YEAR_MAX, description="Année du bilan.")
    parametres: str = Field("data/reference/couts_evites.yaml", description="Hypothèses des coûts évités.")
    modulation: float = Field(0.0, ge=0.0, le=0.10, description="Part modulée de l'aide au poste (0 à 10 %).")
    seuil_secret: int = Field(DEFAULT_THRESHOLD, ge=1, le=100, description="Effectif minimal d'une cellule publiée.")


NOTEBOOK_PARAMETERS: dict[str, type[NotebookParameters]] = {
    "03_comparaisons": ComparaisonsParameters,
    "04_impact": ImpactParameters,
    "05_argent_public": ArgentPublicParameters,
    "01_donnees": DonneesParameters,
    "02_indicateurs": IndicateursParameters,
    "10_note_elus": NoteParameters,
}


def validate_parameters(notebook: str, values: dict) -> NotebookParameters:
    """Validate ``values`` for ``notebook``; raises ValueError with a French message."""
    try:
        model = NOTEBOOK_PARAMETERS[notebook]
    except KeyError:
        raise ValueError(f"carnet inconnu : {notebook} (connus : {', '.join(NOTEBOOK_PARAMETERS)})") from None
    try:
        return model(**values)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'paramètres'} : {french_error(e)}" for e in exc.errors())
        raise ValueError(f"paramètres invalides pour {notebook} — {details}") from None


def french_error(error: dict, unknown: str = "paramètre inconnu") -> str:
    """One pydantic validation error in French (``unknown``: the word for a name the model does not know)."""
    kind = error["type"]
    if kind == "missing":
        return "champ obligatoire manquant"
    if kind == "extra_forbidden":
        return unknown
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"type incorrect ({error.get('input')!r})"
    return str(error["msg"])
