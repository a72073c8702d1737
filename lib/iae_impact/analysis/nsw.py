"""Validation benchmark of the impact estimators: the National Supported Work demonstration (LaLonde 1986;
Dehejia and Wahba 1999, 2002), whose randomised estimate is the yardstick (docs/domain.md §10).

The published figures, with their sources, are data (``data/reference/nsw_publie.csv``); the data
come from the ``causaldata`` package. Every estimate is recomputed with
:func:`~iae_impact.analysis.impact.estimate_att` and set beside its published value.
"""

from __future__ import annotations

import pandas as pd

from ..rules.tables import load_nsw_published
from .impact import PS_METHODS, ImpactResult, estimate_att

NSW_COVARIATES = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "u74", "u75"]
NSW_PS_COVARIATES = ["age", "age2", "age3", "educ", "educ2", "marr", "nodegree", "black", "hisp",
                     "re74", "re75", "u74", "u75"]


def _specification(key: str) -> pd.Series:
    table = load_nsw_published().set_index("cle")
    if key not in table.index:
        raise ValueError(f"estimation NSW inconnue : {key} (connues : {', '.join(table.index)})")
    return table.loc[key]


def load_nsw(controls: str = "cps") -> pd.DataFrame:
    """The 185 NSW treated with the NSW experimental controls (``"nsw"``, 260) or CPS-1 (``"cps"``, 15,992).

    From the ``causaldata`` package (``nsw_mixtape``, ``cps_mixtape``). Every column float64 (earnings
    are stored as float32: cast before computing), plus ``u74``/``u75`` (zero earnings that year),
    ``age2``, ``age3``, ``educ2``. Outcome: ``re78`` (1978 earnings, 1982 US$).
    """
    from causaldata import cps_mixtape, nsw_mixtape  # a data package, loaded only for the benchmark

    if controls not in ("nsw", "cps"):
        raise ValueError("témoins attendus : « nsw » (expérience) ou « cps » (CPS-1)")
    nsw = nsw_mixtape.load_pandas().data
    parts = [nsw] if controls == "nsw" else [nsw[nsw["treat"] == 1], cps_mixtape.load_pandas().data]
    frame = pd.concat([p.drop(columns="data_id") for p in parts], ignore_index=True).astype("float64")
    frame["u74"] = (frame["re74"] == 0).astype("float64")
    frame["u75"] = (frame["re75"] == 0).astype("float64")
    frame["age2"] = frame["age"] ** 2
    frame["age3"] = frame["age"] ** 3
    frame["educ2"] = frame["educ"] ** 2
    return frame


def nsw_estimate(key: str, frames: dict[str, pd.DataFrame] | None = None) -> ImpactResult:
    """One row of ``nsw_publie.csv``, recomputed."""
    spec = _specification(key)
    frame = (frames or {}).get(spec["temoins"])
    if frame is None:
        frame = load_nsw(spec["temoins"])
    covariates = [] if spec["methode"] == "difference" else NSW_COVARIATES
    options = {} if spec["troncature"] is None else {"trim": spec["troncature"]}
    if spec["methode"] in PS_METHODS:
        options["ps_covariates"] = NSW_PS_COVARIATES
    return estimate_att(frame, "treat", "re78", covariates, spec["methode"], **options)


def nsw_benchmark() -> pd.DataFrame:
    """Every NSW estimate beside its published value: one row per line of ``nsw_publie.csv``.

    Columns: ``cle``, ``estimateur`` (the French label of the table), ``estimation``, ``erreur_type``, ``ic_bas``, ``ic_haut``,
    ``n`` (people in the estimation sample), ``valeur_publiee``, ``erreur_type_publiee``, ``ecart``
    (estimate − published value), ``source``.
    """
    frames = {"nsw": load_nsw("nsw"), "cps": load_nsw("cps")}
    rows = []
    for spec in load_nsw_published().to_dict(orient="records"):
        r = nsw_estimate(spec["cle"], frames)
        published = spec["valeur"]
        rows.append({"cle": spec["cle"], "estimateur": spec["libelle"], "estimation": r.estimate,
                     "erreur_type": r.se, "ic_bas": r.ci[0], "ic_haut": r.ci[1], "n": r.n_treated + r.n_control,
                     "valeur_publiee": published, "erreur_type_publiee": spec["erreur_type_publiee"],
                     "ecart": None if published is None else r.estimate - published, "source": spec["source"]})
    return pd.DataFrame(rows)
