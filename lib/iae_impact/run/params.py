"""Notebook parameters, validated by pydantic before anything is read.

Papermill only warns on unknown parameter names and never checks types: every notebook has a model
here. The runner and ``iae-impact carnets`` refuse parameters the model rejects, and each notebook checks
its own parameters in the cell right after its ``parameters`` cell (:func:`check_notebook_parameters`),
so that JupyterLab, papermill and nbval get the same French message.

Text is read the way papermill's users write it (:func:`coerce_text`): ``-p annees '[2023, 2024]'``
passes a string, read as YAML into ``[2023, 2024]``; a single year where a list is expected becomes a
list of one.

A run whose parameters differ from the defaults and whose ``sortie`` is the default writes into a
sub-folder named from its parameters (:func:`output_folder`): the shared summaries of the default run
are never overwritten by a parameterised one.
"""

from __future__ import annotations

import hashlib
import json
import re
import types
import typing
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..base.errors import ParametresInvalides
from ..base.paths import resolve
from ..rules.calendar import YEAR_MAX, YEAR_MIN
from ..rules.exits import exit_rule
from ..rules.secrecy import DEFAULT_THRESHOLD


def _known_exit_rule(value: str | None) -> str | None:
    """A variant of the exit rule of ``data/reference/regles_sortie.csv`` (None: the default)."""
    return value if value is None else exit_rule(value)


#: The secrecy threshold, as every notebook and the batch take it.
SeuilSecret = Annotated[int, Field(ge=1, le=100, description="Effectif minimal d'une cellule publiée.")]
#: A variant of the exit rule, checked against the reference table.
RegleSortie = Annotated[str | None, AfterValidator(_known_exit_rule),
                        Field(description="Variante de la règle d'examen des sorties (regles_sortie.csv ; "
                                          "défaut : la règle écrite).")]


class NotebookParameters(BaseModel):
    """Parameters shared by every notebook."""

    model_config = ConfigDict(extra="forbid")

    donnees: str = Field("data/demo/fictif", description="Classeur XLSX ou dossier de CSV (chemin depuis la racine).")
    sortie: str = Field("reports/carnets", description="Dossier des résumés JSON et tableaux produits.")

    @model_validator(mode="before")
    @classmethod
    def _read_text(cls, values: object) -> object:
        if not isinstance(values, Mapping):
            return values
        fields = cls.model_fields
        return {k: coerce_text(fields[k].annotation, v) if k in fields else v for k, v in values.items()}

    @field_validator("donnees")
    @classmethod
    def _exists(cls, value: str) -> str:
        if not resolve(value).exists():
            raise ValueError(f"données introuvables : {value}")
        return value


class DonneesParameters(NotebookParameters):
    """``01_donnees``: load, validate, data-quality report."""

    seuil_secret: SeuilSecret = DEFAULT_THRESHOLD


class IndicateursParameters(NotebookParameters):
    """``02_indicateurs``: indicators across sites and years."""

    annees: list[int] | None = Field(None, description="Années retenues (toutes si vide).")
    structure: str | None = Field(None, description="Structure retenue (toutes si vide).")
    sites: list[str] | None = Field(None, description="Sites retenus (tous si vide).")
    seuil_secret: SeuilSecret = DEFAULT_THRESHOLD
    regle: RegleSortie = None

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

    # The defaults make the demonstration brief (the notebook's own parameters cell): the notebook runs alone,
    # from JupyterLab or ``iae-impact carnets 10_note_elus``; ``iae-impact notes`` always gives every value.
    sortie: str = Field("reports/carnets/note", description="Dossier où écrire resume.json.")
    contexte: str | None = Field(None, description="Dossier préparé par « iae-impact notes » (calcul unique).")
    id_note: str = Field("amie-2024", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", description="Identifiant de la note.")
    annee: int = Field(2024, ge=YEAR_MIN, le=YEAR_MAX, description="Année du bilan.")
    structure: str | None = Field("AMIE (fictif)", description="Structure (toutes si vide).")
    sites: list[str] | None = Field(None, description="Sites du périmètre (territoire = plusieurs sites).")
    destinataire: Destinataire = Field(Destinataire(nom="Christophe Bex", qualite="Député de la Haute-Garonne"),
                                       description="Destinataire : nom (facultatif) et qualité.")
    demandes: list[str] = Field(["Renforcer les moyens de l'IAE, formation comprise."], min_length=1,
                                description="Demandes de la structure, une par ligne.")
    seuil_secret: SeuilSecret = DEFAULT_THRESHOLD
    regle: RegleSortie = None


class ComparaisonsParameters(NotebookParameters):
    """``03_comparaisons``: sites and years compared fairly (risk adjustment, funnel plot, trends)."""

    structure: str | None = Field(None, description="Structure retenue (toutes si vide).")
    annees: list[int] | None = Field(None, description="Années retenues (toutes si vide).")
    seuil_secret: SeuilSecret = DEFAULT_THRESHOLD


class ImpactParameters(NotebookParameters):
    """``04_impact``: impact estimates against the comparison group, and the NSW benchmark."""

    structure: str | None = Field(None, description="Structure retenue (toutes si vide).")
    annee: int = Field(2024, ge=YEAR_MIN, le=YEAR_MAX, description="Année des notes dont l'estimation est vérifiée.")
    benchmark_nsw: bool = Field(True, description="Reproduire la référence LaLonde / Dehejia–Wahba (NSW).")
    seuil_secret: SeuilSecret = DEFAULT_THRESHOLD


class ArgentPublicParameters(NotebookParameters):
    """``05_argent_public``: what the aide au poste buys and what it may save."""

    structure: str | None = Field(None, description="Structure retenue (toutes si vide).")
    annee: int = Field(2024, ge=YEAR_MIN, le=YEAR_MAX, description="Année du bilan.")
    parametres: str = Field("data/reference/couts_evites.yaml", description="Hypothèses des coûts évités.")
    modulation: float = Field(0.0, ge=0.0, le=0.10, description="Part modulée de l'aide au poste (0 à 10 %).")
    seuil_secret: SeuilSecret = DEFAULT_THRESHOLD


NOTEBOOK_PARAMETERS: dict[str, type[NotebookParameters]] = {
    "03_comparaisons": ComparaisonsParameters,
    "04_impact": ImpactParameters,
    "05_argent_public": ArgentPublicParameters,
    "01_donnees": DonneesParameters,
    "02_indicateurs": IndicateursParameters,
    "10_note_elus": NoteParameters,
}


def notebook_model(notebook: str) -> type[NotebookParameters]:
    """The parameter model of ``notebook``; ParametresInvalides naming the known notebooks."""
    try:
        return NOTEBOOK_PARAMETERS[notebook]
    except KeyError:
        raise ParametresInvalides(f"carnet inconnu : {notebook} (connus : {', '.join(sorted(NOTEBOOK_PARAMETERS))})"
                                  ) from None


def validate_parameters(notebook: str, values: Mapping) -> NotebookParameters:
    """Validate ``values`` for ``notebook`` (text read by :func:`coerce_text`); raises
    :class:`~iae_impact.base.errors.ParametresInvalides` (a ValueError) with one French message."""
    model = notebook_model(notebook)
    try:
        return model(**values)
    except ValidationError as exc:
        details = "; ".join(f"{_where(e['loc'])} : {french_error(e)}" for e in exc.errors())
        raise ParametresInvalides(f"paramètres invalides pour {notebook} — {details}") from None


def _where(loc: tuple) -> str:
    """``("annees", 1)`` -> « annees, élément 2 »; ``("destinataire", "qualite")`` -> « destinataire.qualite »."""
    parts = [str(p) if isinstance(p, str) else f", élément {p + 1}" for p in loc]
    return ".".join(parts).replace("., élément", ", élément") or "paramètres"


def check_notebook_parameters(notebook: str, namespace: Mapping) -> dict:
    """The cell after a notebook's ``parameters`` cell: its parameters read from ``namespace`` (the notebook's
    ``globals()``), validated by the same model as the command line, text coerced, and ``sortie`` made the
    run's own folder (:func:`output_folder`). Returns the values to put back into the notebook's namespace;
    raises ParametresInvalides (one French line in the notebook) before anything is read."""
    model = notebook_model(notebook)
    validated = validate_parameters(notebook, {k: namespace[k] for k in model.model_fields if k in namespace})
    return {**validated.model_dump(), "sortie": output_folder(validated)}


def output_folder(parameters: NotebookParameters) -> str:
    """Where a run writes: its ``sortie`` when given; with the default ``sortie``, the default folder for the
    default parameters and, for other parameters, a sub-folder named from them (« annees-2023+2024 »), so
    that a parameterised run never overwrites the summaries of the default one."""
    fields = type(parameters).model_fields
    default = fields["sortie"].default
    if parameters.sortie != default:
        return parameters.sortie
    changed = non_default_parameters(parameters)
    return f"{default}/{parameters_slug(changed)}" if changed else default


def non_default_parameters(parameters: NotebookParameters) -> dict:
    """The parameters other than ``sortie`` whose value is not the model's default (``donnees``: the same
    folder or file, however it is written)."""
    values = parameters.model_dump()
    defaults = type(parameters).model_construct().model_dump()
    changed = {}
    for name, value in values.items():
        if name == "sortie":
            continue
        if name == "donnees" and resolve(value).resolve() == resolve(defaults[name]).resolve():
            continue
        if value != defaults[name]:
            changed[name] = value
    return changed


#: A folder named from parameters stays short: longer names are cut and end with a hash of the whole.
SLUG_MAX_LENGTH = 60


def parameters_slug(values: Mapping) -> str:
    """A folder name from parameters: « annees-2023+2024_structure-amie-fictif » (ASCII, lower case); the data
    by the name of their file or folder and a hash of their path; cut to :data:`SLUG_MAX_LENGTH` characters
    plus a hash of the whole when longer."""
    parts = []
    for name, value in values.items():
        text = _slug_value(Path(value).name if name == "donnees" else value)
        if name == "donnees":
            text += "-" + _digest(value)
        parts.append(f"{name}-{text}" if text else name)
    slug = "_".join(parts)
    if len(slug) > SLUG_MAX_LENGTH:
        slug = slug[:SLUG_MAX_LENGTH].rstrip("-_+") + "-" + _digest(json.dumps(dict(values), sort_keys=True, default=str))
    return slug


def _slug_value(value: object) -> str:
    if isinstance(value, list | tuple):
        return "+".join(_slug_value(v) for v in value)
    if isinstance(value, dict):
        return "+".join(_slug_value(v) for v in value.values() if v is not None)
    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9.]+", "-", ascii_text.lower()).strip("-.")


def _digest(text: object) -> str:
    return hashlib.sha256(str(text).encode()).hexdigest()[:8]


#: Text that means « no value » for a parameter that may be empty.
_NONE_TEXTS = frozenset({"", "none", "null", "~"})


def coerce_text(annotation: object, value: object) -> object:
    """A parameter value as papermill's users write it, read for a field of type ``annotation``.

    Text where the field takes no text (a number, a list, a yes/no, an addressee) is read as YAML
    (« [2023, 2024] », « 2024 », « false », « {qualite: Maire} »); « None » is no value for a field that may
    be empty; a single value where a list is expected becomes a list of one. Anything else is left to the
    model, which says what is wrong.
    """
    kinds = _kinds(annotation)
    if isinstance(value, str) and type(None) in kinds and value.strip().lower() in _NONE_TEXTS:
        return None
    if isinstance(value, str) and str not in kinds:
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
    if list in kinds and value is not None and not isinstance(value, list | tuple):
        return [value]
    return value


def _kinds(annotation: object) -> set:
    """The outer types a field accepts: ``list[int] | None`` -> {list, NoneType}."""
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) or \
        typing.get_origin(annotation) is typing.Union else (annotation,)
    return {typing.get_origin(a) or a for a in args}


#: French words for pydantic's error types (the rest: see :func:`french_error`).
_FRENCH_TYPES = {
    "int": "nombre entier attendu", "float": "nombre attendu", "bool": "True ou False attendu",
    "list": "liste attendue (ex. : [2023, 2024])", "string": "texte attendu",
    "model": "dictionnaire attendu (ex. : {qualite: Maire de Narbonne})",
    "dict": "dictionnaire attendu",
}


def french_error(error: dict, unknown: str = "paramètre inconnu") -> str:
    """One pydantic validation error in French (``unknown``: the word for a name the model does not know)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "champ obligatoire manquant"
    if kind == "extra_forbidden":
        return unknown
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    bounds = {"greater_than_equal": f"au moins {ctx.get('ge')}", "less_than_equal": f"au plus {ctx.get('le')}",
              "greater_than": f"plus de {ctx.get('gt')}", "less_than": f"moins de {ctx.get('lt')}",
              "too_short": f"au moins {ctx.get('min_length')} élément(s)",
              "too_long": f"au plus {ctx.get('max_length')} élément(s)",
              "string_too_short": "texte vide", "string_pattern_mismatch": "lettres sans accent, chiffres, « - » "
                                                                             "et « _ » seulement"}
    if kind in bounds:
        return f"{bounds[kind]} ({error.get('input')!r} donné)"
    for prefix, words in _FRENCH_TYPES.items():
        if kind.startswith(prefix + "_") and kind.endswith(("_type", "_parsing", "_from_float", "_fraction")):
            return f"{words} ({error.get('input')!r} donné)"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"type incorrect ({error.get('input')!r})"
    return str(error["msg"])
