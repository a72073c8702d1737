"""The configuration of a batch of briefs (``config/notes.yaml``), validated by pydantic with every
problem said in French: what each entry may hold (a portable id, demandes that fit two pages), a
threshold that protects, ids unique whatever the case; and the generators of a network's briefs
(``generer``: one brief per structure, site or circonscription found in the data, the addressee read
from a table the user supplies), expanded once the data are read (:mod:`.network`)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from ..base.paths import resolve, user_path
from ..data.raw import FichierIllisible
from ..data.read_csv import SEPARATORS, decode_text
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


def fit_two_pages(value: list[str]) -> list[str]:
    """Demandes a two-page brief can hold: at most :data:`MAX_DEMANDES`, none empty or too long."""
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
        return fit_two_pages(value)

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


#: What a generator may make one brief per, and the columns an addressee table may be keyed by.
GENERATED_PERIMETERS = ("structure", "site", "circonscription")
ADDRESSEE_KEYS = ("structure", "site", "commune", "circonscription")
#: The addressee of a generated brief when ``destinataire_selon`` is not given: a structure's own row, the
#: maire of a site's commune, the député of a circonscription.
DEFAULT_ADDRESSEE_KEY = {"structure": "structure", "site": "commune", "circonscription": "circonscription"}
#: Most rows an addressee table may hold (a network of several hundred structures, the communes of a region).
ADDRESSEE_MAX_ROWS = 50_000


class NoteGenerator(BaseModel):
    """``generer`` in ``notes.yaml``: one brief per structure, site or circonscription of the data for a year."""

    model_config = ConfigDict(extra="forbid")

    par: str = Field(..., description="structure, site ou circonscription")
    annee: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX)
    destinataires: str | None = Field(None, description="Table CSV des destinataires (relative au fichier de "
                                                        "configuration).")
    destinataire_selon: str | None = Field(None, description="Colonne qui relie une note à son destinataire.")
    destinataire_defaut: Destinataire | None = None
    demandes: list[str] | None = None
    demandes_par: dict[str, list[str]] = Field(default_factory=dict)
    _table: dict[str, Destinataire] = PrivateAttr(default_factory=dict)

    @field_validator("par")
    @classmethod
    def _known_perimeter(cls, value: str) -> str:
        if value not in GENERATED_PERIMETERS:
            raise ValueError(f"« {value} » : une note par {', '.join(GENERATED_PERIMETERS[:-1])} ou "
                             f"{GENERATED_PERIMETERS[-1]}")
        return value

    @field_validator("destinataire_selon")
    @classmethod
    def _known_key(cls, value: str | None) -> str | None:
        if value is not None and value not in ADDRESSEE_KEYS:
            raise ValueError(f"« {value} » : colonne {', '.join(ADDRESSEE_KEYS[:-1])} ou {ADDRESSEE_KEYS[-1]}")
        return value

    @field_validator("demandes")
    @classmethod
    def _fit_two_pages(cls, value: list[str] | None) -> list[str] | None:
        return value if value is None else fit_two_pages(value)

    @field_validator("demandes_par")
    @classmethod
    def _each_fits(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        problems = []
        for name, demandes in value.items():
            try:
                fit_two_pages(demandes)
            except ValueError as exc:
                problems.append(f"« {name} » : {exc}")
            if not demandes:
                problems.append(f"« {name} » : aucune demande")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @model_validator(mode="after")
    def _addressee_source(self) -> NoteGenerator:
        if self.destinataires is None and self.destinataire_defaut is None:
            raise ValueError("indiquez la table des destinataires (« destinataires: fichier.csv ») ou un "
                             "« destinataire_defaut »")
        if self.destinataires is None and self.destinataire_selon is not None:
            raise ValueError("« destinataire_selon » sans table « destinataires »")
        return self

    @property
    def key(self) -> str:
        """The column of the addressee table that names a brief's addressee."""
        return self.destinataire_selon or DEFAULT_ADDRESSEE_KEY[self.par]

    @property
    def table(self) -> dict[str, Destinataire]:
        """The addressee table, read by :func:`load_config`: key value -> addressee."""
        return self._table


class NotesConfig(BaseModel):
    """The whole batch: where the data are, the disclosure threshold, the briefs (written, or generated from
    the data by ``generer``; a written brief replaces a generated one of the same id)."""

    model_config = ConfigDict(extra="forbid")

    donnees: str
    seuil_secret: int = Field(DEFAULT_THRESHOLD, le=100)
    #: Variant of the exit-examination rule (``data/reference/regles_sortie.csv``; None: the written rule).
    regle_sorties: str | None = None
    notes: list[NoteEntry] = Field(default_factory=list)
    generer: list[NoteGenerator] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some_brief(self) -> NotesConfig:
        if not self.notes and not self.generer:
            raise ValueError("aucune note : indiquez des « notes » ou une règle « generer »")
        return self

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
            listed = len(loc) > 1 and loc[0] in ("notes", "generer") and isinstance(loc[1], int)
            where = f"{'note' if loc[0] == 'notes' else 'règle generer'} n° {loc[1] + 1}" if listed else ""
            field = ".".join(str(x) for x in loc[2:] if not isinstance(x, int)) if where else ".".join(map(str, loc))
            problems.append(" ".join(x for x in (where, field) if x) + f" : {french_error(e, 'champ inconnu')}")
        raise ValueError(f"configuration {path.name} invalide :\n- " + "\n- ".join(problems)) from None
    config.donnees = str(user_path(config.donnees, base=path.parent))
    problems = []
    for i, gen in enumerate(config.generer, 1):
        if gen.destinataires is None:
            continue
        gen.destinataires = str(user_path(gen.destinataires, base=path.parent))
        try:
            gen._table = read_addressees(Path(gen.destinataires), gen.key)
        except ValueError as exc:
            problems.append(f"règle generer n° {i} : {exc}")
    if problems:
        raise ValueError(f"configuration {path.name} invalide :\n- " + "\n- ".join(problems))
    return config


def _csv_rows(path: Path) -> list[list[str]]:
    """The non-blank rows of a small CSV table (``;``, ``,`` or tab, the one its header holds most)."""
    if not path.is_file():
        raise ValueError(f"table des destinataires introuvable : {path}")
    try:  # the data's own decoding: UTF-16, binary, mixed or undecodable bytes are refused, never guessed
        text, _encoding = decode_text(path.read_bytes())
    except FichierIllisible as exc:
        raise ValueError(f"{path.name} : {exc}") from None
    header_line = text.splitlines()[0] if text.strip() else ""
    sep = max(SEPARATORS, key=header_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    except csv.Error as exc:
        raise ValueError(f"{path.name} : CSV illisible ({exc})") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ValueError(f"{path.name} : fichier vide")
    return rows


def _header_problems(header: list[str], key: str, n_rows: int) -> list[str]:
    expected = f"(attendues : {key}, qualite, nom facultatif)"
    missing = [c for c in (key, "qualite") if c not in header]
    unknown = [c for c in header if c not in {key, "nom", "qualite"}]
    return ([f"colonne(s) manquante(s) : {', '.join(missing)} {expected}"] if missing else []) + \
        ([f"colonne(s) inconnue(s) : {', '.join(unknown)} {expected}"] if unknown else []) + \
        ([f"{n_rows} lignes : {ADDRESSEE_MAX_ROWS} au plus"] if n_rows > ADDRESSEE_MAX_ROWS else [])


def _row_problem(values: dict[str, str], key: str) -> str:
    value, qualite, nom = values.get(key, ""), values.get("qualite", ""), values.get("nom", "")
    if not value:
        return f"{key} vide"
    if not qualite:
        return f"({value}) qualite vide"
    if len(qualite) > TEXT_MAX_LENGTH or len(nom) > TEXT_MAX_LENGTH:
        return f"({value}) nom ou qualite de plus de {TEXT_MAX_LENGTH} caractères"
    return ""


def read_addressees(path: Path, key: str) -> dict[str, Destinataire]:
    """The addressee table: a CSV (``;``, ``,`` or tab; UTF-8 or Windows-1252) with the column ``key``,
    ``qualite`` and optionally ``nom``; one row per value of ``key``. ValueError listing every problem."""
    rows = _csv_rows(path)
    header = [c.strip().lower() for c in rows[0]]
    problems = _header_problems(header, key, len(rows) - 1)
    if problems:
        raise ValueError(f"{path.name} : " + " ; ".join(problems))
    table: dict[str, Destinataire] = {}
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows[1:], 2):
        values = dict(zip(header, (c.strip() for c in row), strict=False))
        problem = (f"{len(row)} champs pour {len(header)} colonnes" if len(row) > len(header)
                   else _row_problem(values, key))
        value = values.get(key, "")
        if not problem and value in table:
            problem = f"{key} « {value} » déjà donné ligne {first_line[value]} (un destinataire par valeur)"
        if problem:
            problems.append(f"ligne {line} : {problem}")
            continue
        table[value] = Destinataire(nom=values.get("nom") or None, qualite=values["qualite"])
        first_line[value] = line
    if problems:
        raise ValueError(f"{path.name} : " + " ; ".join(problems))
    return table
