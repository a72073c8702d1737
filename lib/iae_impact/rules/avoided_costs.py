"""Assumptions of the avoided-cost scenarios (``data/reference/couts_evites.yaml``), checked on reading.

Every number of the scenarios comes from that file: editing it changes the results and the briefs
without touching the code. The networks' « 1 € → 1,50 € » claim is a citation of the file, never an
input of a computation.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

from ..base.paths import REFERENCE_DIR, resolve

DEFAULT_PARAMETERS = REFERENCE_DIR / "couts_evites.yaml"
SCENARIOS = ("bas", "central", "haut")
PARAMETER_NAMES = ("part_rsa_sorties_emploi", "mois_evites", "part_rsa_versee", "heures_mensuelles_emploi",
                   "taux_cotisations")
#: Where the SMIC is read: by date, from its own table (not a parameter of the scenarios).
SMIC_TABLE = "data/reference/smic.csv"
PARAMETER_FIELDS = ("libelle", "bas", "central", "haut", "unite", "fiabilite", "source", "remarque")
CITATION_FIELDS = ("auteurs", "texte", "source", "statut")


def load_parameters(path: str | Path = DEFAULT_PARAMETERS) -> dict:
    """Read and check the avoided-cost assumptions (YAML). Raises ValueError listing every problem (French).

    Parsed and checked once per content of the file (a batch's briefs each ask for it three times); each
    caller gets its own copy."""
    path = resolve(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"fichier d'hypothèses introuvable : {path}") from None
    return copy.deepcopy(_checked_parameters(path.name, text))


@functools.lru_cache(maxsize=8)
def _checked_parameters(file_name: str, text: str) -> dict:
    """:func:`load_parameters` of one file's text (a failure is not cached: it raises)."""
    path = Path(file_name)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"fichier d'hypothèses illisible ({path.name}) : {exc}") from None
    problems: list[str] = []
    params = data.get("parametres") if isinstance(data, dict) else None
    if not isinstance(params, dict):
        raise ValueError(f"fichier d'hypothèses {path.name} : section « parametres » absente")
    for name in PARAMETER_NAMES:
        problems += _parameter_problems(name, params.get(name))
    problems += [f"{name} : paramètre inconnu (le calcul ne l'utilise pas)" for name in params
                 if name not in PARAMETER_NAMES]
    problems += _modulation_problems(data.get("part_modulee_aide_au_poste"))
    citation = data.get("citation_reseaux")
    if not isinstance(citation, dict):
        problems.append("citation_reseaux : section absente")
    else:
        problems += [f"citation_reseaux : champ « {f} » absent" for f in CITATION_FIELDS if not citation.get(f)]
    if problems:
        raise ValueError(f"hypothèses invalides dans {path.name} : " + " ; ".join(problems))
    return data


def _parameter_problems(name: str, entry: object) -> list[str]:
    """What is wrong with one parameter of the file (French), nothing when it is sound."""
    if not isinstance(entry, dict):
        return [f"{name} : paramètre absent"]
    problems = [f"{name} : champ « {f} » absent" for f in PARAMETER_FIELDS if f not in entry]
    values = [entry.get(s) for s in SCENARIOS]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [*problems, f"{name} : bas, central et haut doivent être des nombres"]
    if not values[0] <= values[1] <= values[2]:
        problems.append(f"{name} : il faut bas ≤ central ≤ haut")
    proportion = str(entry.get("unite", "")).startswith("proportion")
    if values[0] < 0 or (proportion and values[2] > 1):
        problems.append(f"{name} : valeur hors limites" + (" (proportion entre 0 et 1)" if proportion else ""))
    return problems


def _modulation_problems(entry: object) -> list[str]:
    name = "part_modulee_aide_au_poste"
    if not isinstance(entry, dict):
        return [f"{name} : section absente"]
    problems = [f"{name} : champ « {f} » absent" for f in ("bas", "haut", "fiabilite", "source") if f not in entry]
    values = [entry.get("bas"), entry.get("haut")]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [*problems, f"{name} : bas et haut doivent être des nombres"]
    if not 0 <= values[0] <= values[1] <= 1:
        problems.append(f"{name} : il faut 0 ≤ bas ≤ haut ≤ 1")
    return problems


def parameter_value(params: dict, name: str, scenario: str) -> float:
    return float(params["parametres"][name][scenario])


def modulation_range(params: dict | None = None) -> tuple[float, float]:
    """The part modulée of the aide au poste the préfet may add (share of the socle): (lowest, highest)."""
    entry = (params if params is not None else load_parameters())["part_modulee_aide_au_poste"]
    return float(entry["bas"]), float(entry["haut"])
