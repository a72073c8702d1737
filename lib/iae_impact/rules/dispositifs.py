"""Dispositifs (``dispositifs.csv``): which ones employ people (salaried SIAE) and how many hours make
a full-time equivalent."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .tables import load_dispositifs


@lru_cache(maxsize=1)
def salaried_dispositifs() -> frozenset[str]:
    """Dispositifs whose participants are employees (ACI, AI, EI, ETTI, EITI); not the accompaniment programmes."""
    table = load_dispositifs()
    return frozenset(table.loc[table["salarie"], "dispositif"])


def is_salaried(dispositifs) -> np.ndarray:
    """Boolean array: which values of ``dispositifs`` are salaried dispositifs (unknown values: False)."""
    return pd.Series(dispositifs, dtype=object).isin(salaried_dispositifs()).to_numpy()


def hours_per_etp() -> pd.Series:
    """Annual hours of a full-time post per dispositif (NaN for the non-salaried programmes)."""
    return load_dispositifs()["heures_par_etp"]


def dispositif_label(dispositif: str) -> str:
    """Full name of a dispositif (« association intermédiaire »), the code itself when unknown."""
    table = load_dispositifs()
    return str(table.loc[dispositif, "libelle"]) if dispositif in table.index else dispositif


def hours_per_etp_range(dispositif: str) -> tuple[float, float, float]:
    """(used, low, high) annual hours of a full-time post: ``used`` converts hours into ETP; ``low`` and
    ``high`` are the values the sources allow (equal when they agree; EI: 1 505 h in real annexes
    financières, 1 820 h by custom). NaN for a non-salaried programme or an unknown dispositif."""
    table = load_dispositifs()
    if dispositif not in table.index:
        return (float("nan"),) * 3
    row = table.loc[dispositif]
    return float(row["heures_par_etp"]), float(row["heures_par_etp_bas"]), float(row["heures_par_etp_haut"])
