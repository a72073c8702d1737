"""Amounts in force on a date (``aide_au_poste.csv``, ``rsa.csv``): the last known amount stays in force,
and a year's amount is the average of the amounts in force, weighted by their days."""

from __future__ import annotations

import math

import pandas as pd

from .tables import load_aide_au_poste, load_rsa


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


def rsa_for_year(annee: int) -> float:
    """Monthly RSA montant forfaitaire (single person) averaged over ``annee``, weighted by days in force."""
    table = load_rsa()
    first = table["date_effet"].iloc[0]
    if first > pd.Timestamp(year=int(annee), month=1, day=1):
        raise ValueError(f"montant du RSA inconnu au 1er janvier {annee} (data/reference/rsa.csv commence au "
                         f"{first:%d/%m/%Y})")
    return year_average(table["date_effet"], table["montant_forfaitaire_eur"], int(annee))


def rsa_texts(annee: int) -> list[str]:
    """Legal texts of the RSA amounts in force during ``annee``."""
    table = load_rsa()
    start, end = pd.Timestamp(year=annee, month=1, day=1), pd.Timestamp(year=annee, month=12, day=31)
    before = table[table["date_effet"] <= start].tail(1)
    during = table[(table["date_effet"] > start) & (table["date_effet"] <= end)]
    return [str(t) for t in pd.concat([before, during])["texte"]]


def socle_or_nan(dispositif: str, annee: int) -> float:
    try:
        return socle_for_year(dispositif, annee)
    except ValueError:
        return math.nan
