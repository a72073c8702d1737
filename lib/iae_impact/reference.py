"""Sourced reference tables of ``data/reference/``, read by one function each.

The exit nomenclature, exit-examination thresholds, hours per ETP, aide au poste
and RSA amounts and national figures are data, not code: every rule of the
project reads them from here.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import pandas as pd

from .paths import REFERENCE_DIR

CATEGORY_RETRAIT = "Retrait des sorties constatées"


def _read(name: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False, **kwargs)


def normalise_label(text: object) -> str:
    """Fold a free label for matching: no accents, lower case, single spaces, plain apostrophes."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("\u2019", "'").replace("\u00a0", " ").lower()
    return " ".join(s.split())


@lru_cache(maxsize=1)
def load_exit_categories() -> pd.DataFrame:
    """The five ASP exit categories with their indicator column and flags."""
    df = _read("categories_sortie.csv")
    for col in ("sortie_dynamique", "examinee"):
        df[col] = df[col].str.lower().eq("oui")
    df["ordre"] = df["ordre"].astype(int)
    return df.sort_values("ordre").reset_index(drop=True)


@lru_cache(maxsize=1)
def load_exit_motives() -> pd.DataFrame:
    """Exit motives (current ASP label, older wordings, codes) with their category."""
    df = _read("motifs_sortie.csv")
    df["verifie"] = df["verifie"].str.lower().eq("oui")
    return df


@lru_cache(maxsize=1)
def _motive_lookup() -> dict[str, str]:
    """Map every accepted spelling (label, older label, our code, ASP code) to the canonical label."""
    lookup: dict[str, str] = {}
    for row in load_exit_motives().itertuples(index=False):
        keys = [row.libelle, row.code]
        if row.code_asp:
            keys.append(row.code_asp)
        keys += [alt for alt in row.libelles_alternatifs.split(" | ") if alt.strip()]
        for key in keys:
            lookup[normalise_label(key)] = row.libelle
    return lookup


def canonical_motive(value: object) -> str | None:
    """Return the canonical ASP label for a motive given as label, older label or code; None if unknown."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # codes read from Excel as floats
        text = text[:-2]
    return _motive_lookup().get(normalise_label(text))


def motive_categories() -> pd.Series:
    """Series canonical motive label -> category label."""
    df = load_exit_motives()
    return pd.Series(df["categorie"].to_numpy(), index=df["libelle"].to_numpy())


@lru_cache(maxsize=1)
def load_dispositifs() -> pd.DataFrame:
    """Dispositifs with their exit-examination rule and hours per full-time equivalent."""
    df = _read("dispositifs.csv")
    df["salarie"] = df["salarie"].str.lower().eq("oui")
    df["heures_par_etp_verifie"] = df["heures_par_etp_verifie"].str.lower().eq("oui")
    df["seuil_examen"] = pd.to_numeric(df["seuil_examen"]).astype(float)
    df["heures_par_etp"] = pd.to_numeric(df["heures_par_etp"].replace("", None)).astype(float)
    return df.set_index("dispositif", drop=False)


@lru_cache(maxsize=1)
def load_aide_au_poste() -> pd.DataFrame:
    """Aide au poste socle amounts per dispositif and effective date (last known amount stays in force)."""
    df = _read("aide_au_poste.csv")
    df["date_effet"] = pd.to_datetime(df["date_effet"], format="%Y-%m-%d")
    for col in ("montant_socle_eur", "dont_accompagnement_eur", "heures_reference"):
        df[col] = pd.to_numeric(df[col].replace("", None)).astype(float)
    return df.sort_values(["territoire", "dispositif", "date_effet"]).reset_index(drop=True)


@lru_cache(maxsize=1)
def load_rsa() -> pd.DataFrame:
    """RSA montant forfaitaire (single person) per effective date."""
    df = _read("rsa.csv")
    df["date_effet"] = pd.to_datetime(df["date_effet"], format="%Y-%m-%d")
    df["montant_forfaitaire_eur"] = pd.to_numeric(df["montant_forfaitaire_eur"]).astype(float)
    return df.sort_values("date_effet").reset_index(drop=True)


@lru_cache(maxsize=1)
def load_national_references() -> pd.DataFrame:
    """National figures (DARES, DGEFP) and official targets, each with its definition and source."""
    df = _read("references_nationales.csv")
    df["annee"] = df["annee"].astype(int)
    df["valeur"] = pd.to_numeric(df["valeur"]).astype(float)
    return df


@lru_cache(maxsize=1)
def load_education_levels() -> pd.DataFrame:
    """ASP education level codes (niveau de formation)."""
    return _read("niveaux_formation.csv")


@lru_cache(maxsize=1)
def load_comparisons() -> pd.DataFrame:
    """Which national figure may stand beside which indicator, and on what footing."""
    return _read("comparaisons.csv")


def national_reference(indicateur: str, annee: int) -> dict | None:
    """The national figure to show beside ``indicateur`` for ``annee``: the latest one published
    up to that year (targets have no year). None when no figure of a close definition exists."""
    rules = load_comparisons()
    rule = rules[rules["indicateur"] == indicateur]
    if rule.empty:
        return None
    rule = rule.iloc[0]
    refs = load_national_references()
    refs = refs[(refs["cle"] == rule["cle"]) & (refs["perimetre"] == rule["perimetre"])]
    if rule["comparabilite"] != "objectif":
        refs = refs[refs["annee"] <= annee]
    if refs.empty:
        return None
    ref = refs.sort_values("annee").iloc[-1]
    value = 1 - ref["valeur"] if rule["transformation"] == "complement" else ref["valeur"]
    return {"valeur": float(value), "annee": int(ref["annee"]), "comparabilite": rule["comparabilite"],
            "remarque": rule["remarque"], "source": ref["source"], "fiabilite": ref["fiabilite"]}
