"""Notebook parameters, validated by pydantic before papermill runs anything.

Papermill only warns on unknown parameter names and never checks types: every
notebook has a model here, and the runner refuses parameters the model rejects.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .paths import resolve


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


class IndicateursParameters(NotebookParameters):
    """``02_indicateurs``: indicators across sites and years."""

    annees: list[int] | None = Field(None, description="Années retenues (toutes si vide).")
    structure: str | None = Field(None, description="Structure retenue (toutes si vide).")
    sites: list[str] | None = Field(None, description="Sites retenus (tous si vide).")

    @field_validator("annees")
    @classmethod
    def _years(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not 1990 <= y <= 2100 for y in value):
            raise ValueError("chaque année doit être comprise entre 1990 et 2100")
        return value


NOTEBOOK_PARAMETERS: dict[str, type[NotebookParameters]] = {
    "01_donnees": DonneesParameters,
    "02_indicateurs": IndicateursParameters,
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
        details = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'paramètres'} : {_french(e)}" for e in exc.errors())
        raise ValueError(f"paramètres invalides pour {notebook} — {details}") from None


def _french(error: dict) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "paramètre inconnu"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"type incorrect ({error.get('input')!r})"
    return str(error["msg"])
