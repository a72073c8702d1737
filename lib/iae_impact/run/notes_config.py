"""The configuration of a batch of briefs (``config/notes.yaml``), validated by pydantic with every
problem said in French: what each entry may hold (a portable id, demandes that fit two pages), a
threshold that protects, ids unique whatever the case."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..base.paths import resolve, user_path
from ..rules.calendar import YEAR_MAX, YEAR_MIN
from ..rules.exits import exit_rule
from ..rules.secrecy import DEFAULT_THRESHOLD, MINIMUM_THRESHOLD
from .params import Destinataire, french_error

#: What one entry of the configuration may hold: the id names a folder, the rest must fit two pages.
ID_MAX_LENGTH = 64
MAX_DEMANDES = 8
DEMANDE_MAX_LENGTH = 400
TEXT_MAX_LENGTH = 150  # title, addressee's name and title
_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
#: Names Windows refuses for a file or folder, whatever the case.
_RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                             *(f"lpt{i}" for i in range(1, 10))})


class NoteEntry(BaseModel):
    """One brief of ``config/notes.yaml``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., description="Nom du dossier de la note.")
    annee: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX)
    destinataire: Destinataire
    demandes: list[str] = Field(..., min_length=1)
    structure: str | None = None
    sites: list[str] | None = None
    titre: str | None = None

    @field_validator("id")
    @classmethod
    def _portable_id(cls, value: str) -> str:
        if len(value) > ID_MAX_LENGTH:
            raise ValueError(f"identifiant de {len(value)} caractères : {ID_MAX_LENGTH} au plus (il nomme un dossier)")
        if not _ID_PATTERN.fullmatch(value):
            raise ValueError(f"identifiant « {value} » : lettres sans accent, chiffres, « - » et « _ » seulement, "
                             "en commençant par une lettre ou un chiffre (il nomme un dossier)")
        if value.lower() in _RESERVED_NAMES:
            raise ValueError(f"identifiant « {value} » : nom réservé sous Windows, choisissez-en un autre")
        return value

    @field_validator("demandes")
    @classmethod
    def _fit_two_pages(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_DEMANDES:
            raise ValueError(f"{len(value)} demandes : {MAX_DEMANDES} au plus, la note tient en deux pages")
        empty = [str(i) for i, d in enumerate(value, 1) if not d.strip()]
        long = [str(i) for i, d in enumerate(value, 1) if len(d) > DEMANDE_MAX_LENGTH]
        if empty:
            raise ValueError(f"demande(s) vide(s) : n° {', '.join(empty)}")
        if long:
            raise ValueError(f"demande(s) trop longue(s) : n° {', '.join(long)} ({DEMANDE_MAX_LENGTH} caractères au "
                             "plus chacune, la note tient en deux pages)")
        return value

    @model_validator(mode="after")
    def _perimeter_and_lengths(self) -> NoteEntry:
        if not self.structure and not self.sites:
            raise ValueError("indiquez un périmètre : « structure » et/ou « sites »")
        texts = {"titre": self.titre, "destinataire.nom": self.destinataire.nom,
                 "destinataire.qualite": self.destinataire.qualite}
        long = [name for name, text in texts.items() if text and len(text) > TEXT_MAX_LENGTH]
        if long:
            raise ValueError(f"{', '.join(long)} : {TEXT_MAX_LENGTH} caractères au plus")
        return self


def weak_threshold_message(seuil: int) -> str | None:
    """What a threshold below :data:`MINIMUM_THRESHOLD` gives up, in French; None for a protective one."""
    if seuil <= 1:
        return (f"seuil de secret statistique {seuil} : le secret statistique est désactivé (une cellule d'une "
                "seule personne serait publiée)")
    if seuil < MINIMUM_THRESHOLD:
        return (f"seuil de secret statistique {seuil} : seules les cellules d'une personne sont masquées, le secret "
                "statistique est très affaibli")
    return None


class NotesConfig(BaseModel):
    """The whole batch: where the data are, the disclosure threshold, the briefs."""

    model_config = ConfigDict(extra="forbid")

    donnees: str
    seuil_secret: int = Field(DEFAULT_THRESHOLD, le=100)
    #: Variant of the exit-examination rule (``data/reference/regles_sortie.csv``; None: the written rule).
    regle_sorties: str | None = None
    notes: list[NoteEntry] = Field(..., min_length=1)

    @field_validator("regle_sorties")
    @classmethod
    def _known_rule(cls, value: str | None) -> str | None:
        return value if value is None else exit_rule(value)

    @field_validator("seuil_secret")
    @classmethod
    def _protective(cls, value: int) -> int:
        weak = weak_threshold_message(value)
        if weak:
            raise ValueError(f"{weak} ; une note publiée demande un seuil d'au moins {MINIMUM_THRESHOLD} "
                             f"({DEFAULT_THRESHOLD} par défaut)")
        return value

    @field_validator("notes")
    @classmethod
    def _unique_ids(cls, notes: list[NoteEntry]) -> list[NoteEntry]:
        seen: dict[str, str] = {}
        for n in notes:
            key = n.id.lower()  # two folders differing by case only are one on Windows and macOS
            if key in seen:
                same = n.id if seen[key] == n.id else f"{seen[key]} et {n.id}"
                raise ValueError(f"identifiant de note en double : {same}")
            seen[key] = n.id
        return notes


def load_config(path: str | Path) -> NotesConfig:
    """Read and validate the batch configuration; ValueError with every problem in French. A relative path
    in it (``donnees``) is taken from the configuration's own folder, and made absolute here."""
    path = resolve(path)
    if not path.exists():
        raise ValueError(f"fichier de configuration introuvable : {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path.name} n'est pas un YAML valide : {exc}") from None
    try:
        config = NotesConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            loc = e["loc"]
            where = f"note n° {loc[1] + 1}" if len(loc) > 1 and loc[0] == "notes" and isinstance(loc[1], int) else ""
            field = ".".join(str(x) for x in loc[2:] if not isinstance(x, int)) if where else ".".join(map(str, loc))
            problems.append(" ".join(x for x in (where, field) if x) + f" : {french_error(e, 'champ inconnu')}")
        raise ValueError(f"configuration {path.name} invalide :\n- " + "\n- ".join(problems)) from None
    config.donnees = str(user_path(config.donnees, base=path.parent))
    return config
