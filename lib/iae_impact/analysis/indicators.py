"""Official insertion indicators by group and year (README « Définitions des indicateurs », DOMAIN §1 in docs/domain.md).

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

from ..data.model import Dataset
from ..data.schema import row_codes
from ..rules.dispositifs import hours_per_etp, is_salaried
from ..rules.exits import (
    CATEGORY_RETRAIT,
    category_columns,
    dynamic_exit_columns,
    examination_rules,
    examined_category_columns,
    exit_rule,
    motive_categories,
)
from ..rules.profile import AGE_SHARES, PROFILE_COVARIATES, PROFILE_SHARES, SHARE_FLAGS, age_bands, profile_flags
from .intervals import wilson_interval

DAYS_PER_MONTH = 365.25 / 12

COUNT_COLUMNS = [
    "personnes", "entrees", "sorties", "sorties_examinees", "emploi_durable", "emploi_transition",
    "sorties_positives", "autres_sorties", "sorties_dynamiques", "retraits", "sorties_hors_seuil",
]  # fmt: skip
#: Each rate and its numerator (the denominator is always ``sorties_examinees``).
RATE_NUMERATORS = {"taux_emploi_durable": "emploi_durable", "taux_emploi_transition": "emploi_transition",
                   "taux_sorties_positives": "sorties_positives", "taux_sorties_dynamiques": "sorties_dynamiques"}
RATE_COLUMNS = list(RATE_NUMERATORS)


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
        annee = ds.heures["annee"]
        year = annee.max()  # the last month: the latest month of the latest year
        last = year * 100 + ds.heures["mois"][(annee == year).to_numpy()].max()
        dates.append(pd.Timestamp(year=int(last // 100), month=int(last % 100), day=1) + pd.offsets.MonthEnd(0))
    return max(d for d in dates if pd.notna(d))


def _years(dates: np.ndarray) -> np.ndarray:
    """Calendar year of each datetime64 value."""
    return dates.astype("datetime64[Y]").astype(np.int64) + 1970


def _years_spanned(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, year, days overlapped) for each row of start/end (datetime64[ns]) x calendar year overlapped."""
    first, last = _years(start), _years(end)
    n_years = np.clip(last - first + 1, 0, None)
    pos = np.repeat(np.arange(len(start)), n_years)
    offset = np.arange(n_years.sum()) - np.repeat(np.cumsum(n_years) - n_years, n_years)
    annee = first[pos] + offset
    jan1 = (annee - 1970).astype("datetime64[Y]").astype("datetime64[ns]")
    dec31 = (annee - 1969).astype("datetime64[Y]").astype("datetime64[ns]") - np.timedelta64(1, "D")
    days = (np.minimum(end[pos], dec31) - np.maximum(start[pos], jan1)) / np.timedelta64(1, "D") + 1
    return pos, annee, days


def _hour_rows(hours: pd.DataFrame, p: pd.DataFrame) -> np.ndarray:
    """Row position in ``p`` of the parcours of each hour row; -1 when the parcours is not in ``p``.

    From parquet, the hours' identifiers are a categorical whose categories are the parcours identifiers
    in row order: its codes are the positions, nothing is hashed.
    """
    ids = hours["id_parcours"]
    p_ids = p["id_parcours"].to_numpy(dtype=object)
    if isinstance(ids.dtype, pd.CategoricalDtype):
        codes = ids.cat.codes.to_numpy()
        categories = ids.cat.categories.to_numpy(dtype=object)
        if len(categories) == len(p_ids) and np.array_equal(categories, p_ids):
            return codes
        of_category = _unique_index(p_ids).get_indexer(categories)
        return np.where(codes >= 0, of_category[codes], -1)
    return _unique_index(p_ids).get_indexer(ids.to_numpy(dtype=object))


def _unique_index(ids: np.ndarray) -> pd.Index:
    index = pd.Index(ids)
    if not index.is_unique:
        raise ValueError("identifiants de parcours en double : chaque parcours doit avoir son propre id_parcours")
    return index


def _grouped_sum(values: np.ndarray, key: np.ndarray) -> pd.Series:
    """Sum of ``values`` per ``key``, indexed by the sorted keys: pandas' compensated (Kahan) sum, in row order.

    When the keys are already sorted (hours listed by parcours and month: the usual export), each group is a
    run of rows and the same compensated sum is computed run-wise with numpy, one step per row of the longest
    run, bit for bit what ``Series.groupby(key).sum()`` gives; otherwise pandas does it.
    """
    n = len(key)
    if n == 0 or not np.all(key[1:] >= key[:-1]):
        return pd.Series(values, copy=False).groupby(key, sort=True).sum()
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    lengths = np.diff(np.append(starts, n))
    total = np.zeros(len(starts))
    compensation = np.zeros(len(starts))
    groups = np.arange(len(starts))
    for step in range(int(lengths.max())):
        more = lengths > step
        if not more.all():
            starts, lengths, groups = starts[more], lengths[more], groups[more]
        value = values[starts + step]
        present = ~np.isnan(value)  # missing values are skipped
        g, value = (groups[present], value[present]) if not present.all() else (groups, value)
        y = value - compensation[g]
        t = total[g] + y
        with np.errstate(invalid="ignore"):
            c = (t - total[g]) - y
        compensation[g] = np.where(c != c, 0.0, c)  # an infinite value: no compensation (as pandas)
        total[g] = t
    return pd.Series(total, index=key[np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))])


def _activity(ds: Dataset, p: pd.DataFrame, date_ref: pd.Timestamp) -> tuple[pd.DataFrame, np.ndarray]:
    """Hours and activity per parcours x year (``pos``: row of ``p``, ``annee``, ``heures``, ``mensuel``: from
    monthly hours), and the total hours of each parcours, aligned with the rows of ``p`` (NaN when unknown: the
    hours condition). Monthly rows come first, by parcours and year, then the pro-rated ones."""
    n = len(p)
    total_hours = np.full(n, np.nan)
    has_monthly = np.zeros(n, dtype=bool)
    parts = []
    if ds.heures is not None and len(ds.heures):
        h = ds.heures
        row = _hour_rows(h, p)
        mine = row >= 0
        has_monthly[row[mine]] = True
        if mine.any():
            every = bool(mine.all())
            annee = h["annee"].to_numpy(dtype=np.int64)
            annee = annee if every else annee[mine]
            low = int(annee.min())
            span = int(annee.max()) - low + 1
            key = row.astype(np.int64) if every else row[mine].astype(np.int64)
            key *= span
            key += annee
            key -= low
            values = h["heures"].to_numpy(dtype=np.float64)
            sums = _grouped_sum(values if every else values[mine], key)
            sums = sums[sums > 0]  # a year whose hours add up to 0 is no activity
            keys = sums.index.to_numpy()
            parts.append((keys // span, keys % span + low, sums.to_numpy(), True))
            if len(sums):
                per_parcours = _grouped_sum(sums.to_numpy(), keys // span)
                total_hours[per_parcours.index.to_numpy()] = per_parcours.to_numpy()
    worked = (p["heures_travaillees"].to_numpy(dtype=np.float64, na_value=np.nan) if "heures_travaillees" in p.columns
              else np.full(n, np.nan))
    rest = np.flatnonzero(~has_monthly)
    total_hours[rest] = np.where(np.isnan(worked[rest]), total_hours[rest], worked[rest])
    rest = rest[~_without_any_hours(p, has_monthly, worked)[rest]]
    start = p["date_entree"].to_numpy(dtype="datetime64[ns]")[rest]
    end = p["date_sortie"].to_numpy(dtype="datetime64[ns]")[rest]
    end = np.where(np.isnat(end), np.datetime64(date_ref, "ns"), end)
    pos, annee, days = _years_spanned(start, end)
    kept = days > 0
    pos, annee, days = pos[kept], annee[kept], days[kept]
    total_days = ((end - start).astype("timedelta64[D]").astype(np.int64) + 1)[pos]
    totals = np.nan_to_num(worked[rest], nan=0.0)[pos]
    parts.append((rest[pos], annee, totals * days / total_days, False))
    activity = pd.DataFrame({"pos": np.concatenate([x[0] for x in parts]).astype(np.int64),
                             "annee": np.concatenate([x[1] for x in parts]).astype(np.int64),
                             "heures": np.concatenate([x[2] for x in parts]).astype(float),
                             "mensuel": np.concatenate([np.full(len(x[0]), x[3]) for x in parts])})
    return activity, total_hours


def _without_any_hours(p: pd.DataFrame, has_monthly: np.ndarray, worked: np.ndarray) -> np.ndarray:
    """Salaried parcours that worked no hour at all in a structure that gives monthly hours: no monthly hour
    and no positive total (an AI's person enrolled but not yet placed). They are no activity: their person
    is not counted among those who worked (their entry and exit are counted)."""
    if not has_monthly.any():
        return np.zeros(len(p), dtype=bool)
    structure = pd.factorize(p["structure"])[0]
    monthly_structures = np.unique(structure[has_monthly])
    in_monthly = np.isin(structure, monthly_structures)
    salaried = _is_true(_on_values(p["dispositif"], is_salaried))
    return in_monthly & salaried & ~has_monthly & ~(np.nan_to_num(worked, nan=0.0) > 0)


def _is_true(values: np.ndarray) -> np.ndarray:
    return pd.Series(values, dtype=object).eq(True).to_numpy()


def _on_values(values: pd.Series | tuple[np.ndarray, np.ndarray], fn) -> np.ndarray:
    """``fn`` applied to the distinct values of ``values`` (a Series, or its ``pd.factorize`` codes and
    uniques), spread back to the rows (object array; NaN where the value is missing)."""
    codes, uniques = values if isinstance(values, tuple) else _factorize(values)
    mapped = np.append(np.asarray(fn(pd.Series(uniques, dtype=object)), dtype=object), np.nan)
    return mapped[codes]


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values)
    return codes, np.asarray(uniques, dtype=object)


def _hours_in_year(activity: pd.DataFrame | None, rows: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Hours each parcours (``rows`` of ``p``) worked in the given year, from :func:`_activity`'s table (one row
    per parcours and year); NaN when it worked none (or its hours are unknown)."""
    out = np.full(len(rows), np.nan)
    if activity is None or not len(activity) or not len(rows):
        return out
    low = int(min(activity["annee"].min(), years.min()))
    span = int(max(activity["annee"].max(), years.max())) - low + 1
    known = pd.Series(activity["heures"].to_numpy(),
                      index=activity["pos"].to_numpy() * span + activity["annee"].to_numpy() - low)
    known = known[~known.index.duplicated()]
    position = known.index.get_indexer(rows.astype(np.int64) * span + years - low)
    found = position >= 0
    out[found] = known.to_numpy()[position[found]]
    return out


def _meets_rule(rule: np.ndarray, threshold: np.ndarray, start: np.ndarray, end: np.ndarray, total: np.ndarray,
                in_exit_year: np.ndarray) -> np.ndarray:
    """Whether each exit meets its dispositif's condition (``regles_sortie.csv``): calendar months from the
    first day to the exit, months as days × 12 / 365 (strictly more than the threshold), hours over the
    parcours, hours in the year of the exit, or none."""
    meets = np.zeros(len(rule), dtype=bool)
    calendar = rule == "duree_mois_calendaires"
    for months in np.unique(threshold[calendar]):
        sel = calendar & (threshold == months)
        long_enough = (pd.Series(end[sel]) + pd.Timedelta(days=1)
                       >= pd.Series(start[sel]) + pd.DateOffset(months=int(months)))
        meets[sel] |= long_enough.to_numpy()
    days = (end - start).astype("timedelta64[D]").astype(np.int64)
    meets |= (rule == "duree_mois_jours") & (days * 12 / 365 > threshold)
    meets |= (rule == "heures_parcours") & (np.nan_to_num(total, nan=-1.0) >= threshold)
    meets |= (rule == "heures_annee_sortie") & (np.nan_to_num(in_exit_year, nan=-1.0) >= threshold)
    meets |= rule == "aucune"
    return meets


def _exit_table(p: pd.DataFrame, total_hours: np.ndarray, dispositif: tuple | None = None, *,
                regle: str | None = None, activity: pd.DataFrame | None = None,
                categories: pd.Series | None = None) -> pd.DataFrame:
    """Exited parcours (``row`` of ``p``) with their year, category, examination flags and length.

    ``dispositif``: ``pd.factorize`` of ``p["dispositif"]`` when already computed; ``regle``: the variant of
    the examination rule (``regles_sortie.csv``, None: the default); ``activity``: :func:`_activity`'s table
    (the hours in the year of the exit); ``categories``: motive -> category when the data carry their own
    table (a fluxIAE extract's), else the project's."""
    exit_dates = p["date_sortie"].to_numpy(dtype="datetime64[ns]")
    row = np.flatnonzero(~np.isnat(exit_dates))
    end = exit_dates[row]
    start = p["date_entree"].to_numpy(dtype="datetime64[ns]")[row]
    mapping = motive_categories() if categories is None else categories
    categorie = _on_values(p["motif_sortie"].iloc[row], lambda u: u.map(mapping))
    colonne = pd.Series(categorie, dtype=object).map(category_columns()).to_numpy(dtype=object)
    codes, uniques = dispositif if dispositif is not None else _factorize(p["dispositif"])
    rules = examination_rules(regle)
    rule = _on_values((codes[row], uniques), lambda u: u.map(rules["regle"]))
    threshold = _on_values((codes[row], uniques), lambda u: u.map(rules["seuil"])).astype(float)
    minimum = _on_values((codes[row], uniques), lambda u: u.map(rules["heures_annee_sortie_min"])).astype(float)
    in_exit_year = _hours_in_year(activity, row, _years(end))
    meets = _meets_rule(rule, threshold, start, end, total_hours[row], in_exit_year)
    meets &= ~(minimum > 0) | (np.nan_to_num(in_exit_year, nan=-1.0) >= minimum)
    retrait = categorie == CATEGORY_RETRAIT
    return pd.DataFrame({
        "row": row, "annee": _years(end), "categorie": categorie, "colonne": colonne,
        "examinee": meets & ~retrait, "retrait": retrait, "hors_seuil": ~meets & ~retrait,
        "duree_mois": ((end - start).astype("timedelta64[D]").astype(np.int64) + 1) / DAYS_PER_MONTH,
    })


def _exits(p: pd.DataFrame, total_hours: np.ndarray, regle: str | None = None, activity: pd.DataFrame | None = None,
           categories: pd.Series | None = None) -> pd.DataFrame:
    """Exited parcours (the rows of ``p``) with their year, category, examination flag and length."""
    table = _exit_table(p, total_hours, regle=regle, activity=activity, categories=categories)
    out = p.iloc[table["row"].to_numpy()].copy()
    for column in ("annee", "categorie", "colonne", "examinee", "retrait", "hors_seuil", "duree_mois"):
        out[column] = table[column].to_numpy()
    return out


def _group_codes(p: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group of each row of ``p`` (-1 when a ``by`` value is missing: the row is in no group, as in
    ``groupby``) and, in code order, the ``by`` values of each group."""
    if not by:
        return np.zeros(len(p), dtype=np.int64), pd.DataFrame(index=range(1))
    key = row_codes(p, by)
    present = np.flatnonzero(np.logical_and.reduce([p[c].notna().to_numpy() for c in by]))
    codes, uniques = pd.factorize(key[present])
    group = np.full(len(p), -1, dtype=np.int64)
    group[present] = codes
    first = np.zeros(len(uniques), dtype=np.int64)
    first[codes[::-1]] = present[::-1]  # first row of each group
    return group, pd.DataFrame({c: _plain(p[c].iloc[first]).reset_index(drop=True) for c in by})


def _latest_rows(key: np.ndarray, member: np.ndarray, distinct: bool, monthly: np.ndarray, pos: np.ndarray,
                 year: np.ndarray, entry: np.ndarray, ids: pd.Series) -> np.ndarray:
    """Activity rows that describe a person in a group and year: the parcours with the latest entry date.

    ``key``: group-year of each activity row (-1: no group), ``member``: person x group x year, ``distinct``:
    no member has two rows, ``pos``: parcours (row of ``p``). When a person has two parcours with the same
    latest entry date in a group and year, the choice is the one the indicator engine always made: the last
    of them once the activity rows (monthly ones by parcours identifier and year, then the pro-rated ones)
    are sorted by entry date with the same quicksort.
    """
    grouped = np.flatnonzero(key >= 0)
    if distinct:
        return grouped  # nobody has two parcours in a group and year: every row is the person's latest
    dates = entry[pos]
    order = np.argsort(dates, kind="stable")
    latest = order[~pd.Series(member[order], copy=False).duplicated(keep="last").to_numpy()]
    latest = latest[key[latest] >= 0]
    several = grouped[pd.Series(member[grouped], copy=False).duplicated(keep=False).to_numpy()]
    if not pd.DataFrame({"member": member[several], "date": dates[several]}).duplicated().any():
        return latest  # no tie on the entry date: the latest parcours is unambiguous
    rank = _sort_rank(ids.to_numpy(dtype=object))
    by_month = np.flatnonzero(monthly)
    previous = np.concatenate([by_month[np.lexsort((year[by_month], rank[pos[by_month]]))], np.flatnonzero(~monthly)])
    order = previous[np.argsort(dates[previous], kind="quicksort")]
    latest = order[~pd.Series(member[order], copy=False).duplicated(keep="last").to_numpy()]
    return latest[key[latest] >= 0]


def _sort_rank(values: np.ndarray) -> np.ndarray:
    """Rank of each value in sorted order (as ``groupby`` sorts its keys)."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        order = np.argsort(values.astype(str), kind="stable")
    else:
        order = np.argsort(pd.factorize(values, sort=True)[0], kind="stable")
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values))
    return rank


def _plain(values: pd.Series) -> pd.Series:
    return values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values


def _parcours_counted(p: pd.DataFrame, inclure_non_salaries: bool) -> tuple[pd.DataFrame, tuple]:
    """The parcours the indicators count (salaried dispositifs only unless asked) and the ``pd.factorize`` of
    their dispositif."""
    dispositif = _factorize(p["dispositif"])
    if inclure_non_salaries:
        return p, dispositif
    keep = _is_true(_on_values(dispositif, is_salaried))
    if keep.all():
        return p, dispositif
    return p[keep], (dispositif[0][keep], dispositif[1])


def _aggregate(key: np.ndarray, size: int, values: np.ndarray | None = None, how: str = "count") -> np.ndarray:
    """Aggregate per result row (``key``: result row of each input row, ``size`` rows): ``count``,
    ``count_true`` (of ``values``), ``sum`` or ``mean``; missing groups give NaN (counts: 0)."""
    if how == "count":
        return np.bincount(key, minlength=size).astype(np.int64)
    if how == "count_true":
        return np.bincount(key[np.asarray(values, dtype=bool)], minlength=size).astype(np.int64)
    series = pd.Series(np.asarray(values, dtype=float), copy=False).groupby(key, sort=True)
    aggregated = series.sum() if how == "sum" else series.mean()  # compensated sums, as before
    out = np.full(size, np.nan)
    out[aggregated.index.to_numpy()] = aggregated.to_numpy()
    return out


def _exit_counts(result: pd.DataFrame, exits: pd.DataFrame, x_at: np.ndarray, size: int) -> None:
    """Exit counts by examination and category, mean length and rates with their Wilson interval, in place."""
    examined = exits["examinee"].to_numpy()
    colonne = exits["colonne"].to_numpy(dtype=object)
    result["sorties"] = _aggregate(x_at, size)
    result["sorties_examinees"] = _aggregate(x_at, size, examined, "count_true")
    result["retraits"] = _aggregate(x_at, size, exits["retrait"].to_numpy(), "count_true")
    result["sorties_hors_seuil"] = _aggregate(x_at, size, exits["hors_seuil"].to_numpy(), "count_true")
    for col in examined_category_columns():
        result[col] = _aggregate(x_at, size, examined & (colonne == col), "count_true")
    result["duree_moyenne_parcours_mois"] = (_aggregate(x_at, size, exits["duree_mois"].to_numpy(), "mean")
                                            if len(x_at) else np.full(size, np.nan))
    result["sorties_dynamiques"] = result[list(dynamic_exit_columns())].sum(axis=1)
    n = result["sorties_examinees"].to_numpy()
    for rate, numerator in RATE_NUMERATORS.items():
        k = result[numerator].to_numpy()
        result[rate] = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
        result[f"{rate}_ic_bas"], result[f"{rate}_ic_haut"] = wilson_interval(k, n)


def _profile_shares(result: pd.DataFrame, p: pd.DataFrame, rows: np.ndarray, years: np.ndarray, where: np.ndarray,
                    size: int) -> None:
    """Profile shares among the persons of each group and year, from their latest parcours (``rows`` of ``p``,
    their ``years`` and result row ``where``), each with its ``_n``, in place."""
    flags = profile_flags(p)
    birth = (p["annee_naissance"].to_numpy(dtype=float, na_value=np.nan) if "annee_naissance" in p.columns
             else np.full(len(p), np.nan))
    shares = dict(zip(AGE_SHARES, age_bands(years - birth[rows]), strict=True))
    shares |= {share: flags[flag].to_numpy()[rows] for share, flag in SHARE_FLAGS.items()}
    for share in PROFILE_SHARES:
        values = shares[share]
        known = ~np.isnan(values)
        count = np.bincount(where[known], minlength=size)
        total = np.bincount(where[known], weights=values[known], minlength=size)  # 0/1 values: exact sums
        with np.errstate(invalid="ignore", divide="ignore"):
            result[share] = np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)
        result[f"{share}_n"] = count.astype(np.int64)


def compute_indicators(
    dataset: Dataset,
    by: Sequence[str] = (),
    annees: Sequence[int] | None = None,
    inclure_non_salaries: bool = False,
    regle: str | None = None,
) -> pd.DataFrame:
    """Indicators per group of ``by`` columns and year (``by=[]``: the whole dataset per year).

    ``regle``: the variant of the exit-examination rule (``data/reference/regles_sortie.csv``): ``ecrite``,
    the written rule of the ASP (the default: ACI, EI 3 calendar months; AI, ETTI 150 hours over the
    parcours), or ``gip``, the GIP de l'inclusion's published implementation (ACI, EI more than 2.65 months
    counted as days × 12 / 365 and at least one hour in the year of the exit; AI, ETTI 150 hours in the year
    of the exit; EITI one hour in that year), FLUXIAE §3.

    ``by`` may name any ``parcours`` column (``structure``, ``site``, ``dispositif``,
    ``action``…) or a ``sites`` column (``departement``, ``circonscription``): this function stays
    permissive for programmatic use, so grouping by an identifier or a date gives rows of one person.
    A table meant for publication is grouped by :func:`~iae_impact.data.schema.publishable_groupings`
    only (the ``indicateurs --par`` command refuses any other column). Non-salaried
    programmes (``ACCOMPAGNEMENT``) are left out unless ``inclure_non_salaries`` is true:
    their participants are accompanied, not employed. Rows exist for every group and year
    with any activity; counts are int64, rates float64 (NaN when there is no examined exit).

    Computed on integer codes (groups, persons, parcours rows), without per-row Python: a
    national file (a million parcours, twelve million monthly hour rows) takes seconds.
    """
    by = list(by)
    p, dispositif = _parcours_counted(_with_group_columns(dataset, by), inclure_non_salaries)
    keys = [*by, "annee"]
    columns = indicator_columns(by)
    if p.empty:
        return pd.DataFrame({c: pd.Series(dtype="object" if c in by else "float64") for c in columns})
    date_ref = _reference_date(dataset)
    activity, total_hours = _activity(dataset, p, date_ref)
    group, group_values = _group_codes(p, by)
    per_etp = _on_values(dispositif, lambda u: u.map(hours_per_etp())).astype(float)
    person = pd.factorize(p["id_personne"])[0] + 1  # 0: missing identifier
    persons = int(person.max()) + 1 if len(person) else 1

    # (group, year) as one int64 key: group * span + year - first year; -1 for rows in no group
    entry_dates = p["date_entree"].to_numpy(dtype="datetime64[ns]")
    entry_year = _years(entry_dates)
    regle = exit_rule(regle)
    exits = _exit_table(p, total_hours, dispositif, regle=regle, activity=activity,
                        categories=dataset.categories_motifs)
    a_pos, a_year, a_hours = (activity[c].to_numpy() for c in ("pos", "annee", "heures"))
    years = [y for y in (a_year, entry_year, exits["annee"].to_numpy()) if len(y)]
    low = int(min(y.min() for y in years))
    span = int(max(y.max() for y in years)) - low + 1

    def key_of(rows: np.ndarray, year: np.ndarray) -> np.ndarray:
        g = group[rows]
        return np.where(g >= 0, g * span + (year - low), -1)

    a_key = key_of(a_pos, a_year)
    member = a_key * persons + person[a_pos]  # a person in a group and year
    in_group = a_key >= 0
    members = pd.unique(member[in_group])
    latest = _latest_rows(a_key, member, len(members) == in_group.sum(), activity["mensuel"].to_numpy(), a_pos,
                          a_year, entry_dates, p["id_parcours"])
    profile_rows, profile_keys, profile_years = a_pos[latest], a_key[latest], a_year[latest]
    a_pos, a_year, a_hours, a_key = a_pos[in_group], a_year[in_group], a_hours[in_group], a_key[in_group]
    a_etp = np.nan_to_num(a_hours / per_etp[a_pos], nan=0.0)
    e_key = key_of(np.arange(len(p)), entry_year)
    e_key = e_key[e_key >= 0]
    x_key = key_of(exits["row"].to_numpy(), exits["annee"].to_numpy())
    exits = exits[x_key >= 0]
    x_key = x_key[x_key >= 0]

    present = np.zeros(int(group.max() + 1) * span if len(group) else 0, dtype=bool)  # every (group, year) key
    for k in (a_key, e_key, x_key):
        present[k] = True
    all_keys = np.flatnonzero(present)
    row_of_key = np.cumsum(present) - 1  # result row of each key
    result = pd.DataFrame({"annee": (all_keys % span + low).astype(np.int64)})
    for column in by:
        result[column] = group_values[column].iloc[all_keys // span].to_numpy()
    size = len(all_keys)

    def at(key: np.ndarray, values: np.ndarray | None = None, how: str = "count") -> np.ndarray:
        return _aggregate(key, size, values, how)

    a_at, e_at, x_at = (row_of_key[k] for k in (a_key, e_key, x_key))
    identified = members[members % persons > 0]  # a missing identifier is nobody (as in nunique)
    result["personnes"] = at(row_of_key[identified // persons])
    result["entrees"] = at(e_at)
    result["heures"] = np.nan_to_num(at(a_at, a_hours, "sum"), nan=0.0)
    result["etp"] = np.nan_to_num(at(a_at, a_etp, "sum"), nan=0.0)
    _exit_counts(result, exits, x_at, size)
    _profile_shares(result, p, profile_rows, profile_years, row_of_key[profile_keys], size)
    first = first_activity_year(dataset)
    if first is not None:  # no year before the export's first activity: entries of parcours begun before it
        result = result[result["annee"] >= first]
    if annees is not None:
        result = result[result["annee"].isin(list(annees))]
    return result[columns].sort_values(keys).reset_index(drop=True)


def first_activity_year(dataset: Dataset) -> int | None:
    """The first year the whole export shows any activity (hours, or a parcours without monthly hours
    covering the year; every dispositif): years before it get no indicator row. Computed once on the whole
    data (the dataset a perimeter was selected from) and kept on the datasets (``premiere_annee``), so that
    every perimeter's table, and every table linked with it, starts the same year. None without activity."""
    root = dataset.ensemble or dataset
    if root.premiere_annee is None:
        p = root.parcours
        activity, _ = _activity(root, p, _reference_date(root)) if len(p) else (pd.DataFrame({"annee": []}), None)
        root.premiere_annee = int(activity["annee"].min()) if len(activity) else -1
    dataset.premiere_annee = root.premiere_annee
    return None if root.premiere_annee < 0 else root.premiere_annee


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


EXAMINED_EXIT_COLUMNS = ["id_personne", "structure", "site", "dispositif", "action", "annee", "categorie",
                         "sortie_dynamique", "emploi_durable", *PROFILE_COVARIATES, "en_emploi_6_mois"]


def examined_exits(dataset: Dataset, inclure_non_salaries: bool = False, regle: str | None = None) -> pd.DataFrame:
    """One row per examined exit (person-level data for the models of :mod:`iae_impact.analysis.stats`).

    The exits are those counted in ``sorties_examinees`` by :func:`compute_indicators` (same
    private helpers, so the definition stays single): the row count per group and year equals
    ``sorties_examinees`` and the sum of ``sortie_dynamique`` equals ``sorties_dynamiques``.
    ``annee`` is the exit year. Outcomes ``sortie_dynamique`` and ``emploi_durable`` are int64
    0/1; profile covariates (:data:`~iae_impact.rules.profile.PROFILE_COVARIATES`) are float64,
    NaN when unknown: ``age`` (exit year − birth year), ``femme``, ``rsa``, ``chomage_longue_duree``,
    ``niveau_infra_bac``, ``qpv``, ``rqth`` (:func:`~iae_impact.rules.profile.profile_flags`);
    ``en_emploi_6_mois``: the follow-up, 1.0 / 0.0, NaN when unknown.
    Only plain numpy dtypes (statsmodels formulas fail on nullable or pyarrow dtypes).
    """
    p = dataset.parcours
    if not inclure_non_salaries:
        p = p[is_salaried(p["dispositif"])]
    if p.empty:
        dtypes = {"annee": "int64", "sortie_dynamique": "int64", "emploi_durable": "int64",
                  **dict.fromkeys([*PROFILE_COVARIATES, "en_emploi_6_mois"], "float64")}
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in EXAMINED_EXIT_COLUMNS})
    activity, total_hours = _activity(dataset, p, _reference_date(dataset))
    exits = _exits(p, total_hours, exit_rule(regle), activity, dataset.categories_motifs)
    exits = exits[exits["examinee"]]
    birth = (exits["annee_naissance"].astype(float) if "annee_naissance" in exits.columns
             else pd.Series(np.nan, index=exits.index))
    flags = profile_flags(exits)
    follow_up = (exits["en_emploi_6_mois"].astype("boolean").to_numpy(dtype="float64", na_value=np.nan)
                 if "en_emploi_6_mois" in exits.columns else np.full(len(exits), np.nan))
    out = pd.DataFrame({
        "id_personne": exits["id_personne"].astype(object),
        "structure": exits["structure"].astype(object),
        "site": exits["site"].astype(object),
        "dispositif": exits["dispositif"].astype(object),
        "action": (exits["action"] if "action" in exits.columns else pd.Series(None, index=exits.index)).astype(object),
        "annee": exits["annee"].astype("int64"),
        "categorie": exits["categorie"].astype(object),
        "sortie_dynamique": exits["colonne"].isin(dynamic_exit_columns()).astype("int64"),
        "emploi_durable": exits["colonne"].eq("emploi_durable").astype("int64"),
        "age": exits["annee"].astype(float) - birth.to_numpy(dtype=float, na_value=np.nan),
        **{c: flags[c] for c in PROFILE_COVARIATES if c != "age"},
        "en_emploi_6_mois": follow_up,
    }, index=exits.index)
    out[[*PROFILE_COVARIATES, "en_emploi_6_mois"]] = out[[*PROFILE_COVARIATES, "en_emploi_6_mois"]].astype("float64")
    out = out.sort_values(["annee", "structure", "site", "id_personne"], kind="stable")
    return out[EXAMINED_EXIT_COLUMNS].reset_index(drop=True)


#: Exit counts that add up across years (a pooled period publishes their sums).
POOLED_COUNTS = ("sorties", "sorties_examinees", "retraits", "sorties_hors_seuil", "emploi_durable",
                 "emploi_transition", "sorties_positives", "autres_sorties", "sorties_dynamiques")


def period_label(years: Sequence[int]) -> str:
    """« 2022-2024 » for consecutive years, « 2024 » for one."""
    years = sorted(int(y) for y in years)
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def pooled_exits(table: pd.DataFrame, periods: Sequence[Sequence[int]]) -> pd.DataFrame:
    """Exit counts of an indicator table (one row per year, column ``annee``) summed over each period, with
    the rates and their Wilson interval computed on the sums: one row per period, ``periode`` its label.
    A year without a row counts 0 exits."""
    by_year = table.set_index("annee")
    rows = []
    for years in periods:
        present = [y for y in years if y in by_year.index]
        row = {"periode": period_label(years)}
        for col in POOLED_COUNTS:
            row[col] = float(by_year.loc[present, col].sum()) if present else 0.0
        rows.append(row)
    out = pd.DataFrame(rows, columns=["periode", *POOLED_COUNTS])
    n = out["sorties_examinees"].to_numpy(dtype=float)
    for rate, numerator in RATE_NUMERATORS.items():
        k = out[numerator].to_numpy(dtype=float)
        out[rate] = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
        out[f"{rate}_ic_bas"], out[f"{rate}_ic_haut"] = wilson_interval(k, n)
    return out
