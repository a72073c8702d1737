"""The exit nomenclature (docs/domain.md §1): motives, their ASP category, which categories are
sorties dynamiques, which are withdrawn from the examined exits, and which exits are examined.

Everything here is read from ``categories_sortie.csv``, ``motifs_sortie.csv`` and
``regles_sortie.csv`` (the exit-examination rule in its variants: the written rule of the ASP, the
default, and the GIP de l'inclusion's published implementation, FLUXIAE §3): changing a table changes
the rule, nothing else does.
"""

from __future__ import annotations

from functools import cache, lru_cache

import pandas as pd

from ..base.text import fold
from .tables import load_dispositifs, load_exit_categories, load_exit_motives, load_exit_rules
from .values import spellings

#: ASP category label of the exits neutralised from every count (rcs_code 5).
CATEGORY_RETRAIT = "Retrait des sorties constatées"
#: Examined exits « vers l'emploi » stricto sensu: durable or transition employment (docs/domain.md §1.4).
EMPLOYMENT_EXIT_COLUMNS = ("emploi_durable", "emploi_transition")


def category_columns() -> pd.Series:
    """Series ASP category label -> indicator column (``emploi_durable`` … ``retraits``), in display order."""
    categories = load_exit_categories()
    return pd.Series(categories["colonne"].to_numpy(), index=categories["categorie"].to_numpy())


@lru_cache(maxsize=1)
def dynamic_exit_columns() -> tuple[str, ...]:
    """Indicator columns whose sum is the sorties dynamiques (the ``sortie_dynamique`` flag)."""
    categories = load_exit_categories()
    return tuple(categories.loc[categories["sortie_dynamique"], "colonne"])


@lru_cache(maxsize=1)
def dynamic_categories() -> tuple[str, ...]:
    """ASP category labels of the sorties dynamiques."""
    categories = load_exit_categories()
    return tuple(categories.loc[categories["sortie_dynamique"], "categorie"])


@lru_cache(maxsize=1)
def examined_category_columns() -> tuple[str, ...]:
    """Indicator columns of the categories kept among the examined exits (all but the retraits)."""
    categories = load_exit_categories()
    return tuple(categories.loc[categories["examinee"], "colonne"])


@lru_cache(maxsize=1)
def other_examined_columns() -> tuple[str, ...]:
    """Examined categories that are not sorties dynamiques (``autres_sorties``)."""
    return tuple(c for c in examined_category_columns() if c not in dynamic_exit_columns())


@lru_cache(maxsize=1)
def _motive_lookup() -> dict[str, str]:
    """Map every accepted spelling (label, older label, our code, ASP code, the short wordings of
    ``graphies.csv``) to the canonical label; refused spellings (« CDI » alone) are not in it."""
    lookup: dict[str, str] = {}
    motives = load_exit_motives()
    for row in motives.itertuples(index=False):
        keys = [row.libelle, row.code]
        if row.code_asp:
            keys.append(row.code_asp)
        keys += [alt for alt in row.libelles_alternatifs.split(" | ") if alt.strip()]
        for key in keys:
            lookup[fold(key)] = row.libelle
    label_of = dict(zip(motives["code"], motives["libelle"], strict=True))
    for key, found in spellings("motif").items():
        if found.effet == "refuse":
            continue
        if found.valeur not in label_of:
            raise ValueError(f"graphies.csv : motif « {found.graphie} » rattaché au code inconnu {found.valeur} "
                             "(codes : colonne code de motifs_sortie.csv)")
        if key in lookup and lookup[key] != label_of[found.valeur]:
            raise ValueError(f"graphies.csv : « {found.graphie} » désigne déjà un autre motif dans motifs_sortie.csv")
        lookup[key] = label_of[found.valeur]
    return lookup


def canonical_motive(value: object) -> str | None:
    """Return the canonical ASP label for a motive given as label, older label or code; None if unknown."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # codes read from Excel as floats
        text = text[:-2]
    return _motive_lookup().get(fold(text))


def motive_categories() -> pd.Series:
    """Series canonical motive label -> category label."""
    df = load_exit_motives()
    return pd.Series(df["categorie"].to_numpy(), index=df["libelle"].to_numpy())


#: Kinds of exit-examination rule (``regles_sortie.csv``, column ``regle``).
EXIT_RULE_KINDS = ("duree_mois_calendaires", "duree_mois_jours", "heures_parcours", "heures_annee_sortie", "aucune")


@lru_cache(maxsize=1)
def exit_rule_variants() -> dict[str, str]:
    """Variant name -> its French label, the default first (the written rule of the ASP)."""
    rules = load_exit_rules()
    ordered = rules.sort_values("defaut", ascending=False, kind="stable")
    return dict(zip(ordered["variante"], ordered["libelle"], strict=False))


def default_exit_rule() -> str:
    """The variant used when none is named: the written rule of the ASP (``regles_sortie.csv``, ``defaut``)."""
    rules = load_exit_rules()
    defaults = sorted(set(rules.loc[rules["defaut"], "variante"]))
    if len(defaults) != 1:
        raise ValueError(f"regles_sortie.csv : une seule variante par défaut attendue ({', '.join(defaults)})")
    return defaults[0]


def exit_rule(variante: str | None = None) -> str:
    """``variante`` checked (None: the default); ValueError in French naming the known ones."""
    if variante is None:
        return default_exit_rule()
    if variante not in exit_rule_variants():
        known = ", ".join(f"{k} ({v})" for k, v in exit_rule_variants().items())
        raise ValueError(f"règle de sortie inconnue : {variante} (connues : {known})")
    return variante


@cache
def examination_rules(variante: str | None = None) -> pd.DataFrame:
    """Per dispositif, under ``variante`` (None: the default): ``regle`` (one of :data:`EXIT_RULE_KINDS`),
    ``seuil`` (months or hours) and ``heures_annee_sortie_min`` (hours the person must have worked in the
    year of the exit, 0 for none)."""
    rules = load_exit_rules()
    table = rules[rules["variante"].eq(exit_rule(variante))].set_index("dispositif")
    unknown = sorted(set(table["regle"]) - set(EXIT_RULE_KINDS))
    missing = sorted(set(load_dispositifs().index) - set(table.index))
    if unknown or missing:
        raise ValueError(f"regles_sortie.csv, variante {variante} : règle inconnue {', '.join(unknown)} ; "
                         f"dispositif sans règle {', '.join(missing)}")
    return table[["regle", "seuil", "heures_annee_sortie_min", "libelle"]]
