"""Public money (docs/domain.md §3): the aide au poste of a structure, what the public funding costs per
outcome, and avoided-cost scenarios with their assumptions. Numbers only: the French sentences and
the chart of « L'argent public » are in :mod:`iae_impact.report.text_money` and
:mod:`iae_impact.report.charts`.

- :func:`aide_au_poste`: per group and year, the amount of the ``conventions`` sheet when there is
  one, otherwise realised ETP x socle x (1 + modulation); other funding lines from ``conventions``;
  public cost per ETP, person, sortie dynamique and exit to emploi durable. :func:`aid_bounds`: the
  range the unknown part modulée (0 to 10 %) and conflicting hours per ETP imply.
- :func:`avoided_costs`: for a number of persons in employment (a range), the RSA no longer paid
  (avoided spending) and the social contributions of their jobs (new receipts), apart, for the low /
  central / high scenarios of ``data/reference/couts_evites.yaml``; the SMIC and the RSA by date.
- Who is counted: :func:`additional_employment` (the impact estimate times the examined exits: the
  exits the parcours added) where a comparison group exists, else :func:`published_employment_exits`
  (the exits to employment, gross), from published cells only.
- :func:`brief_money_figures`: the numbers of a brief's « L'argent public » section, from the brief's
  masked table (computed once, by the brief's context): the one function behind the briefs and
  notebook 05.

The socle amounts in force and the scenario parameters are rules (:mod:`iae_impact.rules.amounts`,
:mod:`iae_impact.rules.avoided_costs`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.model import Dataset
from ..rules.amounts import rsa_for_year, smic_for_year, socle_or_nan
from ..rules.avoided_costs import DEFAULT_PARAMETERS, SCENARIOS, load_parameters, modulation_range, parameter_value
from ..rules.dispositifs import hours_per_etp_range, salaried_dispositifs
from ..rules.exits import EMPLOYMENT_EXIT_COLUMNS
from ..rules.secrecy import DEFAULT_THRESHOLD
from .disclosure import Suppression, apply_disclosure
from .indicators import compute_indicators

GROUP_KEYS = ("structure", "site", "dispositif")
#: Columns of the ``sites`` sheet: one value per site, so conventions can be summed over them.
SITE_ATTRIBUTES = ("commune", "code_commune", "departement", "circonscription")
FUNDING_COLUMNS = ("etp_conventionnes", "aide_au_poste_eur", "cofinancement_departement_eur",
                   "autres_financements_eur")
RATIO_DENOMINATORS = {"par_etp": "etp", "par_personne": "personnes", "par_sortie_dynamique": "sorties_dynamiques",
                      "par_emploi_durable": "emploi_durable"}
#: Examined exits counted as exits to employment (declared at exit).
EMPLOYMENT_EXITS = EMPLOYMENT_EXIT_COLUMNS
#: Why avoided costs are not estimated (``non_estimes`` of :class:`MoneyFigures`).
NOT_ESTIMATED = ("secret_personnes", "secret_sorties", "aucune_sortie_emploi", "impact_non_positif", "erreur")


# --------------------------------------------------------------------------- aide au poste


def fine_etp(dataset: Dataset, annees: Sequence[int] | None = None) -> pd.DataFrame:
    """Realised ETP per structure x site x dispositif x year: the lines conventions are signed for."""
    keys = list(GROUP_KEYS)
    return compute_indicators(dataset, by=keys, annees=annees)[["annee", *keys, "etp"]]


def _fine_amounts(dataset: Dataset, annees: Sequence[int] | None, modulation: float,
                  etp: pd.DataFrame | None = None) -> pd.DataFrame:
    """Aide au poste and funding lines per structure x site x dispositif x year (``etp``: :func:`fine_etp`
    when already computed)."""
    keys = list(GROUP_KEYS)
    ind = fine_etp(dataset, annees) if etp is None else etp[["annee", *keys, "etp"]]
    ind = ind.astype({"annee": "int64", "etp": "float64"})
    conv = dataset.conventions
    whole = None
    if conv is not None and len(conv):
        conv = conv[conv["dispositif"].isin(salaried_dispositifs())]
        if annees is not None:
            conv = conv[conv["annee"].isin(list(annees))]
        funding = [c for c in FUNDING_COLUMNS if c in conv.columns]
        whole = conv.loc[conv["site"].isna(), ["structure", "dispositif", "annee", *funding]]
        present = dataset.parcours[keys].drop_duplicates()
        conv = conv.merge(present, on=keys, how="inner")  # the perimeter's own conventions only
        conv = conv[[*keys, "annee", *funding]]
    else:
        conv = pd.DataFrame(columns=[*keys, "annee"])
    conv = conv.astype({"annee": "int64"})
    for col in FUNDING_COLUMNS:
        if col not in conv.columns:
            conv[col] = np.nan
        conv[col] = conv[col].astype("float64")
    if ind.empty and conv.empty:
        fine = pd.DataFrame({c: pd.Series(dtype="int64" if c == "annee" else "object") for c in ["annee", *keys]})
        fine = fine.assign(etp=pd.Series(dtype="float64"), **{c: pd.Series(dtype="float64") for c in FUNDING_COLUMNS})
    elif conv.empty:
        fine = ind.assign(**{c: np.nan for c in FUNDING_COLUMNS})
    elif ind.empty:
        fine = conv.assign(etp=0.0)
    else:
        fine = ind.merge(conv, on=[*keys, "annee"], how="outer")
    fine["etp"] = fine["etp"].fillna(0.0).astype("float64")
    shared: list[dict] = []
    if whole is not None and len(whole):
        fine, shared = _with_whole_structure_conventions(fine, whole, dataset, ind, annees)
    socles = {pair: socle_or_nan(*pair) for pair in set(zip(fine["dispositif"], fine["annee"].astype(int),
                                                                strict=True))}
    fine["socle_eur"] = [socles[(d, int(a))] for d, a in zip(fine["dispositif"], fine["annee"], strict=True)]
    fine["socle_eur"] = fine["socle_eur"].astype("float64")
    from_conventions = fine["aide_au_poste_eur"].notna()
    computed = fine["etp"] * fine["socle_eur"] * (1.0 + modulation)
    fine["source"] = np.where(from_conventions, "conventions",
                              np.where(fine["socle_eur"].notna(), "calcul", "inconnu")).astype(object)
    fine["aide_au_poste_eur"] = fine["aide_au_poste_eur"].where(from_conventions, computed).astype("float64")
    fine.attrs["conventions_structure"] = shared
    return fine


def _structure_etp(dataset: Dataset, ind: pd.DataFrame, structures: set, annees: Sequence[int] | None) -> pd.DataFrame:
    """Realised ETP per site of each of ``structures`` over the whole structure: from the perimeter's own
    ETP when it holds the whole dataset, else from the dataset it was selected from (a site brief)."""
    if dataset.ensemble is None:
        return ind[ind["structure"].isin(structures)]
    parent = dataset.ensemble
    p = parent.parcours[parent.parcours["structure"].isin(structures)]
    h = parent.heures
    whole = Dataset(parcours=p, heures=None if h is None else h[h["id_parcours"].isin(p["id_parcours"])],
                    sites=parent.sites)
    return fine_etp(whole, annees).astype({"annee": "int64", "etp": "float64"})


def _with_whole_structure_conventions(fine: pd.DataFrame, whole: pd.DataFrame, dataset: Dataset, ind: pd.DataFrame,
                                      annees: Sequence[int] | None) -> tuple[pd.DataFrame, list[dict]]:
    """A convention with an empty site covers its whole structure: its amounts are shared among the
    structure's sites in proportion to their realised ETP of the year (all the structure's sites, even when
    the perimeter holds only some of them), so that the structure's total is the declared amount and no
    site counts it twice. A year without any realised ETP in the structure keeps the amounts on one row
    without site when the perimeter is the whole structure. Returns the rows and what was shared (for the
    brief: the declared amount, the perimeter's share)."""
    keys = ["structure", "dispositif", "annee"]
    mine = set(dataset.parcours["structure"])
    whole = whole[whole["structure"].isin(mine)]
    etp = _structure_etp(dataset, ind, set(whole["structure"]), annees)
    total = etp.groupby(keys, sort=False)["etp"].sum().rename("etp_structure").reset_index()
    sites = fine[["structure", "site", "dispositif", "annee", "etp"]].merge(whole[keys], on=keys, how="inner")
    sites = sites.merge(total, on=keys, how="left")
    sites = sites[sites["etp_structure"] > 0]
    share = (sites["etp"] / sites["etp_structure"]).to_numpy()
    funding = [c for c in FUNDING_COLUMNS if c in whole.columns]
    amounts = sites[["structure", "site", "dispositif", "annee"]].merge(whole, on=keys, how="left")
    for col in funding:
        amounts[col] = amounts[col].to_numpy(dtype=float) * share
    fine = fine.merge(amounts, on=[*GROUP_KEYS, "annee"], how="left", suffixes=("", "_structure"))
    for col in funding:
        fine[col] = fine[col].fillna(fine.pop(f"{col}_structure"))
    complete = dataset.ensemble is None or not _partial(dataset)
    perimeter_etp = sites.groupby(keys)["etp"].sum()
    structure_etp = total.set_index(keys)["etp_structure"]
    shared, idle = [], []
    for row in whole.to_dict("records"):
        key = tuple(row[c] for c in keys)
        if key in perimeter_etp.index:
            part = float(perimeter_etp[key] / structure_etp[key])
        else:  # no activity of the perimeter that year
            part = 1.0 if complete else 0.0
            if complete:
                idle.append({**row, "site": None, "etp": 0.0})
        shared.append({"structure": key[0], "dispositif": key[1], "annee": int(key[2]),
                       "aide_au_poste_eur": _float(row.get("aide_au_poste_eur")), "part_perimetre": part})
    if idle:  # the whole structure without any activity that year: the whole amount, on a row without site
        fine = pd.concat([fine, pd.DataFrame(idle)], ignore_index=True)
    return fine, shared


def _partial(dataset: Dataset) -> bool:
    """True when the perimeter holds only some sites of one of its structures."""
    mine = dataset.parcours[["structure", "site"]].drop_duplicates()
    parent = dataset.ensemble.parcours
    every = parent.loc[parent["structure"].isin(set(mine["structure"])), ["structure", "site"]].drop_duplicates()
    return len(every) > len(mine)


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def check_modulation(modulation: float) -> float:
    modulation = float(modulation)
    low, high = modulation_range()
    if not low <= modulation <= high:
        raise ValueError(f"part modulée invalide : {modulation} (entre {low:g} et {high:g} du socle, "
                         "data/reference/couts_evites.yaml)".replace(".", ","))
    return modulation


def aid_bounds(fine: pd.DataFrame, params: dict | None = None) -> tuple[float, float]:
    """The aide au poste of the rows of :func:`_fine_amounts` (computed with no part modulée) as a range:
    amounts of the conventions as they are; estimated amounts from the lowest part modulée and the highest
    hours per ETP the sources allow, to the highest part modulée and the lowest hours (EI: 1 505 to 1 820 h)."""
    low_mod, high_mod = modulation_range(params)
    conv = fine["source"].eq("conventions")
    calc = fine["source"].eq("calcul")
    hours = np.array([hours_per_etp_range(d) for d in fine["dispositif"]]).reshape(-1, 3)
    base = fine["etp"].to_numpy(dtype=float) * fine["socle_eur"].to_numpy(dtype=float)
    fixed = float(fine.loc[conv, "aide_au_poste_eur"].sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        low = base * (1 + low_mod) * hours[:, 0] / hours[:, 2]
        high = base * (1 + high_mod) * hours[:, 0] / hours[:, 1]
    sel = calc.to_numpy()
    return fixed + float(low[sel].sum()), fixed + float(high[sel].sum())


def aide_au_poste(
    dataset: Dataset,
    by: Sequence[str] = GROUP_KEYS,
    annees: Sequence[int] | None = None,
    modulation: float = 0.0,
    *,
    etp: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Aide au poste and public funding per group of ``by`` and year, with the cost per outcome.

    Computed per structure x site x dispositif x year, then summed over ``by`` (any subset of
    ``structure``, ``site``, ``dispositif`` and of the site attributes ``departement``,
    ``circonscription``, ``commune``, ``code_commune``; ``()`` = the whole dataset per year):

    - ``etp``: realised ETP (:func:`~iae_impact.indicators.compute_indicators`);
    - ``aide_au_poste_eur``: the ``conventions`` amount for that structure, site, dispositif and
      year when given, otherwise ``etp`` x :func:`socle_for_year` x (1 + ``modulation``);
      ``source`` says which (``conventions``, ``calcul``, ``mixte`` over several rows, or
      ``inconnu`` when no socle amount is in force: the amount is then NaN);
    - ``cofinancement_departement_eur``, ``autres_financements_eur``: from ``conventions``, NaN
      when unknown; ``total_public_eur`` = aide au poste + the known other lines;
    - ``par_etp``, ``par_personne``, ``par_sortie_dynamique``, ``par_emploi_durable``:
      ``total_public_eur`` over ``etp``, ``personnes`` (counted once per group),
      ``sorties_dynamiques`` and ``emploi_durable``; NaN when the denominator is 0.

    Non-salaried programmes (``ACCOMPAGNEMENT``) have no aide au poste and are excluded. What the
    table rests on is in ``result.attrs``: ``non_salaries_exclus`` (dispositifs left out),
    ``modulation``, ``annees_inconnues`` (years without a socle amount nor a convention); French
    remarks: :func:`iae_impact.report.text_money.aid_remarks`. ``conventions_structure``: the conventions
    covering a whole structure (empty site), each with its declared aide au poste and the perimeter's share
    of it (``part_perimetre``: its sites' part of the structure's realised ETP that year, 1 for the whole
    structure).

    ``etp`` (:func:`fine_etp`) and ``counts`` (:func:`~iae_impact.analysis.indicators.compute_indicators`
    of ``dataset`` by ``by``) may be given when already computed.
    """
    by = list(by)
    modulation = check_modulation(modulation)
    unknown = [c for c in by if c not in (*GROUP_KEYS, *SITE_ATTRIBUTES)]
    if unknown:
        raise ValueError(f"regroupement impossible pour l'aide au poste : {', '.join(unknown)} (possibles : "
                         f"{', '.join((*GROUP_KEYS, *SITE_ATTRIBUTES))})")
    fine = _fine_amounts(dataset, annees, modulation, etp)
    shared = fine.attrs.get("conventions_structure", [])
    extra = [c for c in by if c in SITE_ATTRIBUTES]
    if extra:
        sites = dataset.sites
        missing = [c for c in extra if sites is None or c not in sites.columns]
        if missing:
            raise ValueError(f"regroupement impossible : colonne(s) {', '.join(missing)} absente(s) de l'onglet sites")
        fine = fine.merge(sites[["site", *extra]], on="site", how="left")
    keys = ["annee", *by]
    fine["_conv"] = fine["source"].eq("conventions")
    fine["_calc"] = fine["source"].eq("calcul")
    fine["_inconnu"] = fine["source"].eq("inconnu")
    grouped = fine.groupby(keys, dropna=False, sort=True)
    out = grouped.agg(etp=("etp", "sum"), _conv=("_conv", "sum"), _calc=("_calc", "sum"),
                      _inconnu=("_inconnu", "sum"))
    for col in FUNDING_COLUMNS:
        out[col] = grouped[col].sum(min_count=1)
    out = out.reset_index()
    out.loc[out["_inconnu"] > 0, "aide_au_poste_eur"] = np.nan
    out["source"] = np.select([out["_inconnu"] > 0, out["_calc"] == 0, out["_conv"] == 0],
                              ["inconnu", "conventions", "calcul"], "mixte").astype(object)
    out["total_public_eur"] = (out["aide_au_poste_eur"] + out["cofinancement_departement_eur"].fillna(0.0)
                               + out["autres_financements_eur"].fillna(0.0))
    if counts is None:
        counts = compute_indicators(dataset, by=by, annees=annees)
    elif annees is not None:
        counts = counts[counts["annee"].isin(list(annees))]
    counts = counts[[*keys, "personnes", "sorties_dynamiques", "emploi_durable"]]
    if len(out):
        counts = counts.astype({"annee": "int64"})
        out = out.merge(counts, on=keys, how="left")
    else:
        out = out.assign(personnes=0, sorties_dynamiques=0, emploi_durable=0)
    for col in ("personnes", "sorties_dynamiques", "emploi_durable"):
        out[col] = out[col].fillna(0).astype("int64")
    for ratio, denominator in RATIO_DENOMINATORS.items():
        d = out[denominator].astype("float64")
        out[ratio] = (out["total_public_eur"] / d.where(d > 0)).astype("float64")
    columns = [*keys, "source", "etp", "etp_conventionnes", "aide_au_poste_eur", "cofinancement_departement_eur",
               "autres_financements_eur", "total_public_eur", "personnes", "sorties_dynamiques", "emploi_durable",
               *RATIO_DENOMINATORS]
    out = out[columns].sort_values(keys).reset_index(drop=True)
    out = out.astype({c: "float64" for c in ["etp", *FUNDING_COLUMNS, "total_public_eur", *RATIO_DENOMINATORS]})
    out["annee"] = out["annee"].astype("int64")
    out.attrs["non_salaries_exclus"] = sorted(set(dataset.parcours["dispositif"]) - salaried_dispositifs())
    out.attrs["modulation"] = modulation
    out.attrs["annees_inconnues"] = sorted(set(out.loc[out["source"].eq("inconnu"), "annee"].astype(int)))
    out.attrs["conventions_structure"] = shared
    return out


#: Count columns of :func:`aide_au_poste` and the cost ratios computed on them.
_COUNT_RATIOS = {"personnes": "par_personne", "sorties_dynamiques": "par_sortie_dynamique",
                 "emploi_durable": "par_emploi_durable"}


def mask_small_cells(table: pd.DataFrame, dataset: Dataset, by: Sequence[str] = ("structure", "site", "dispositif"),
                     seuil: int = DEFAULT_THRESHOLD, release=None) -> pd.DataFrame:
    """:func:`aide_au_poste` ready to be shared: what the indicator table of the same grouping masks
    (secret statistique, with secondary suppression) is masked here too, with every ratio computed
    on a masked count. A group of fewer than ``seuil`` persons also loses its ETP and, when the aid
    is calculated from ETP, the aid itself (it would reveal their hours). ``release``: the
    :class:`~iae_impact.analysis.release.ReleaseMask` of the publication, whose masks are then used (the
    same as in every other table of the release)."""
    by = [b for b in by if b in table.columns]
    keys = [*by, "annee"]
    if release is not None:
        masked = release.grouped(by)
        indicators = masked.table
    else:
        indicators = compute_indicators(dataset, by=by)
        masked = apply_disclosure(indicators, seuil=seuil, keys=keys)
    flags = masked.masque[[c for c in _COUNT_RATIOS if c in masked.masque]].add_prefix("masque_")
    flags[keys] = indicators[keys]
    out = table.merge(flags, on=keys, how="left")
    out = out.astype({c: float for c in _COUNT_RATIOS if c in out})
    for count, ratio in _COUNT_RATIOS.items():
        hide = out.get(f"masque_{count}", pd.Series(False, index=out.index)).fillna(False).astype(bool)
        out.loc[hide, [c for c in (count, ratio) if c in out]] = np.nan
    small_group = out.get("masque_personnes", pd.Series(False, index=out.index)).fillna(False).astype(bool)
    out.loc[small_group, [c for c in ("etp", "par_etp") if c in out]] = np.nan
    calculated = out["source"].eq("calcul") if "source" in out else pd.Series(False, index=out.index)
    out.loc[small_group & calculated, [c for c in ("aide_au_poste_eur", "total_public_eur") if c in out]] = np.nan
    out.attrs = table.attrs
    return out.drop(columns=[c for c in out.columns if c.startswith("masque_")])


def avoided_costs(annee: int, personnes: Mapping[str, float], part_rsa: Mapping[str, float] | None = None,
                  parametres_path: str | Path = DEFAULT_PARAMETERS) -> pd.DataFrame:
    """Avoided spending and new receipts for ``personnes`` in employment after their exit in ``annee``:
    rows ``bas``, ``central``, ``haut`` (each scenario takes all its low, central or high values).

    ``personnes``: the persons counted, per scenario (:func:`additional_employment` or
    :func:`published_employment_exits`); ``part_rsa``: the share of RSA recipients among them, per scenario
    (observed in the brief's published table), else the fallback parameter ``part_rsa_sorties_emploi``.

    - ``rsa_evite_eur`` (avoided spending) = personnes x part_rsa x mois x RSA x part_rsa_versee, with RSA
      the monthly montant forfaitaire averaged over ``annee`` by days in force (:func:`rsa_for_year`);
    - ``cotisations_eur`` (new receipts) = personnes x mois x SMIC x heures x taux_cotisations, with the
      SMIC averaged over ``annee`` by days in force (:func:`~iae_impact.rules.amounts.smic_for_year`).

    The two are never added: one is money the State and the départements no longer pay, the other money
    the social security receives.
    """
    params = load_parameters(parametres_path)
    annee = int(annee)
    rsa, smic = rsa_for_year(annee), smic_for_year(annee)
    observed = part_rsa is not None
    rows = []
    for s in SCENARIOS:
        n = float(personnes[s])
        share = float(part_rsa[s]) if observed else parameter_value(params, "part_rsa_sorties_emploi", s)
        months = parameter_value(params, "mois_evites", s)
        paid = parameter_value(params, "part_rsa_versee", s)
        hours = parameter_value(params, "heures_mensuelles_emploi", s)
        rate = parameter_value(params, "taux_cotisations", s)
        per_month = smic * hours * rate
        rows.append({
            "annee": annee, "personnes_emploi": n, "part_rsa": share,
            "origine_part_rsa": "donnees" if observed else "parametre", "mois": months,
            "rsa_mensuel_eur": rsa, "part_rsa_versee": paid, "rsa_evite_eur": n * share * months * rsa * paid,
            "smic_horaire_eur": smic, "heures_mensuelles": hours, "taux_cotisations": rate,
            "cotisations_mensuelles_eur": per_month, "cotisations_eur": n * months * per_month,
        })
    out = pd.DataFrame(rows, index=pd.Index(list(SCENARIOS), name="scenario"))
    floats = [c for c in out.columns if c not in ("annee", "origine_part_rsa")]
    return out.astype({"annee": "int64", **{c: "float64" for c in floats}})


def published_employment_exits(row: pd.DataFrame) -> dict[str, float] | None | bool:
    """What the brief's masked table says about the number of exits to employment of the year.

    None when it is published or derivable (emploi durable and emploi de transition published, or
    sorties dynamiques and sorties positives published): the exact count may be used. Otherwise
    bounds per scenario from published cells only: low = the published employment cells, high =
    sorties dynamiques minus the published sorties positives, central = their mean. False when
    sorties dynamiques itself is masked (nothing can be said).
    """
    if row.empty:
        return False
    value = {c: row[c].iloc[0] for c in ("sorties_dynamiques", "sorties_positives", *EMPLOYMENT_EXITS)}
    known = {c: not pd.isna(v) for c, v in value.items()}
    if all(known[c] for c in EMPLOYMENT_EXITS):
        return None
    if known["sorties_dynamiques"] and known["sorties_positives"]:
        return None
    if not known["sorties_dynamiques"]:
        return False
    low = float(sum(value[c] for c in EMPLOYMENT_EXITS if known[c]))
    high = float(value["sorties_dynamiques"] - (value["sorties_positives"] if known["sorties_positives"] else 0))
    return {"bas": low, "central": (low + high) / 2, "haut": high}


def employment_exits(row: pd.DataFrame) -> dict[str, float] | None:
    """The exits to employment of a brief's masked year row, per scenario: exact when published or derivable,
    else the bounds of :func:`published_employment_exits`; None when nothing can be said."""
    bounds = published_employment_exits(row)
    if bounds is False:
        return None
    if bounds is not None:
        return bounds
    r = row.iloc[0]
    if all(not pd.isna(r[c]) for c in EMPLOYMENT_EXITS):
        exact = float(sum(r[c] for c in EMPLOYMENT_EXITS))
    else:
        exact = float(r["sorties_dynamiques"] - r["sorties_positives"])
    return dict.fromkeys(SCENARIOS, exact)


def additional_employment(impact: Mapping[str, float], sorties: float) -> dict[str, float]:
    """Persons in employment six months after exit because of the parcours, among ``sorties`` exits: the
    impact estimate (ATT, a share) and its 95 % interval times ``sorties``, negative values as 0."""
    keys = {"bas": "ci_bas", "central": "estimate", "haut": "ci_haut"}
    return {s: max(0.0, float(impact[k]) * float(sorties)) for s, k in keys.items()}


def observed_rsa_share(row: pd.DataFrame) -> tuple[dict[str, float], int, int] | None:
    """The share of RSA recipients among the persons of the year as the brief publishes it (the same value in
    the three scenarios: a fact about these persons, not a sample), with the persons with the trait and the
    persons whose value is known; None when masked."""
    if row.empty or pd.isna(row["part_rsa"].iloc[0]) or pd.isna(row["part_rsa_n"].iloc[0]):
        return None
    share, n = float(row["part_rsa"].iloc[0]), int(row["part_rsa_n"].iloc[0])
    return dict.fromkeys(SCENARIOS, share), int(round(share * n)), n


# --------------------------------------------------------------------------- a brief's section


@dataclasses.dataclass
class MoneyFigures:
    """The numbers of a brief's « L'argent public » section for one perimeter and year.

    Every count comes from the brief's masked table (published cells only); values it masks are None.
    ``aide_bas``/``aide_haut`` (and ``total_public_*``: with the département's and other known funding):
    the aide au poste as a range (conventions: one value; estimate: part modulée and hours per ETP);
    ``couts``: :func:`avoided_costs` for the persons counted (``base``: ``impact`` for the additional
    persons of :func:`additional_employment`, ``brut`` for the exits to employment), None when
    ``non_estimes`` says why (a code of :data:`NOT_ESTIMATED`; ``erreur``: the French message).
    """

    annee: int
    dispositifs: list[str]
    seuil: int
    parametres: dict
    fichier_parametres: str
    etp: float | None
    personnes: int | None
    sorties_examinees: int | None
    sorties_dynamiques: int | None
    source_aide_au_poste: str
    socle_eur: float | None  # the yearly socle per post when a single dispositif is estimated
    aide_bas: float | None
    aide_haut: float | None
    cofinancement_departement_eur: float | None
    autres_financements_eur: float | None
    total_public_bas: float | None
    total_public_haut: float | None
    base: str | None = None
    sorties_emploi: dict | None = None  # exits to employment per scenario (gross base)
    sorties_emploi_exactes: bool = True
    impact: dict | None = None  # the impact estimate used (impact base)
    part_rsa_observee: tuple[int, int] | None = None  # (with the trait, known) when observed
    couts: pd.DataFrame | None = None
    non_estimes: str | None = None
    erreur: str | None = None
    aide: pd.DataFrame | None = dataclasses.field(default=None, repr=False)  # the aide_au_poste row (its attrs)

    def per(self, denominator: float | None) -> dict | None:
        """Known public funding per unit of ``denominator`` (a published count), as a range."""
        if not denominator or self.total_public_bas is None:
            return None
        return {"bas": self.total_public_bas / denominator, "haut": self.total_public_haut / denominator}


def clean_amount(value: float | None, digits: int = 2) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), digits)


def _published(row: pd.DataFrame, column: str) -> float | None:
    if row.empty or column not in row or pd.isna(row[column].iloc[0]):
        return None
    return float(row[column].iloc[0])


def _who_is_counted(row: pd.DataFrame, impact: Mapping | None) -> tuple[str, dict | None, str | None]:
    """(base, persons per scenario, reason when there are none)."""
    if impact is not None:
        examined = _published(row, "sorties_examinees")
        if examined is None:
            return "impact", None, "secret_sorties"
        if float(impact["ci_haut"]) <= 0:
            return "impact", None, "impact_non_positif"
        return "impact", additional_employment(impact, examined), None
    exits = employment_exits(row)
    if exits is None:
        return "brut", None, "secret_sorties"
    if exits["haut"] == 0:
        return "brut", exits, "aucune_sortie_emploi"
    return "brut", exits, None


def brief_money_figures(
    perimeter: Dataset,
    annee: int,
    suppression: Suppression,
    impact: Mapping | None = None,
    parametres_path: str | Path = DEFAULT_PARAMETERS,
    etp: pd.DataFrame | None = None,
    indicators: pd.DataFrame | None = None,
) -> MoneyFigures | None:
    """The numbers of « L'argent public » for a brief and for notebook 05 (one function for both).

    ``perimeter``: the perimeter's dataset; ``suppression``: its indicator table masked as in the release
    (computed once by the brief's context); every count used is a published cell of it, so no amount reveals
    a masked one. ``impact``: the brief's impact estimate (:func:`~iae_impact.analysis.impact.brief_estimate`)
    when its comparison holds: the persons counted are then the additional ones; otherwise the exits to
    employment, gross. ``indicators``: the unmasked table (the aid's ETP), computed when not given.
    None for a perimeter without salaried dispositif or without activity in ``annee``.
    """
    annee = int(annee)
    salaried = salaried_dispositifs()
    if not perimeter.parcours["dispositif"].isin(salaried).any():
        return None
    params = load_parameters(parametres_path)
    if etp is None:  # once for the table and the fine amounts (a batch computes this for every brief)
        etp = fine_etp(perimeter, [annee])
    table = aide_au_poste(perimeter, by=(), annees=[annee], modulation=0.0, etp=etp, counts=indicators)
    if table.empty:
        return None
    fine = _fine_amounts(perimeter, [annee], 0.0, etp)
    row = table.iloc[0]
    year = suppression.table.loc[suppression.table["annee"] == annee]
    personnes = _published(year, "personnes")
    low, high = aid_bounds(fine, params) if personnes is not None else (None, None)
    if row["source"] == "inconnu":
        low = high = None
    other = float(np.nansum([row["cofinancement_departement_eur"], row["autres_financements_eur"]]))
    calc = fine.loc[fine["source"].eq("calcul")]
    socles = calc["socle_eur"].unique()
    figures = MoneyFigures(
        annee=annee, dispositifs=sorted(set(perimeter.parcours["dispositif"]) & salaried), seuil=suppression.seuil,
        parametres=params, fichier_parametres=Path(parametres_path).name,
        etp=None if personnes is None else clean_amount(row["etp"], 4),
        personnes=None if personnes is None else int(personnes),
        sorties_examinees=None if _published(year, "sorties_examinees") is None
        else int(_published(year, "sorties_examinees")),
        sorties_dynamiques=None if _published(year, "sorties_dynamiques") is None
        else int(_published(year, "sorties_dynamiques")),
        source_aide_au_poste=str(row["source"]), socle_eur=float(socles[0]) if len(socles) == 1 else None,
        aide_bas=clean_amount(low), aide_haut=clean_amount(high),
        cofinancement_departement_eur=clean_amount(row["cofinancement_departement_eur"]),
        autres_financements_eur=clean_amount(row["autres_financements_eur"]),
        total_public_bas=None if low is None else clean_amount(low + other),
        total_public_haut=None if high is None else clean_amount(high + other),
        aide=table)
    if personnes is None:
        figures.non_estimes = "secret_personnes"
        return figures
    base, persons, reason = _who_is_counted(year, impact)
    figures.base, figures.non_estimes = base, reason
    if base == "brut":
        figures.sorties_emploi = persons
        figures.sorties_emploi_exactes = persons is not None and persons["bas"] == persons["haut"]
    else:
        figures.impact = None if impact is None else dict(impact)
    if reason is not None:
        return figures
    share = observed_rsa_share(year)
    if share is not None:
        figures.part_rsa_observee = share[1:]
    try:
        figures.couts = avoided_costs(annee, persons, None if share is None else share[0], parametres_path)
    except ValueError as exc:
        figures.non_estimes, figures.erreur = "erreur", str(exc)
    return figures
