"""Official insertion indicators by group and year (DESIGN §4, DOMAIN §1).

Definitions, for a year Y:

- ``personnes``: distinct persons with hours > 0 in Y (monthly hours), or whose
  parcours overlaps Y when it has no monthly hours. A person is counted once per
  group, whatever the number of their parcours.
- ``entrees``: parcours whose ``date_entree`` falls in Y.
- ``heures``: hours worked in Y: monthly hours when given, otherwise the parcours'
  total (``heures_travaillees``) pro-rated over its calendar days (an ongoing
  parcours runs to the dataset's reference date: its last known date).
- ``etp``: hours / hours per ETP of the dispositif (``data/reference/dispositifs.csv``).
- ``sorties``: parcours whose ``date_sortie`` falls in Y, split into
  ``sorties_examinees`` (duration or hours condition of the dispositif met, and
  category other than « Retrait des sorties constatées »), ``retraits`` and
  ``sorties_hors_seuil``. The motive -> category mapping is data
  (``data/reference/motifs_sortie.csv``).
- rates over ``sorties_examinees`` with Wilson 95 % intervals.
- profile shares among the persons of ``personnes`` (each with its ``_n``: persons
  whose value is known).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import reference
from .ingest import Dataset
from .stats import wilson_interval

DAYS_PER_MONTH = 365.25 / 12
LONG_TERM_UNEMPLOYED = ("12 à 23 mois", "24 mois et plus")

COUNT_COLUMNS = [
    "personnes", "entrees", "sorties", "sorties_examinees", "emploi_durable", "emploi_transition",
    "sorties_positives", "autres_sorties", "sorties_dynamiques", "retraits", "sorties_hors_seuil",
]  # fmt: skip
RATE_COLUMNS = ["taux_emploi_durable", "taux_emploi_transition", "taux_sorties_positives", "taux_sorties_dynamiques"]
PROFILE_SHARES = [
    "part_femmes", "part_moins_26_ans", "part_50_ans_et_plus", "part_rsa", "part_de_longue_duree",
    "part_niveau_infra_bac", "part_qpv", "part_zrr", "part_rqth",
]  # fmt: skip


def indicator_columns(by: Sequence[str] = ()) -> list[str]:
    """Column order of :func:`compute_indicators` output."""
    rates = [c for r in RATE_COLUMNS for c in (r, f"{r}_ic_bas", f"{r}_ic_haut")]
    shares = [c for s in PROFILE_SHARES for c in (s, f"{s}_n")]
    return ["annee", *by, *COUNT_COLUMNS[:1], "entrees", "heures", "etp", *COUNT_COLUMNS[2:], *rates,
            "duree_moyenne_parcours_mois", *shares]


def _reference_date(ds: Dataset) -> pd.Timestamp:
    """Last date the data speak of: ongoing parcours are counted up to it."""
    p = ds.parcours
    dates = [p["date_entree"].max(), p["date_sortie"].max()]
    if ds.heures is not None and len(ds.heures):
        last = (ds.heures["annee"] * 100 + ds.heures["mois"]).max()
        dates.append(pd.Timestamp(year=int(last // 100), month=int(last % 100), day=1) + pd.offsets.MonthEnd(0))
    return max(d for d in dates if pd.notna(d))


def _years_spanned(start: pd.Series, end: pd.Series) -> pd.DataFrame:
    """One row per (row of start/end) x calendar year overlapped, with the days overlapped."""
    n_years = (end.dt.year - start.dt.year + 1).clip(lower=0).to_numpy()
    pos = np.repeat(np.arange(len(start)), n_years)
    offset = np.arange(n_years.sum()) - np.repeat(np.cumsum(n_years) - n_years, n_years)
    annee = start.dt.year.to_numpy()[pos] + offset
    s = start.to_numpy()[pos]
    e = end.to_numpy()[pos]
    jan1 = pd.to_datetime(pd.Series(annee).astype(str) + "-01-01").to_numpy()
    dec31 = pd.to_datetime(pd.Series(annee).astype(str) + "-12-31").to_numpy()
    days = (np.minimum(e, dec31) - np.maximum(s, jan1)) / np.timedelta64(1, "D") + 1
    return pd.DataFrame({"pos": pos, "annee": annee, "jours": days})


def _activity(ds: Dataset, p: pd.DataFrame, date_ref: pd.Timestamp) -> tuple[pd.DataFrame, pd.Series]:
    """Hours and activity per parcours x year; also total hours per parcours (for the hours condition)."""
    monthly = pd.DataFrame(columns=["id_parcours", "annee", "heures"])
    if ds.heures is not None and len(ds.heures):
        h = ds.heures[ds.heures["id_parcours"].isin(p["id_parcours"])]
        monthly = h.groupby(["id_parcours", "annee"], as_index=False)["heures"].sum()
        monthly = monthly[monthly["heures"] > 0]
    has_monthly = p["id_parcours"].isin(set(ds.heures["id_parcours"]) if ds.heures is not None else set())
    total_hours = pd.Series(np.nan, index=p["id_parcours"])
    if len(monthly):
        total_hours.update(monthly.groupby("id_parcours")["heures"].sum())
    rest = p.loc[~has_monthly]
    if "heures_travaillees" in p.columns:
        total_hours.update(rest.set_index("id_parcours")["heures_travaillees"].dropna())
    start = rest["date_entree"]
    end = rest["date_sortie"].fillna(date_ref)
    spans = _years_spanned(start.reset_index(drop=True), end.reset_index(drop=True))
    spans = spans[spans["jours"] > 0]
    total_days = ((end - start).dt.days + 1).to_numpy()[spans["pos"]]
    totals = (rest["heures_travaillees"] if "heures_travaillees" in rest.columns
              else pd.Series(np.nan, index=rest.index)).fillna(0).to_numpy()[spans["pos"]]
    prorated = pd.DataFrame({
        "id_parcours": rest["id_parcours"].to_numpy()[spans["pos"]],
        "annee": spans["annee"].to_numpy(),
        "heures": totals * spans["jours"].to_numpy() / total_days,
    })
    activity = pd.concat([f for f in (monthly, prorated) if len(f)] or [prorated], ignore_index=True)
    activity["annee"] = activity["annee"].astype("int64")
    activity["heures"] = activity["heures"].astype(float)
    return activity, total_hours


def _exits(p: pd.DataFrame, total_hours: pd.Series) -> pd.DataFrame:
    """Exited parcours with their year, category, examination flag and length."""
    out = p[p["date_sortie"].notna()].copy()
    out["annee"] = out["date_sortie"].dt.year.astype("int64")
    categories = reference.load_exit_categories().set_index("categorie")
    out["categorie"] = out["motif_sortie"].map(reference.motive_categories())
    out["colonne"] = out["categorie"].map(categories["colonne"])
    rules = reference.load_dispositifs().reindex(out["dispositif"])
    rule, threshold = rules["regle_examen"].to_numpy(), rules["seuil_examen"].to_numpy()
    meets = np.zeros(len(out), dtype=bool)
    for months in np.unique(threshold[rule == "duree_mois"]):
        sel = (rule == "duree_mois") & (threshold == months)
        long_enough = out["date_sortie"] + pd.Timedelta(days=1) >= out["date_entree"] + pd.DateOffset(months=int(months))
        meets |= sel & long_enough.to_numpy()
    hours = total_hours.reindex(out["id_parcours"]).to_numpy()
    meets |= (rule == "heures") & (np.nan_to_num(hours, nan=-1.0) >= threshold)
    meets |= rule == "aucune"
    retrait = out["categorie"].eq(reference.CATEGORY_RETRAIT).to_numpy()
    out["examinee"] = meets & ~retrait
    out["retrait"] = retrait
    out["hors_seuil"] = ~meets & ~retrait
    out["duree_mois"] = ((out["date_sortie"] - out["date_entree"]).dt.days + 1) / DAYS_PER_MONTH
    return out


def _profiles(active: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Profile shares among distinct persons of each group x year (latest parcours wins)."""
    persons = (active.sort_values("date_entree")
               .drop_duplicates([*keys, "id_personne"], keep="last"))
    age = persons["annee"] - persons["annee_naissance"] if "annee_naissance" in persons else None
    infra_bac = reference.load_education_levels().set_index("code")["infra_bac"].eq("oui")

    def flag(column: str, fn) -> pd.Series:
        if column not in persons.columns:
            return pd.Series(np.nan, index=persons.index)
        known = persons[column].notna()
        values = fn(persons[column])
        return pd.Series(np.where(known, values.astype(float), np.nan), index=persons.index)

    flags = pd.DataFrame({
        "part_femmes": flag("sexe", lambda s: s.eq("F")),
        "part_moins_26_ans": age.lt(26).where(age.notna()) if age is not None else np.nan,
        "part_50_ans_et_plus": age.ge(50).where(age.notna()) if age is not None else np.nan,
        "part_rsa": flag("beneficiaire_rsa", lambda s: s.fillna(False).astype(bool)),
        "part_de_longue_duree": flag("duree_inscription_ft", lambda s: s.isin(LONG_TERM_UNEMPLOYED)),
        "part_niveau_infra_bac": flag("niveau_formation", lambda s: s.map(infra_bac).eq(True)),
        "part_qpv": flag("residant_qpv", lambda s: s.fillna(False).astype(bool)),
        "part_zrr": flag("residant_zrr", lambda s: s.fillna(False).astype(bool)),
        "part_rqth": flag("rqth", lambda s: s.fillna(False).astype(bool)),
    }, index=persons.index).astype(float)
    grouped = pd.concat([persons[keys], flags], axis=1).groupby(keys)
    shares = grouped[PROFILE_SHARES].mean()
    counts = grouped[PROFILE_SHARES].count().add_suffix("_n")
    return shares.join(counts).reset_index()


def _with_group_columns(ds: Dataset, by: Sequence[str]) -> pd.DataFrame:
    p = ds.parcours
    missing = [c for c in by if c not in p.columns]
    if missing and ds.sites is not None:
        extra = [c for c in missing if c in ds.sites.columns]
        p = p.merge(ds.sites[["site", *extra]], on="site", how="left")
        missing = [c for c in missing if c not in extra]
    if missing:
        raise ValueError(f"Regroupement impossible : colonne(s) inconnue(s) {', '.join(missing)}.")
    return p


def compute_indicators(
    dataset: Dataset,
    by: Sequence[str] = (),
    annees: Sequence[int] | None = None,
    inclure_non_salaries: bool = False,
) -> pd.DataFrame:
    """Indicators per group of ``by`` columns and year (``by=[]``: the whole dataset per year).

    ``by`` may name any ``parcours`` column (``structure``, ``site``, ``dispositif``,
    ``action``…) or a ``sites`` column (``departement``, ``circonscription``). Non-salaried
    programmes (``ACCOMPAGNEMENT``) are left out unless ``inclure_non_salaries`` is true:
    their participants are accompanied, not employed. Rows exist for every group and year
    with any activity; counts are int64, rates float64 (NaN when there is no examined exit).
    """
    by = list(by)
    p = _with_group_columns(dataset, by)
    if not inclure_non_salaries:
        salaried = reference.load_dispositifs()["salarie"]
        p = p[p["dispositif"].map(salaried).eq(True)]
    keys = [*by, "annee"]
    columns = indicator_columns(by)
    if p.empty:
        return pd.DataFrame({c: pd.Series(dtype="object" if c in by else "float64") for c in columns})
    date_ref = _reference_date(dataset)
    activity, total_hours = _activity(dataset, p, date_ref)
    hours_per_etp = reference.load_dispositifs()["heures_par_etp"]

    person_cols = [c for c in p.columns if c not in ("date_sortie", "motif_sortie", "heures_travaillees")]
    active = activity.merge(p[person_cols], on="id_parcours", how="inner")
    active["etp"] = (active["heures"] / active["dispositif"].map(hours_per_etp)).fillna(0.0)
    result = active.groupby(keys).agg(personnes=("id_personne", "nunique"), heures=("heures", "sum"),
                                      etp=("etp", "sum"))

    entries = p.assign(annee=p["date_entree"].dt.year.astype("int64")).groupby(keys).size().rename("entrees")
    exits = _exits(p, total_hours)
    categories = ["emploi_durable", "emploi_transition", "sorties_positives", "autres_sorties"]
    for col in categories:
        exits[col] = exits["examinee"] & exits["colonne"].eq(col)
    exit_counts = exits.groupby(keys).agg(
        sorties=("id_parcours", "size"), sorties_examinees=("examinee", "sum"), retraits=("retrait", "sum"),
        sorties_hors_seuil=("hors_seuil", "sum"), duree_moyenne_parcours_mois=("duree_mois", "mean"),
        **{col: (col, "sum") for col in categories})
    result = result.join([entries, exit_counts], how="outer")
    result = result.reset_index()
    for col in COUNT_COLUMNS:
        if col != "sorties_dynamiques":
            result[col] = result.get(col, pd.Series(0, index=result.index)).fillna(0).astype("int64")
    result["sorties_dynamiques"] = result[["emploi_durable", "emploi_transition", "sorties_positives"]].sum(axis=1)
    result[["heures", "etp"]] = result[["heures", "etp"]].fillna(0.0)
    n = result["sorties_examinees"].to_numpy()
    for rate, numerator in zip(RATE_COLUMNS, ["emploi_durable", "emploi_transition", "sorties_positives",
                                              "sorties_dynamiques"], strict=True):
        k = result[numerator].to_numpy()
        result[rate] = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
        result[f"{rate}_ic_bas"], result[f"{rate}_ic_haut"] = wilson_interval(k, n)
    result = result.merge(_profiles(active, keys), on=keys, how="left")
    for share in PROFILE_SHARES:
        result[f"{share}_n"] = result[f"{share}_n"].fillna(0).astype("int64")
    if annees is not None:
        result = result[result["annee"].isin(list(annees))]
    return result[columns].sort_values(keys).reset_index(drop=True)


#: Exit-category columns that make up the sorties dynamiques (as in :func:`compute_indicators`).
DYNAMIC_EXIT_COLUMNS = ("emploi_durable", "emploi_transition", "sorties_positives")
#: Profile covariates of :func:`examined_exits`, all float64 (1.0 / 0.0, NaN when unknown).
PROFILE_COVARIATES = ("age", "femme", "rsa", "chomage_longue_duree", "niveau_infra_bac", "qpv", "rqth")
EXAMINED_EXIT_COLUMNS = ["id_personne", "structure", "site", "dispositif", "action", "annee", "categorie",
                         "sortie_dynamique", "emploi_durable", *PROFILE_COVARIATES]


def _known_flag(frame: pd.DataFrame, column: str, fn) -> np.ndarray:
    """``fn(values)`` as 1.0 / 0.0 where ``column`` is known, NaN elsewhere (and when the column is absent)."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    values = frame[column]
    known = values.notna().to_numpy()
    flags = np.asarray(fn(values.astype(object).where(known, None)), dtype=bool)
    return np.where(known, flags.astype(float), np.nan)


def examined_exits(dataset: Dataset, inclure_non_salaries: bool = False) -> pd.DataFrame:
    """One row per examined exit (person-level data for the models of :mod:`iae_impact.stats`).

    The exits are those counted in ``sorties_examinees`` by :func:`compute_indicators` (same
    private helpers, so the definition stays single): the row count per group and year equals
    ``sorties_examinees`` and the sum of ``sortie_dynamique`` equals ``sorties_dynamiques``.
    ``annee`` is the exit year. Outcomes ``sortie_dynamique`` and ``emploi_durable`` are int64
    0/1; profile covariates are float64, NaN when unknown: ``age`` (exit year − birth year),
    ``femme``, ``rsa``, ``chomage_longue_duree`` (registered 12 months or more),
    ``niveau_infra_bac`` (``data/reference/niveaux_formation.csv``), ``qpv``, ``rqth``.
    Only plain numpy dtypes (statsmodels formulas fail on nullable or pyarrow dtypes).
    """
    p = dataset.parcours
    if not inclure_non_salaries:
        salaried = reference.load_dispositifs()["salarie"]
        p = p[p["dispositif"].map(salaried).eq(True)]
    if p.empty:
        dtypes = {"annee": "int64", "sortie_dynamique": "int64", "emploi_durable": "int64",
                  **dict.fromkeys(PROFILE_COVARIATES, "float64")}
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in EXAMINED_EXIT_COLUMNS})
    _, total_hours = _activity(dataset, p, _reference_date(dataset))
    exits = _exits(p, total_hours)
    exits = exits[exits["examinee"]]
    infra_bac = reference.load_education_levels().set_index("code")["infra_bac"].eq("oui")
    birth = (exits["annee_naissance"].astype(float) if "annee_naissance" in exits.columns
             else pd.Series(np.nan, index=exits.index))
    out = pd.DataFrame({
        "id_personne": exits["id_personne"].astype(object),
        "structure": exits["structure"].astype(object),
        "site": exits["site"].astype(object),
        "dispositif": exits["dispositif"].astype(object),
        "action": (exits["action"] if "action" in exits.columns else pd.Series(None, index=exits.index)).astype(object),
        "annee": exits["annee"].astype("int64"),
        "categorie": exits["categorie"].astype(object),
        "sortie_dynamique": exits["colonne"].isin(DYNAMIC_EXIT_COLUMNS).astype("int64"),
        "emploi_durable": exits["colonne"].eq("emploi_durable").astype("int64"),
        "age": exits["annee"].astype(float) - birth.to_numpy(dtype=float, na_value=np.nan),
        "femme": _known_flag(exits, "sexe", lambda s: s.eq("F")),
        "rsa": _known_flag(exits, "beneficiaire_rsa", lambda s: s.eq(True)),
        "chomage_longue_duree": _known_flag(exits, "duree_inscription_ft", lambda s: s.isin(LONG_TERM_UNEMPLOYED)),
        "niveau_infra_bac": np.nan,
        "qpv": _known_flag(exits, "residant_qpv", lambda s: s.eq(True)),
        "rqth": _known_flag(exits, "rqth", lambda s: s.eq(True)),
    }, index=exits.index)
    if "niveau_formation" in exits.columns:
        level = exits["niveau_formation"].astype(object).map(infra_bac)
        out["niveau_infra_bac"] = level.map({True: 1.0, False: 0.0}).astype(float)
    out[list(PROFILE_COVARIATES)] = out[list(PROFILE_COVARIATES)].astype("float64")
    out = out.sort_values(["annee", "structure", "site", "id_personne"], kind="stable")
    return out[EXAMINED_EXIT_COLUMNS].reset_index(drop=True)
