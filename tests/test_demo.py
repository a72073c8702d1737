"""The fictional demonstration dataset: determinism, committed files, reader, published targets.

The AMIE 2024 targets and the planted effect are recomputed here with plain pandas from the
raw frames and the reference CSV, independently of the generator's own summary code.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from iae_impact.base import paths
from iae_impact.data import demo
from iae_impact.ingest import SHEETS, read_dataset

KEY_40 = "demo-test-key-0123456789abcdefghijklmnop"
AMIE = "AMIE (fictif)"
AMI = "A.M.I. Aude (fictif)"
DYNAMIC = {"Emploi durable", "Emploi de transition", "Sorties positives"}
RETRAIT = "Retrait des sorties constatées"
LAST_DAY = pd.Timestamp("2025-12-31")

# Published targets (the seed text: « plus de 14 000 heures … 50 personnes … près de 70 % »).
TARGET_PERSONS = 50
TARGET_MIN_HOURS = 14_000
TARGET_RATE = 0.70


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return demo.generate_demo()


@pytest.fixture(scope="module")
def motive_category() -> dict[str, str]:
    """Every accepted spelling of a motive (label, older label, code, ASP code) -> category."""
    ref = pd.read_csv(paths.REFERENCE_DIR / "motifs_sortie.csv", dtype=str, keep_default_na=False)
    mapping = {}
    for r in ref.itertuples(index=False):
        spellings = [r.libelle, r.code, r.code_asp, *r.libelles_alternatifs.split(" | ")]
        mapping.update({s.strip(): r.categorie for s in spellings if s.strip()})
    return mapping


def ai_2024(frames: dict[str, pd.DataFrame], motive_category: dict[str, str]) -> dict:
    p, h = frames["parcours"], frames["heures"]
    ai = p[p["structure"].eq(AMIE) & p["dispositif"].eq("AI")]
    h_ai = h[h["id_parcours"].isin(ai["id_parcours"])]
    in_year = h_ai[(h_ai["annee"] == 2024) & (h_ai["heures"] > 0)]
    persons = ai.loc[ai["id_parcours"].isin(in_year["id_parcours"]), "id_personne"].nunique()
    total_by_parcours = h_ai.groupby("id_parcours")["heures"].sum()
    exits = ai[ai["date_sortie"].dt.year == 2024].copy()
    exits["categorie"] = exits["motif_sortie"].map(motive_category)
    exits["total"] = exits["id_parcours"].map(total_by_parcours).fillna(0.0)
    examined = exits[(exits["total"] >= 150) & exits["categorie"].ne(RETRAIT)]
    dynamic = examined["categorie"].isin(DYNAMIC).sum()
    return {"persons": persons, "hours": in_year["heures"].sum(), "exits": exits, "examined": len(examined),
            "dynamic": int(dynamic)}


# --------------------------------------------------------------------------- determinism and files


def test_same_seed_same_frames_other_seed_other_frames(frames):
    again = demo.generate_demo(demo.DEFAULT_SEED)
    assert list(again) == ["parcours", "heures", "conventions", "sites", "candidats"]
    for sheet, df in frames.items():
        pd.testing.assert_frame_equal(df, again[sheet])
    other = demo.generate_demo(demo.DEFAULT_SEED + 1)
    assert not other["parcours"].equals(frames["parcours"])


def test_committed_files_are_exactly_what_the_generator_writes(tmp_path):
    written = demo.write_demo(tmp_path / "fictif")
    committed_dir = paths.DEMO_DIR
    expected = sorted(p.name for p in committed_dir.iterdir() if not p.name.startswith("."))
    assert sorted(p.name for p in written if p.parent == tmp_path / "fictif") == expected
    assert {p.name for p in written if p.parent == tmp_path} == {"README.md", "effet_plante.json"}
    for path in written:
        committed = committed_dir.parent / path.relative_to(tmp_path)
        assert path.read_bytes() == committed.read_bytes(), f"{committed} differs: run `iae-impact demo`"
    assert not [p for p in tmp_path.rglob(".*")], "temporary files left behind"


def test_files_are_written_like_french_exports():
    total = 0
    for sheet in SHEETS:
        path = paths.DEMO_DIR / f"{sheet}_FICTIF.csv"
        data = path.read_bytes()
        total += len(data)
        assert len(data) < 2_000_000
        assert data.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in data and data.endswith(b"\n")
        text = data.decode("utf-8-sig")
        header = text.split("\n", 1)[0]
        assert ";" in header and "," not in header
    assert total < 4_000_000
    parcours = (paths.DEMO_DIR / "parcours_FICTIF.csv").read_text(encoding="utf-8-sig")
    assert re.search(r";\d{2}/\d{2}/\d{4};", parcours) and not re.search(r"\d{4}-\d{2}-\d{2}", parcours)
    assert re.search(r";\d+,\d;", parcours)  # decimal comma for hours
    assert ";oui;" in parcours and ";non;" in parcours and "True" not in parcours
    heures = (paths.DEMO_DIR / "heures_FICTIF.csv").read_text(encoding="utf-8-sig").splitlines()
    assert all(re.fullmatch(r"FICTIF-P-\d{6};\d{4};\d{1,2};\d+,\d", line) for line in heures[1:])


def test_reader_accepts_the_demo_without_any_problem(monkeypatch, frames):
    monkeypatch.setenv("IAE_IMPACT_CLE", KEY_40)
    ds = read_dataset(paths.DEMO_DIR)
    assert ds.avertissements == []
    assert {b.feuille for b in ds.bilan} == set(SHEETS)
    for b in ds.bilan:
        assert b.lignes_rejetees == 0
        assert b.lignes_lues == len(frames[b.feuille])
    # Older wordings and codes are read as the current label.
    raw = frames["parcours"]["motif_sortie"]
    assert ds.parcours["motif_sortie"].nunique() < raw.nunique()
    assert ds.parcours["heures_travaillees"].sum() == pytest.approx(frames["parcours"]["heures_travaillees"].sum())


# --------------------------------------------------------------------------- content


def test_everything_is_labelled_fictional(frames):
    p, c = frames["parcours"], frames["candidats"]
    assert set(p["structure"]) == {AMI, AMIE}
    assert all("fictif" in s for s in [*p["structure"], *c["structure"], *frames["conventions"]["structure"]])
    assert p["id_personne"].str.fullmatch(r"FICTIF-\d{6}").all()
    assert p["id_parcours"].str.fullmatch(r"FICTIF-P-\d{6}").all() and p["id_parcours"].is_unique
    assert c["id_personne"].str.fullmatch(r"FICTIF-\d{6}").all()
    assert not set(c["id_personne"]) & set(p["id_personne"])  # candidates were not hired
    assert frames["heures"]["id_parcours"].isin(p["id_parcours"]).all()


def test_period_sites_and_actions(frames):
    p, h = frames["parcours"], frames["heures"]
    assert p["date_entree"].max() <= LAST_DAY and p["date_sortie"].max() <= LAST_DAY
    assert (p["date_sortie"].isna() | (p["date_sortie"] >= pd.Timestamp("2015-01-01"))).all()
    assert p["date_sortie"].isna().any() and (p["motif_sortie"].isna() == p["date_sortie"].isna()).all()
    assert (h["annee"] * 100 + h["mois"]).max() <= 202512
    assert set(p.loc[p["structure"] == AMI, "site"]) == {
        "Carcassonne-Berriac", "Lézignan-Corbières", "Narbonne", "Bram", "Montréal", "Limoux"}
    aci = p[p["dispositif"] == "ACI"]
    first = aci.groupby(["action", "site"])["date_entree"].min()
    assert first[("Atelier de rénovation de meubles", "Narbonne")].year == 2014
    assert first[("Débroussaillage", "Lézignan-Corbières")].year == 2015
    assert first[("Chantier tremplin", "Carcassonne-Berriac")].year == 2020
    open_2015 = aci[(aci["date_entree"] < "2015-01-01") & (aci["date_sortie"].isna() | (aci["date_sortie"] >= "2015-01-01"))]
    assert len(open_2015) > 0 and (open_2015["date_entree"].dt.year == 2014).all()
    acc = p[p["dispositif"] == "ACCOMPAGNEMENT"]
    assert set(acc["site"]) == set(p.loc[p["structure"] == AMI, "site"])
    assert acc["heures_travaillees"].isna().all() and not h["id_parcours"].isin(acc["id_parcours"]).any()
    assert acc["motif_sortie"].notna().any()
    # Some accompanied people are later hired by an ACI team.
    assert len(set(acc["id_personne"]) & set(aci["id_personne"])) > 10
    assert set(frames["sites"]["code_commune"]) == {"11069", "11203", "11262", "11049", "11254", "11206", "31555"}
    assert frames["sites"]["circonscription"].isna().all()
    assert set(frames["conventions"]["site"]) == set(aci["site"]) and set(frames["conventions"]["dispositif"]) == {"ACI"}


def test_hours_stay_inside_parcours_and_add_up(frames):
    p, h = frames["parcours"], frames["heures"]
    assert (h["heures"] > 0).all() and not h.duplicated(["id_parcours", "annee", "mois"]).any()
    j = h.merge(p[["id_parcours", "date_entree", "date_sortie"]], on="id_parcours")
    month_start = pd.to_datetime(dict(year=j["annee"], month=j["mois"], day=1))
    assert (month_start + pd.offsets.MonthEnd(0) >= j["date_entree"]).all()
    assert (j["date_sortie"].isna() | (month_start <= j["date_sortie"])).all()
    totals = h.groupby("id_parcours")["heures"].sum().round(1)
    salaried = p[p["dispositif"].isin(["ACI", "AI"])].set_index("id_parcours")["heures_travaillees"]
    pd.testing.assert_series_equal(totals.reindex(salaried.index), salaried, check_names=False, atol=0.05)
    monthly = j.merge(p[["id_parcours", "dispositif"]], on="id_parcours").groupby("dispositif")["heures"]
    assert monthly.max()["AI"] <= 70 and monthly.min()["AI"] >= 5
    assert monthly.max()["ACI"] <= 115


def test_no_overlapping_parcours_of_a_person_in_the_same_structure_and_dispositif(frames):
    p = frames["parcours"].sort_values("date_entree")
    previous_end = p.groupby(["id_personne", "structure", "dispositif"])["date_sortie"].shift()
    has_previous = p.groupby(["id_personne", "structure", "dispositif"]).cumcount() > 0
    assert not (has_previous & (previous_end.isna() | (p["date_entree"] <= previous_end))).any()


def test_profiles_follow_the_national_orders_of_magnitude(frames, motive_category):
    p = frames["parcours"]
    aci, ai = p[p["dispositif"] == "ACI"], p[p["dispositif"] == "AI"]
    salaried = pd.concat([aci, ai])
    age = salaried["date_entree"].dt.year - salaried["annee_naissance"]
    assert 0.55 <= aci["sexe"].eq("M").mean() <= 0.70
    assert 0.50 <= ai["sexe"].eq("F").mean() <= 0.66
    assert 0.18 <= (age < 26).mean() <= 0.32
    assert 0.28 <= salaried["beneficiaire_rsa"].astype(bool).mean() <= 0.40
    assert 0.40 <= salaried["duree_inscription_ft"].isin(["12 à 23 mois", "24 mois et plus"]).mean() <= 0.60
    assert salaried["niveau_formation"].isin(["50", "51", "60", "70", "00"]).mean() >= 0.7
    exits = aci[aci["date_sortie"].notna()]
    shares = exits["motif_sortie"].map(motive_category).value_counts(normalize=True)
    assert 0.10 <= shares["Emploi durable"] <= 0.20 and 0.13 <= shares["Emploi de transition"] <= 0.22
    assert 0.08 <= shares["Sorties positives"] <= 0.17 and 0.02 <= shares[RETRAIT] <= 0.09
    three_months = exits["date_sortie"] + pd.Timedelta(days=1) >= exits["date_entree"] + pd.DateOffset(months=3)
    assert (~three_months).sum() > 5  # some exits before 3 months (not examined)
    assert p["motif_sortie"].dropna().map(motive_category).notna().all()
    labels = set(pd.read_csv(paths.REFERENCE_DIR / "motifs_sortie.csv", dtype=str)["libelle"])
    assert 0 < (~p["motif_sortie"].dropna().isin(labels)).sum() <= 0.06 * p["motif_sortie"].notna().sum()


# --------------------------------------------------------------------------- published targets


def test_amie_2024_targets_computed_independently(frames, motive_category):
    r = ai_2024(frames, motive_category)
    assert r["persons"] == TARGET_PERSONS
    assert TARGET_MIN_HOURS <= r["hours"] <= 14_400
    assert r["dynamic"] / r["examined"] == pytest.approx(TARGET_RATE)
    exits = r["exits"]
    # The rules matter: exits under 150 h with motives that would otherwise count, and a retrait.
    under = exits[exits["total"] < 150]
    assert len(under) >= 2 and under["categorie"].isin(DYNAMIC).any()
    assert (exits["categorie"].eq(RETRAIT) & (exits["total"] >= 150)).sum() == 1
    naive = exits["categorie"].isin(DYNAMIC).sum() / len(exits)
    assert naive != pytest.approx(TARGET_RATE)


def test_amie_2024_targets_through_compute_indicators(monkeypatch):
    from iae_impact.indicators import compute_indicators

    monkeypatch.setenv("IAE_IMPACT_CLE", KEY_40)
    table = compute_indicators(read_dataset(paths.DEMO_DIR), by=["structure"])
    row = table[(table["annee"] == 2024) & (table["structure"] == AMIE)]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["personnes"] == TARGET_PERSONS
    assert row["heures"] >= TARGET_MIN_HOURS
    assert row["taux_sorties_dynamiques"] == pytest.approx(TARGET_RATE)
    assert row["sorties_dynamiques"] / row["sorties_examinees"] == pytest.approx(TARGET_RATE)


def test_planted_effect_matches_a_recomputation(frames):
    effect = json.loads((paths.DEMO_DIR.parent / "effet_plante.json").read_text(encoding="utf-8"))
    p, c = frames["parcours"], frames["candidats"]
    treated = p[p["en_emploi_6_mois"].notna()]
    # Follow-up only for salaried exits of 2017-2024.
    assert treated["dispositif"].isin(["ACI", "AI"]).all()
    assert treated["date_sortie"].dt.year.between(2017, 2024).all()
    salaried_exits = p[p["dispositif"].isin(["ACI", "AI"]) & p["date_sortie"].dt.year.between(2017, 2024)]
    assert len(treated) == len(salaried_exits)
    assert c["en_emploi_6_mois"].notna().all()
    assert c["date_orientation"].dt.year.between(2017, 2024).all() and set(c["dispositif"]) == {"ACI", "AI"}

    def linear(df: pd.DataFrame, date_column: str) -> np.ndarray:
        b = effect["coefficients"]
        age = df[date_column].dt.year - df["annee_naissance"]
        x = {
            "age_moins_26": age < 26, "age_50_ans_et_plus": age >= 50, "femme": df["sexe"] == "F",
            "beneficiaire_rsa": df["beneficiaire_rsa"] == True,  # noqa: E712 (nullable boolean)
            "chomage_longue_duree": df["duree_inscription_ft"].isin(["12 à 23 mois", "24 mois et plus"]),
            "niveau_infra_cap": df["niveau_formation"].isin(["00", "01", "60", "70"]),
            "niveau_bac_ou_plus": df["niveau_formation"].isin(["10", "20", "30", "40", "41"]),
            "residant_qpv": df["residant_qpv"] == True,  # noqa: E712
            "rqth": df["rqth"] == True,  # noqa: E712
        }
        assert set(x) | {"constante"} == set(b)
        return b["constante"] + sum(b[k] * v.astype(float).to_numpy() for k, v in x.items())

    lin = linear(treated, "date_entree")
    expit = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    att = np.mean(expit(lin + effect["tau"]) - expit(lin))
    rate_t = treated["en_emploi_6_mois"].astype(bool).mean()
    rate_c = c["en_emploi_6_mois"].astype(bool).mean()
    assert effect["n_traites"] == len(treated) >= 400
    assert effect["n_temoins"] == len(c)
    assert effect["att"] == pytest.approx(att, abs=1e-6)
    assert effect["ecart_naif"] == pytest.approx(rate_t - rate_c, abs=1e-6)
    assert 0.10 <= effect["att"] <= 0.15
    assert abs(effect["att"] - effect["ecart_naif"]) >= 0.05  # selection makes the naive gap misleading
    # Selection on observables: the hired are more often RSA and long-term unemployed.
    assert treated["beneficiaire_rsa"].astype(bool).mean() > c["beneficiaire_rsa"].astype(bool).mean() + 0.1
    # The generator's own numbers, as published in the README.
    readme = (paths.DEMO_DIR.parent / "README.md").read_text(encoding="utf-8")
    assert "fictives" in readme and "iae-impact demo" in readme and "make demo" in readme
    assert f"{100 * effect['att']:.1f}".replace(".", ",") in readme


def test_the_construction_of_2024_does_not_depend_on_the_seed(motive_category):
    r = ai_2024(demo.generate_demo(7), motive_category)
    assert (r["persons"], r["examined"], r["dynamic"]) == (TARGET_PERSONS, 20, 14)
    assert r["hours"] >= TARGET_MIN_HOURS
