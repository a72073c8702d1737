"""Amounts in force on a date (``aide_au_poste.csv``, ``rsa.csv``, ``smic.csv``): the last known amount stays in force,
and a year's amount is the average of the amounts in force, weighted by their days."""

from __future__ import annotations

import math

import pandas as pd

from .tables import load_aide_au_poste, load_rsa, load_smic


def year_average(dates: pd.Series, amounts: pd.Series, annee: int) -> float:
    """Average over calendar year ``annee`` of a step function (amount in force from each date on),
    weighted by days. The caller checks that the first date is not after 1 January."""
    start, end = pd.Timestamp(year=annee, month=1, day=1), pd.Timestamp(year=annee + 1, month=1, day=1)
    dates = list(pd.to_datetime(dates))
    amounts = [float(a) for a in amounts]
    total = 0.0
    for i, (date, amount) in enumerate(zip(dates, amounts, strict=True)):
        following = dates[i + 1] if i + 1 < len(dates) else end
        days = (min(following, end) - max(date, start)).days
        if days > 0:
            total += days * amount
    return total / (end - start).days


def socle_for_year(dispositif: str, annee: int, territoire: str = "metropole") -> float:
    """Aide au poste socle per full-time post for ``annee``: each amount of ``aide_au_poste.csv``
    weighted by its days in force in the year (the last known amount stays in force).

    Raises ValueError (French) for a dispositif without amounts (non-salaried programmes) or a year
    that starts before the first known amount.
    """
    table = load_aide_au_poste()
    rows = table[(table["dispositif"] == dispositif) & (table["territoire"] == territoire)]
    if rows.empty:
        raise ValueError(f"aucun montant d'aide au poste pour le dispositif {dispositif} ({territoire}) dans "
                         "data/reference/aide_au_poste.csv")
    first = rows["date_effet"].iloc[0]
    if first > pd.Timestamp(year=int(annee), month=1, day=1):
        raise ValueError(f"montant socle de l'aide au poste inconnu pour {dispositif} au 1er janvier {annee} : "
                         f"le premier montant connu ({territoire}) s'applique à partir du {first:%d/%m/%Y}")
    return year_average(rows["date_effet"], rows["montant_socle_eur"], int(annee))


def _dated_year_average(table: pd.DataFrame, column: str, annee: int, what: str, file: str) -> float:
    first = table["date_effet"].iloc[0]
    if first > pd.Timestamp(year=int(annee), month=1, day=1):
        raise ValueError(f"{what} inconnu au 1er janvier {annee} (data/reference/{file} commence au "
                         f"{first:%d/%m/%Y})")
    return year_average(table["date_effet"], table[column], int(annee))


def _in_force(table: pd.DataFrame, annee: int) -> pd.DataFrame:
    """The rows in force at some time during ``annee`` (the last one before it, then those of the year)."""
    start, end = pd.Timestamp(year=annee, month=1, day=1), pd.Timestamp(year=annee, month=12, day=31)
    before = table[table["date_effet"] <= start].tail(1)
    during = table[(table["date_effet"] > start) & (table["date_effet"] <= end)]
    return pd.concat([before, during])


def rsa_for_year(annee: int) -> float:
    """Monthly RSA montant forfaitaire (single person) averaged over ``annee``, weighted by days in force."""
    return _dated_year_average(load_rsa(), "montant_forfaitaire_eur", annee, "montant du RSA", "rsa.csv")


def rsa_texts(annee: int) -> list[str]:
    """Legal texts of the RSA amounts in force during ``annee``."""
    return [str(t) for t in _in_force(load_rsa(), annee)["texte"]]


def smic_for_year(annee: int) -> float:
    """Gross hourly SMIC averaged over ``annee``, weighted by days in force (``smic.csv``: 11,65 € until
    31 October 2024 and 11,88 € from 1 November give 11,69 € for 2024)."""
    return _dated_year_average(load_smic(), "smic_horaire_brut_eur", annee, "SMIC horaire", "smic.csv")


def smic_in_force(annee: int) -> list[tuple[pd.Timestamp, float, str, str]]:
    """The SMIC amounts in force during ``annee``: (effective date, amount, legal text, reliability)."""
    rows = _in_force(load_smic(), annee)
    return [(r.date_effet, float(r.smic_horaire_brut_eur), str(r.texte), str(r.fiabilite))
            for r in rows.itertuples(index=False)]


def socle_or_nan(dispositif: str, annee: int) -> float:
    try:
        return socle_for_year(dispositif, annee)
    except ValueError:
        return math.nan
