"""Small-cell suppression of indicator tables: hand cases and invariants (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iae_impact.analysis.disclosure import NUMERATORS, RELATIONS, apply_disclosure
from iae_impact.analysis.intervals import wilson_interval
from iae_impact.indicators import COUNT_COLUMNS, PROFILE_SHARES, RATE_COLUMNS, indicator_columns
from iae_impact.report.text_disclosure import suppression_reasons
from iae_impact.rules.secrecy import DEFAULT_THRESHOLD, is_small

PARTS = ["emploi_durable", "emploi_transition", "sorties_positives", "autres_sorties", "retraits",
         "sorties_hors_seuil"]  # fmt: skip
LARGE = dict(personnes=100, entrees=40, emploi_durable=20, emploi_transition=25, sorties_positives=15,
             autres_sorties=30, retraits=8, sorties_hors_seuil=6)  # fmt: skip
RELATION_CELLS = ["sorties", "sorties_examinees", "retraits", "sorties_hors_seuil", "sorties_dynamiques",
                  "autres_sorties", "emploi_durable", "emploi_transition", "sorties_positives"]  # fmt: skip


def rate_cells(rate: str) -> list[str]:
    return [rate, f"{rate}_ic_bas", f"{rate}_ic_haut"]


def make_table(rows: list[dict], by: dict[str, list] | None = None) -> pd.DataFrame:
    """Consistent compute_indicators-like rows: parts are given, totals, rates and shares derived."""
    records = []
    for i, given_row in enumerate(rows):
        r = {"annee": 2020 + i, "heures": 12_000.0, "etp": 7.6, "duree_moyenne_parcours_mois": 9.5, **given_row}
        r["sorties_dynamiques"] = r["emploi_durable"] + r["emploi_transition"] + r["sorties_positives"]
        r["sorties_examinees"] = r["sorties_dynamiques"] + r["autres_sorties"]
        r["sorties"] = r["sorties_examinees"] + r["retraits"] + r["sorties_hors_seuil"]
        if r["sorties"] == 0:
            r["duree_moyenne_parcours_mois"] = np.nan
        for rate, num in NUMERATORS.items():
            k, n = r[num], r["sorties_examinees"]
            low, high = wilson_interval(k, n)
            r[rate], r[f"{rate}_ic_bas"], r[f"{rate}_ic_haut"] = (k / n if n else np.nan), float(low), float(high)
        shares = r.pop("parts", {})
        for share in PROFILE_SHARES:
            k, n = shares.get(share, (r["personnes"] // 2, r["personnes"]))
            r[share], r[f"{share}_n"] = (k / n if n else np.nan), n
        records.append(r)
    table = pd.DataFrame(records).assign(**(by or {}))[indicator_columns(list(by or {}))]
    ints = COUNT_COLUMNS + [f"{s}_n" for s in PROFILE_SHARES]
    return table.astype(dict.fromkeys(ints, "int64"))


def expected_mask(table: pd.DataFrame, masked: list[str]) -> pd.DataFrame:
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    mask[masked] = True
    return mask


def masked_columns(s) -> list[str]:
    return [c for c in s.masque.columns if s.masque[c].any()]


# --- hand cases ---------------------------------------------------------------


def test_is_small():
    assert is_small(1, 5) and is_small(4, 5)
    assert not is_small(0, 5) and not is_small(5, 5) and not is_small(float("nan"), 5)
    assert is_small(10, 11) and not is_small(11, 11)


def test_small_durable_masks_smallest_other_dynamic_part_and_rates():
    table = make_table([{**LARGE, "emploi_durable": 3}])  # transition 25, positives 15: positives is smallest
    s = apply_disclosure(table)
    masked = ["emploi_durable", "sorties_positives",
              *rate_cells("taux_emploi_durable"), *rate_cells("taux_sorties_positives")]  # fmt: skip
    pd.testing.assert_frame_equal(s.masque, expected_mask(table, masked))
    assert s.n_masques == 8
    assert s.table[masked].isna().all().all()
    assert suppression_reasons(s)[0].startswith("8 cellules masquées : effectifs inférieurs à 5 personnes, et cellules")


def test_small_autres_cascades_to_dynamic_exits_and_one_of_their_parts():
    # autres = 2 -> examined = dynamic + autres forces dynamic, then dynamic = durable + transition +
    # positives forces its smallest part (positives = 8); sorties = examined + ... is untouched.
    table = make_table([{**LARGE, "emploi_durable": 10, "emploi_transition": 15, "sorties_positives": 8,
                         "autres_sorties": 2}])  # fmt: skip
    s = apply_disclosure(table)
    masked = ["autres_sorties", "sorties_dynamiques", "sorties_positives",
              *rate_cells("taux_sorties_positives"), *rate_cells("taux_sorties_dynamiques")]  # fmt: skip
    pd.testing.assert_frame_equal(s.masque, expected_mask(table, masked))
    assert s.detail == {"lignes": 0, "primaire": 1, "secondaire": 2, "derivees": 6}


def test_small_examined_cascades_up_to_exits():
    # examined = 4 (durable 1, transition 2, positives 0, autres 1): all small ones masked; the
    # relation sorties = examined + retraits + hors_seuil then forces hors_seuil (6 < 20 retraits).
    table = make_table([{**LARGE, "emploi_durable": 1, "emploi_transition": 2, "sorties_positives": 0,
                         "autres_sorties": 1, "retraits": 20, "sorties_hors_seuil": 6}])  # fmt: skip
    s = apply_disclosure(table)
    masked = ["sorties_examinees", "emploi_durable", "emploi_transition", "autres_sorties", "sorties_dynamiques",
              "sorties_hors_seuil", *[c for r in RATE_COLUMNS for c in rate_cells(r)]]  # fmt: skip
    pd.testing.assert_frame_equal(s.masque, expected_mask(table, masked))
    assert s.table.loc[0, "sorties_positives"] == 0  # published: with two other masked parts it reveals nothing


def test_zero_part_is_the_complementary_cell():
    table = make_table([{**LARGE, "retraits": 1, "sorties_hors_seuil": 0}])
    s = apply_disclosure(table)
    pd.testing.assert_frame_equal(s.masque, expected_mask(table, ["retraits", "sorties_hors_seuil"]))


def test_row_with_fewer_persons_than_threshold_is_masked_except_keys():
    table = make_table([LARGE, {**LARGE, "personnes": 4}], by={"structure": ["A", "B"]})
    s = apply_disclosure(table, keys=("annee", "structure"))
    assert not s.masque.loc[0].any()
    assert s.masque.loc[1].drop(["annee", "structure"]).all()
    assert not s.masque.loc[1, ["annee", "structure"]].any()
    assert s.table.loc[1].drop(["annee", "structure"]).isna().all()
    assert s.table.loc[1, "structure"] == "B" and s.detail["lignes"] == 1
    assert any("1 ligne entièrement masquée" in r for r in suppression_reasons(s))


def test_zeros_are_published():
    table = make_table([{**LARGE, "emploi_transition": 0, "sorties_positives": 0, "retraits": 0,
                         "sorties_hors_seuil": 0, "parts": {"part_rqth": (0, 100)}}])  # fmt: skip
    s = apply_disclosure(table)
    assert s.n_masques == 0
    pd.testing.assert_frame_equal(s.table, table.astype(dict.fromkeys(COUNT_COLUMNS, "float64")))
    assert suppression_reasons(s) == ["Aucune cellule masquée : aucun effectif non nul n'est inférieur à 5 personnes."]


def test_higher_threshold_masks_more():
    table = make_table([{**LARGE, "emploi_durable": 7, "retraits": 9, "parts": {"part_qpv": (8, 100)}}])
    at5, at11 = apply_disclosure(table, seuil=5), apply_disclosure(table, seuil=11)
    assert at5.n_masques == 0
    assert at11.n_masques > at5.n_masques
    assert at11.masque.loc[0, ["emploi_durable", "retraits", "part_qpv"]].all()
    assert at11.seuil == 11 and DEFAULT_THRESHOLD == 5


@pytest.mark.parametrize(("k", "n", "masked"), [(48, 50, True), (2, 50, True), (25, 50, False), (0, 50, False),
                                               (50, 50, False), (2, 4, True)])  # fmt: skip
def test_profile_share(k, n, masked):
    table = make_table([{**LARGE, "parts": {"part_femmes": (k, n)}}])
    s = apply_disclosure(table)
    assert s.masque.loc[0, "part_femmes"] == masked
    assert not s.masque.loc[0, "part_femmes_n"]
    assert s.n_masques == int(masked)


def test_index_dtypes_and_shape_preserved():
    table = make_table([LARGE, {**LARGE, "emploi_durable": 3}]).set_axis([10, 20])
    s = apply_disclosure(table)
    assert s.table.shape == table.shape and list(s.table.columns) == list(table.columns)
    assert list(s.table.index) == [10, 20] and list(s.masque.index) == [10, 20]
    assert (s.table[COUNT_COLUMNS].dtypes == "float64").all()
    assert all(pd.api.types.is_bool_dtype(t) for t in s.masque.dtypes)
    assert s.table["part_femmes_n"].dtype == "int64"


def test_subset_of_columns():
    table = make_table([{**LARGE, "emploi_durable": 3}])
    s = apply_disclosure(table[["annee", "personnes", "sorties", "emploi_durable", "heures"]])
    assert masked_columns(s) == ["emploi_durable"]


def test_rate_without_its_numerator_column_is_still_checked():
    # taux_emploi_durable x sorties_examinees reveals 3 exits to durable employment.
    table = make_table([{**LARGE, "emploi_durable": 3}])
    key_figures = table[["annee", "personnes", "sorties_examinees", *rate_cells("taux_emploi_durable"),
                         "taux_emploi_transition"]]  # fmt: skip
    s = apply_disclosure(key_figures)
    assert masked_columns(s) == rate_cells("taux_emploi_durable")
    no_denominator = apply_disclosure(table[["annee", "taux_sorties_dynamiques"]])
    assert masked_columns(no_denominator) == ["taux_sorties_dynamiques"]  # base unknown: cannot be checked


def test_text_column_must_be_a_key():
    table = make_table([LARGE], by={"site": ["Bram"]})
    with pytest.raises(ValueError, match="site"):
        apply_disclosure(table)
    with pytest.raises(ValueError, match="Seuil"):
        apply_disclosure(table, seuil=0, keys=("annee", "site"))


def test_nan_cells_stay_unmasked_unless_a_rule_masks_them():
    table = make_table([{**LARGE, "emploi_durable": 0, "emploi_transition": 0, "sorties_positives": 0,
                         "autres_sorties": 0}])  # fmt: skip
    s = apply_disclosure(table)
    assert table[rate_cells("taux_emploi_durable")].isna().all().all()
    assert s.n_masques == 0


# --- invariants on generated consistent rows ----------------------------------

small_or_large = st.one_of(st.integers(0, 12), st.integers(0, 200))


@st.composite
def tables(draw):
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row = {c: draw(small_or_large) for c in ["personnes", "entrees", *PARTS]}
        n = draw(small_or_large)
        row["parts"] = {"part_femmes": (draw(st.integers(0, n)), n)}
        rows.append(row)
    return make_table(rows)


def determined(hidden: list[str]) -> list[str]:
    """Masked cells that the three relations determine from the published cells (linear algebra)."""
    a = np.zeros((len(RELATIONS), len(hidden)))
    for i, (total, parts) in enumerate(RELATIONS):
        for j, cell in enumerate(hidden):
            a[i, j] = 1.0 if cell == total else -1.0 if cell in parts else 0.0
    rank = np.linalg.matrix_rank(a) if hidden else 0
    unit = np.eye(len(hidden))
    return [cell for j, cell in enumerate(hidden) if np.linalg.matrix_rank(np.vstack([a, unit[j]])) == rank]


@pytest.mark.slow  # 300 random tables
@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from([3, 5, 11]))
def test_invariants(table, seuil):
    s = apply_disclosure(table, seuil=seuil)
    m, out = s.masque, s.table
    assert m.shape == table.shape and not m[["annee"]].any().any()
    # (a) no published count is small
    for col in COUNT_COLUMNS:
        assert not (~m[col] & table[col].between(1, seuil - 1)).any(), col
    # (b) each relation has 0 or >= 2 masked cells, and (brute force) no masked count is recomputable
    for total, parts in RELATIONS:
        assert m[[total, *parts]].sum(axis=1).isin([0, *range(2, len(parts) + 2)]).all(), total
    for i in table.index:
        hidden = [c for c in RELATION_CELLS if m.loc[i, c]]
        assert determined(hidden) == [], (i, hidden)
    # (c) unmasked cells equal the input; (d) masked cells are NaN
    published = out.where(~m)
    pd.testing.assert_frame_equal(published, table.astype(out.dtypes.to_dict()).where(~m))
    assert out.where(m).isna().all().all()
    # (e) published rates have a published numerator and denominator
    for rate, num in NUMERATORS.items():
        for col in rate_cells(rate):
            assert not (~m[col] & (m[num] | m["sorties_examinees"])).any(), col
    # rows below the threshold are wholly masked; shares follow rule 5
    assert m.loc[table["personnes"] < seuil].drop(columns="annee").all().all()
    k, n = (table["part_femmes"] * table["part_femmes_n"]).round(), table["part_femmes_n"]
    fine = (n >= seuil) & ~k.between(1, seuil - 1) & ~(n - k).between(1, seuil - 1) & (table["personnes"] >= seuil)
    assert (m["part_femmes"] == ~fine).all()
    assert s.n_masques == int(m.to_numpy().sum()) and (s.n_masques == 0) == (len(suppression_reasons(s)) == 1)
