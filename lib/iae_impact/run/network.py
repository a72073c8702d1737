"""A network's briefs without hand-written entries: the ``generer`` rules of ``notes.yaml`` expanded once the
data are read.

A rule asks for one brief per structure, per site (of a structure) or per circonscription (the sites of the
``sites`` sheet in it: a territory) found in the data, for a year. Its addressee comes from the user's table
(:func:`~.notes_config.read_addressees`), through the column ``destinataire_selon`` (by default: the
structure's own row, the commune of the site, the circonscription); its demandes are the rule's, or those
given for that perimeter in ``demandes_par``. What is decided, and said in French:

- a perimeter without activity in the rule's year gets no brief, and the batch says which (a member that
  closed, a site opened later): :func:`expand_notes` returns those messages;
- a perimeter whose addressee the table does not give fails the whole configuration, every such perimeter
  listed, unless the rule gives a ``destinataire_defaut``; a perimeter spread over several values of the
  addressee column (a structure with sites in two circonscriptions) always fails: the table cannot say who;
- sites without the column a rule needs (no circonscription) are named: no brief covers them;
- ids are the slug of the perimeter's name and the year (``structure-0001-fictif-2024``), unique whatever
  the case (``-2``, ``-3`` in the order of the names), matching the pattern of a note's id whatever the
  names hold; a written entry of ``notes`` with the same id (whatever the case) replaces the generated one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from pydantic import ValidationError

from ..analysis.indicators import compute_indicators
from ..data.model import Dataset
from ..rules.dispositifs import is_salaried
from .notes_config import NoteEntry, NoteGenerator, NotesConfig
from .params import french_error

#: Longest slug of a name in a generated id (room left for the year and a ``-N`` suffix: 64 in all).
SLUG_MAX_LENGTH = 50
_TITLE = "Insertion par l'activité économique"


@dataclass(frozen=True)
class _Perimeter:
    name: str  # the structure, site or circonscription the brief is about (key of ``demandes_par``)
    structure: str | None
    sites: tuple[str, ...] | None
    rows: pd.Series  # which parcours rows it holds


def slug(name: str, fallback: str) -> str:
    """``name`` as lowercase ASCII letters, digits and ``-`` (accents dropped, every other run of characters one
    ``-``), at most :data:`SLUG_MAX_LENGTH` characters; ``fallback`` when nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return out[:SLUG_MAX_LENGTH].strip("-") or fallback


def _unique_ids(perimeters: Sequence[_Perimeter], kind: str, annee: int, taken: set[str]) -> list[str]:
    """One id per perimeter, unique (case ignored) among themselves and ``taken`` (updated)."""
    out = []
    for per in perimeters:
        base = f"{slug(per.name, kind)}-{annee}"
        candidate, k = base, 1
        while candidate.lower() in taken:
            k += 1
            candidate = f"{base}-{k}"
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def _perimeters(gen: NoteGenerator, dataset: Dataset) -> tuple[list[_Perimeter], list[str]]:
    """The perimeters a rule asks for, in the order of their names, and what it says about sites left out."""
    p = dataset.parcours
    if gen.par == "structure":
        return [_Perimeter(s, s, None, p["structure"].eq(s)) for s in sorted(p["structure"].unique())], []
    if gen.par == "site":
        pairs = p[["structure", "site"]].drop_duplicates().sort_values(["site", "structure"])
        return [_Perimeter(site, structure, (site,), p["structure"].eq(structure) & p["site"].eq(site))
                for structure, site in pairs.itertuples(index=False)], []
    sites = _sites_sheet(dataset, "circonscription")
    of_site = p["site"].map(sites.set_index("site")["circonscription"])
    left = sorted(p.loc[of_site.isna(), "site"].unique())
    notes = [f"site(s) sans circonscription dans l'onglet sites, couverts par aucune note par circonscription : "
             f"{', '.join(left)}"] if left else []
    out = []
    for circ in sorted(of_site.dropna().unique()):
        rows = of_site.eq(circ)
        out.append(_Perimeter(circ, None, tuple(sorted(p.loc[rows, "site"].unique())), rows))
    return out, notes


def _sites_sheet(dataset: Dataset, column: str, why: str | None = None) -> pd.DataFrame:
    sites = dataset.sites
    if sites is None or column not in sites.columns or not sites[column].notna().any():
        raise ValueError(f"{why or f'une note par {column}'} demande l'onglet « sites » avec sa colonne {column} "
                         "remplie")
    return sites.drop_duplicates("site")


def _active(gen: NoteGenerator, dataset: Dataset, perimeters: list[_Perimeter]) -> list[bool]:
    """Whether each perimeter has indicators in the rule's year, as its brief computes them (its salaried
    dispositifs, or all when it has none: :func:`~iae_impact.report.context.perimeter_years`)."""
    p = dataset.parcours
    salaried = pd.Series(is_salaried(p["dispositif"]), index=p.index)
    out = []
    by = {"structure": ["structure"], "site": ["structure", "site"], "circonscription": ["circonscription"]}[gen.par]
    tables = {include: compute_indicators(dataset, by=by, inclure_non_salaries=include)
              for include in (False, True)}
    for per in perimeters:
        include = not bool((salaried & per.rows).any())
        table = tables[include]
        sel = table["annee"].eq(gen.annee)
        for column, value in zip(by, _keys(per, gen.par), strict=True):
            sel &= table[column].eq(value)
        out.append(bool(sel.any()))
    return out


def _keys(per: _Perimeter, par: str) -> tuple[str, ...]:
    if par == "structure":
        return (per.structure,)
    if par == "site":
        return (per.structure, per.sites[0])
    return (per.name,)


def _addressee_values(gen: NoteGenerator, dataset: Dataset, per: _Perimeter) -> list[str]:
    """The values of the addressee column over the perimeter (one when the table can name its addressee)."""
    p = dataset.parcours.loc[per.rows]
    if gen.key in ("structure", "site"):
        return sorted(p[gen.key].unique())
    sites = _sites_sheet(dataset, gen.key, f"le destinataire selon la {gen.key}")
    return sorted(p["site"].map(sites.set_index("site")[gen.key]).dropna().unique())


def _entry(gen: NoteGenerator, dataset: Dataset, per: _Perimeter, note_id: str) -> tuple[NoteEntry | None, str]:
    """The brief of one perimeter, or the problem that prevents it."""
    values = _addressee_values(gen, dataset, per)
    if len(values) > 1:
        return None, (f"{per.name} : plusieurs valeurs de {gen.key} ({', '.join(values)}) ; la table ne peut "
                      "désigner un seul destinataire (choisissez « destinataire_selon » ou écrivez cette note)")
    addressee = gen.table.get(values[0]) if values else None
    if addressee is None:
        addressee = gen.destinataire_defaut
    if addressee is None:
        return None, f"{per.name} : " + (f"{gen.key} « {values[0]} » absent de la table" if values
                                          else f"{gen.key} inconnu dans les données")
    demandes = gen.demandes_par.get(per.name, gen.demandes)
    if not demandes:
        return None, f"{per.name} : aucune demande (ni « demandes » ni « demandes_par »)"
    titre = f"{_TITLE} — circonscription {per.name} — {gen.annee}" if gen.par == "circonscription" else None
    try:
        return NoteEntry(id=note_id, annee=gen.annee, destinataire=addressee, demandes=demandes,
                         structure=per.structure, sites=list(per.sites) if per.sites else None, titre=titre), ""
    except ValidationError as exc:
        return None, f"{per.name} : " + " ; ".join(french_error(e) for e in exc.errors())


def expand_notes(config: NotesConfig, dataset: Dataset) -> tuple[NotesConfig, list[str]]:
    """The configuration with the briefs its ``generer`` rules ask for (after its written ones, which replace
    generated ones of the same id), and what the batch must say (perimeters skipped, sites left out).
    ValueError in French listing every generated brief whose addressee or demandes are missing."""
    if not config.generer:
        return config, []
    written = {n.id.lower() for n in config.notes}
    taken: set[str] = set()
    generated: list[NoteEntry] = []
    problems: list[str] = []
    said: list[str] = []
    for i, gen in enumerate(config.generer, 1):
        perimeters, notes = _perimeters(gen, dataset)
        said += notes
        unknown = sorted(set(gen.demandes_par) - {per.name for per in perimeters})
        if unknown:
            problems.append(f"règle generer n° {i} : demandes_par pour des {gen.par}s absents des données : "
                            f"{', '.join(unknown)}")
        active = _active(gen, dataset, perimeters)
        skipped = [per.name for per, a in zip(perimeters, active, strict=True) if not a]
        if skipped:
            said.append(f"règle generer n° {i} : aucune activité en {gen.annee}, pas de note pour "
                        f"{len(skipped)} {gen.par}(s) : {', '.join(skipped)}")
        kept = [per for per, a in zip(perimeters, active, strict=True) if a]
        for per, note_id in zip(kept, _unique_ids(kept, gen.par, gen.annee, taken), strict=True):
            if note_id.lower() in written:
                continue  # a written entry replaces it
            entry, problem = _entry(gen, dataset, per, note_id)
            if entry is None:
                problems.append(f"règle generer n° {i} : {problem}")
            else:
                generated.append(entry)
    if problems:
        raise ValueError("notes générées impossibles (aucune note n'a été lancée) :\n- " + "\n- ".join(problems))
    notes = [*config.notes, *generated]
    if not notes:
        raise ValueError("aucune note à produire : aucun périmètre n'a d'activité l'année demandée")
    return config.model_copy(update={"notes": notes, "generer": []}), said
