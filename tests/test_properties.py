"""Invariants of the indicator engine on generated datasets (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iae_impact.indicators import compute_indicators
from iae_impact.ingest import Dataset
from iae_impact.rules import tables as reference

# slow: hundreds of generated datasets (seconds each); left out of make test-rapide
pytestmark = pytest.mark.slow

DISPOSITIFS = ["ACI", "AI", "EI", "ETTI", "EITI"]
MOTIFS = list(reference.load_exit_motives()["libelle"])
SITES = ["Narbonne", "Bram", "Limoux"]


@st.composite
def datasets(draw):
    n = draw(st.integers(1, 25))
    rows, hours = [], []
    for i in range(n):
        start = dt.date(2020, 1, 1) + dt.timedelta(days=draw(st.integers(0, 5 * 365)))
        ended = draw(st.booleans())
        end = start + dt.timedelta(days=draw(st.integers(0, 700))) if ended else None
        if end is not None and end > dt.date(2025, 12, 31):
            end = dt.date(2025, 12, 31)
        rows.append({
            "id_parcours": f"c{i}", "id_personne": f"p{draw(st.integers(0, max(1, n // 2)))}",
            "structure": "S", "site": draw(st.sampled_from(SITES)), "dispositif": draw(st.sampled_from(DISPOSITIFS)),
            "date_entree": pd.Timestamp(start), "date_sortie": pd.Timestamp(end) if end else pd.NaT,
            "motif_sortie": draw(st.sampled_from(MOTIFS)) if end else None,
            "heures_travaillees": draw(st.one_of(st.none(), st.floats(0, 3000))),
            "sexe": draw(st.sampled_from(["F", "M", None])),
            "annee_naissance": float(draw(st.integers(1950, 2005))),
        })
        if draw(st.booleans()):  # monthly hours for this parcours
            last = end or dt.date(2025, 12, 31)
            for m in pd.period_range(start, last, freq="M")[: draw(st.integers(1, 30))]:
                hours.append({"id_parcours": f"c{i}", "annee": m.year, "mois": m.month,
                              "heures": draw(st.floats(0, 200))})
    p = pd.DataFrame(rows)
    p["date_sortie"] = pd.to_datetime(p["date_sortie"])
    p["heures_travaillees"] = p["heures_travaillees"].astype(float)
    h = pd.DataFrame(hours, columns=["id_parcours", "annee", "mois", "heures"]) if hours else None
    if h is not None:
        h = h.drop_duplicates(["id_parcours", "annee", "mois"])
    return Dataset(parcours=p, heures=h)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(datasets())
def test_rates_are_proportions_and_categories_add_up(ds):
    t = compute_indicators(ds, by=["site"])
    for rate in ("taux_emploi_durable", "taux_sorties_dynamiques"):
        values = t[rate].dropna()
        assert ((values >= 0) & (values <= 1)).all()
        ok = t[rate].notna()
        assert (t.loc[ok, f"{rate}_ic_bas"] <= t.loc[ok, rate] + 1e-12).all()
        assert (t.loc[ok, f"{rate}_ic_haut"] >= t.loc[ok, rate] - 1e-12).all()
    cats = t[["emploi_durable", "emploi_transition", "sorties_positives", "autres_sorties"]].sum(axis=1)
    assert (cats == t["sorties_examinees"]).all()
    assert (t["sorties"] == t["sorties_examinees"] + t["retraits"] + t["sorties_hors_seuil"]).all()
    assert (t["sorties_dynamiques"] <= t["sorties_examinees"]).all()
    assert t["taux_sorties_dynamiques"].isna().eq(t["sorties_examinees"] == 0).all()


@SETTINGS
@given(datasets())
def test_group_totals_add_up_and_persons_are_not_double_counted(ds):
    whole = compute_indicators(ds).set_index("annee")
    by_site = compute_indicators(ds, by=["site"]).groupby("annee")
    for col in ("entrees", "sorties", "sorties_examinees", "sorties_dynamiques", "emploi_durable"):
        assert (by_site[col].sum().reindex(whole.index, fill_value=0) == whole[col]).all(), col
    for col in ("heures", "etp"):
        assert np.allclose(by_site[col].sum().reindex(whole.index, fill_value=0), whole[col])
    # a person in two sites counts once overall, once in each site
    assert (by_site["personnes"].sum().reindex(whole.index, fill_value=0) >= whole["personnes"]).all()
    assert (whole["personnes"] <= ds.parcours["id_personne"].nunique()).all()


@SETTINGS
@given(datasets())
def test_hours_are_conserved(ds):
    """Every hour of the input lands in exactly one year."""
    t = compute_indicators(ds)
    p = ds.parcours
    monthly_ids = set(ds.heures["id_parcours"]) if ds.heures is not None else set()
    expected = p.loc[~p["id_parcours"].isin(monthly_ids), "heures_travaillees"].fillna(0).sum()
    if ds.heures is not None:
        expected += ds.heures["heures"].sum()
    assert np.isclose(t["heures"].sum(), expected, rtol=1e-9, atol=1e-6)
