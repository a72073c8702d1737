"""Who the people are: the profile flags every analysis uses, defined once.

- age bands: under 26 and 50 or over (the bands of the ASP bilan and of DARES publications),
  age being the year considered minus the birth year;
- long-term unemployment: registered with France Travail for 12 months or more;
- education groups (``niveaux_formation.csv``, column ``groupe``): ``infra_cap`` (codes 00, 01, 60,
  70), ``cap_bep`` (50, 51), ``bac_ou_plus`` (10 to 41); « infra bac » = the first two;
- yes/no traits: RSA, QPV, ZRR, RQTH.

:func:`profile_flags` turns the profile columns of ``parcours`` or ``candidats`` into 1.0 / 0.0 flags
(NaN when unknown); the indicator shares (``part_*``), the covariates of the comparison models and
those of the impact estimators are all columns of it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .tables import load_education_levels

AGE_YOUNG_BELOW = 26
AGE_SENIOR_FROM = 50
LONG_TERM_UNEMPLOYED = ("12 à 23 mois", "24 mois et plus")
EDUCATION_GROUPS = ("infra_cap", "cap_bep", "bac_ou_plus")
INFRA_BAC_GROUPS = ("infra_cap", "cap_bep")

#: Covariates of the comparison models (one row per examined exit): ``age`` enters as its two bands.
PROFILE_COVARIATES = ("age", "femme", "rsa", "chomage_longue_duree", "niveau_infra_bac", "qpv", "rqth")
#: Covariates of the impact estimators: age and its square, education in three groups (reference: CAP-BEP).
IMPACT_COVARIATES = ("age", "age2", "femme", "rsa", "chomage_longue_duree", "niveau_infra_cap",
                     "niveau_bac_ou_plus", "qpv", "rqth")
#: Indicator share -> flag of :func:`profile_flags` (``part_moins_26_ans`` and ``part_50_ans_et_plus``: age bands).
SHARE_FLAGS = {"part_femmes": "femme", "part_rsa": "rsa", "part_de_longue_duree": "chomage_longue_duree",
               "part_niveau_infra_bac": "niveau_infra_bac", "part_qpv": "qpv", "part_zrr": "zrr", "part_rqth": "rqth"}
AGE_SHARES = ("part_moins_26_ans", "part_50_ans_et_plus")
#: Indicator shares in display order.
PROFILE_SHARES = ("part_femmes", "part_moins_26_ans", "part_50_ans_et_plus", "part_rsa", "part_de_longue_duree",
                  "part_niveau_infra_bac", "part_qpv", "part_zrr", "part_rqth")


@lru_cache(maxsize=1)
def education_groups() -> pd.Series:
    """Series ASP education code -> group (``infra_cap``, ``cap_bep``, ``bac_ou_plus``)."""
    levels = load_education_levels()
    unknown = sorted(set(levels["groupe"]) - set(EDUCATION_GROUPS))
    if unknown:
        raise ValueError(f"niveaux_formation.csv : groupe inconnu {', '.join(unknown)} "
                         f"(attendus : {', '.join(EDUCATION_GROUPS)})")
    return pd.Series(levels["groupe"].to_numpy(), index=levels["code"].to_numpy())


def education_codes(*groups: str) -> tuple[str, ...]:
    """ASP education codes of ``groups``."""
    g = education_groups()
    return tuple(g.index[g.isin(groups)])


def age_bands(age) -> tuple[np.ndarray, np.ndarray]:
    """(under 26, 50 or over) as 1.0 / 0.0 arrays, NaN where the age is unknown."""
    age = np.asarray(age, dtype=float)
    unknown = np.isnan(age)
    young = np.where(unknown, np.nan, (age < AGE_YOUNG_BELOW).astype(float))
    senior = np.where(unknown, np.nan, (age >= AGE_SENIOR_FROM).astype(float))
    return young, senior


def _flag(frame: pd.DataFrame, column: str, test) -> np.ndarray:
    """``test(values)`` as 1.0 / 0.0 where ``column`` is known, NaN elsewhere (and when the column is absent)."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    values = frame[column]
    known = values.notna().to_numpy()
    flags = np.asarray(test(values.astype(object).where(known, None)), dtype=bool)
    return np.where(known, flags.astype(float), np.nan)


def _in(values: pd.Series, allowed) -> np.ndarray:
    """Membership tested once per distinct value (national files: a million rows, a dozen values)."""
    codes, uniques = pd.factorize(values)
    inside = np.append(pd.Index(uniques).isin(list(allowed)), False)
    return inside[codes]


def profile_flags(frame: pd.DataFrame) -> pd.DataFrame:
    """The profile of each row of ``frame`` (a ``parcours`` or ``candidats`` sheet) as float64 flags.

    Columns ``femme``, ``rsa``, ``chomage_longue_duree``, ``niveau_infra_bac``, ``niveau_infra_cap``,
    ``niveau_bac_ou_plus``, ``qpv``, ``zrr``, ``rqth``: 1.0 / 0.0, NaN when the value is unknown (or the
    column absent). Ages depend on the year considered: see :func:`age_bands`.
    """
    groups = education_groups()
    infra_bac = education_codes(*INFRA_BAC_GROUPS)
    known_level = frame["niveau_formation"].isin(groups.index) if "niveau_formation" in frame.columns else None

    def level(codes: tuple[str, ...]) -> np.ndarray:
        flags = _flag(frame, "niveau_formation", lambda s: _in(s, codes))
        return flags if known_level is None else np.where(known_level.to_numpy(), flags, np.nan)

    return pd.DataFrame({
        "femme": _flag(frame, "sexe", lambda s: s.eq("F").to_numpy()),
        "rsa": _flag(frame, "beneficiaire_rsa", lambda s: s.eq(True).to_numpy()),
        "chomage_longue_duree": _flag(frame, "duree_inscription_ft", lambda s: _in(s, LONG_TERM_UNEMPLOYED)),
        "niveau_infra_bac": level(infra_bac),
        "niveau_infra_cap": level(education_codes("infra_cap")),
        "niveau_bac_ou_plus": level(education_codes("bac_ou_plus")),
        "qpv": _flag(frame, "residant_qpv", lambda s: s.eq(True).to_numpy()),
        "zrr": _flag(frame, "residant_zrr", lambda s: s.eq(True).to_numpy()),
        "rqth": _flag(frame, "rqth", lambda s: s.eq(True).to_numpy()),
    }, index=frame.index)
