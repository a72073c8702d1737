"""Fictional demonstration dataset, generated from a fixed seed and committed in ``data/demo/``.

Two fictional structures, modelled on the two real ones the project was created from
(``seeds/`` beside DESIGN.md), with every person invented:

- ``A.M.I. Aude (fictif)``: three ACI teams (furniture workshop in Narbonne since 2013,
  brush clearing in Lézignan-Corbières since 2015, « chantier tremplin » in
  Carcassonne-Berriac since 2020) and a non-salaried RSA accompaniment programme on six
  sites; some accompanied people later enter an ACI team.
- ``AMIE (fictif)``: an association intermédiaire in Toulouse whose 2024 figures are built
  to match the published ones: 50 persons with hours, ≥ 14 000 hours, 70 % sorties
  dynamiques (14 / 20 sorties examinées), with exits that the rules must exclude.

Plus a comparison group (``candidats``: people oriented but not hired) and a 6-month
employment outcome drawn from a logistic model with a known treatment effect, so the
impact notebooks can be checked against the truth (see ``effet_plante.json``).

Generation runs in steps (timelines and hours → identifiers → outcomes and exit motives →
candidates → conventions); each step draws from its own child stream of the seed, so
changing one step does not reshuffle the others. Files are written the way French users'
exports look (``;``, UTF-8 with BOM, dd/mm/yyyy, decimal comma, oui/non), byte for byte
identical for a given seed.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..base import paths
from ..base.outputs import write_atomic_bytes
from ..rules import tables
from ..rules.exits import CATEGORY_RETRAIT, canonical_motive, dynamic_categories, examination_rules, motive_categories
from ..rules.profile import AGE_SENIOR_FROM, AGE_YOUNG_BELOW, LONG_TERM_UNEMPLOYED, education_codes
from . import schema
from .model import DEMO_MARKER

DEFAULT_SEED = 20250307  # the day AMIE's figures were presented (seed text), as a number
PREFIX = "FICTIF"
FILE_SUFFIX = "_FICTIF.csv"
README_NAME = "README.md"
EFFECT_NAME = "effet_plante.json"

FIRST_DAY = dt.date(2015, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
FIRST_YEAR, LAST_YEAR = FIRST_DAY.year, LAST_DAY.year
#: Exits whose 6-month follow-up is known (observed by mid-2025).
FOLLOW_UP_YEARS = (2017, 2024)

STRUCTURE_AMI = "A.M.I. Aude (fictif)"
STRUCTURE_AMIE = "AMIE (fictif)"
ACCOMPANIMENT = "ACCOMPAGNEMENT"
ACCOMPANIMENT_ACTION = "Accompagnement socioprofessionnel RSA"
AI_ACTION = "Mise à disposition"

CATEGORIES = tuple(tables.load_exit_categories()["categorie"])  # display order: EXIT_MIX follows it
DYNAMIC_CATEGORIES = dynamic_categories()


# --------------------------------------------------------------------------- places


@dataclass(frozen=True)
class _Site:
    name: str
    structure: str
    commune: str
    code_commune: str
    departement: str
    p_qpv: float  # share of residents of a QPV among the people of this site
    p_zrr: float  # share of residents of a ZRR (rural sites)


SITES = (
    _Site("Carcassonne-Berriac", STRUCTURE_AMI, "Carcassonne", "11069", "11", 0.22, 0.0),
    _Site("Lézignan-Corbières", STRUCTURE_AMI, "Lézignan-Corbières", "11203", "11", 0.10, 0.15),
    _Site("Narbonne", STRUCTURE_AMI, "Narbonne", "11262", "11", 0.20, 0.0),
    _Site("Bram", STRUCTURE_AMI, "Bram", "11049", "11", 0.0, 0.85),
    _Site("Montréal", STRUCTURE_AMI, "Montréal", "11254", "11", 0.0, 0.90),
    _Site("Limoux", STRUCTURE_AMI, "Limoux", "11206", "11", 0.05, 0.80),
    _Site("Toulouse", STRUCTURE_AMIE, "Toulouse", "31555", "31", 0.20, 0.0),
)
SITE_BY_NAME = {s.name: s for s in SITES}


# --------------------------------------------------------------------------- who the people are


@dataclass(frozen=True)
class _ProfileMix:
    """Shares used to draw one person's profile (DOMAIN §2 national figures as anchors)."""

    femmes: float
    moins_26: float
    plus_50: float
    rsa: float  # among people aged 25+; RSA is rare before 25 (young parents only)
    duree_ft: tuple[float, ...]  # weights over schema.DUREES_FT
    niveaux: dict[str, float]
    rqth: float
    orienteurs: dict[str, float]


ORIENTEURS = ("France Travail", "Mission locale", "Conseil départemental", "SPIP", "Candidature spontanée")
NIVEAUX_INFRA_CAP = education_codes("infra_cap")
NIVEAUX_BAC_OU_PLUS = education_codes("bac_ou_plus")
YOUNG_RSA_FACTOR = 0.25
_LOW_EDUCATION = {"70": .25, "00": .15, "60": .10, "50": .20, "51": .15, "01": .03, "40": .06, "41": .04, "30": .02}
_CANDIDATE_EDUCATION = {"70": .15, "00": .09, "60": .08, "50": .20, "51": .21, "01": .02, "40": .13, "41": .08,
                        "30": .04}

# Selection on observables: the structures hire more RSA beneficiaries, long-term unemployed
# and low-qualified people than the pool they are oriented from (candidates), and those
# people have a lower baseline employment probability — so the naive gap understates the effect.
MIX_ACI = _ProfileMix(0.34, 0.30, 0.18, 0.22, (.10, .15, .20, .25, .30), _LOW_EDUCATION, 0.09,
                      {"France Travail": .50, "Mission locale": .12, "Conseil départemental": .18, "SPIP": .08,
                       "Candidature spontanée": .12})
MIX_AI = _ProfileMix(0.60, 0.24, 0.26, 0.30, (.12, .18, .22, .25, .23), _LOW_EDUCATION, 0.08,
                     {"France Travail": .45, "Mission locale": .10, "Conseil départemental": .15, "SPIP": .04,
                      "Candidature spontanée": .26})
MIX_ACCOMPAGNEMENT = _ProfileMix(0.55, 0.08, 0.25, 1.0, (.15, .10, .15, .25, .35), _LOW_EDUCATION, 0.10,
                                 {"France Travail": .08, "Mission locale": .02, "Conseil départemental": .85,
                                  "SPIP": .03, "Candidature spontanée": .02})
#: Accompanied people who move on to an ACI team: same public, but more often men (outdoor work).
MIX_PASSERELLE = replace(MIX_ACCOMPAGNEMENT, femmes=0.42)
MIX_CANDIDATS_ACI = _ProfileMix(0.40, 0.30, 0.15, 0.14, (.17, .26, .24, .17, .16), _CANDIDATE_EDUCATION, 0.06,
                                {"France Travail": .55, "Mission locale": .15, "Conseil départemental": .12,
                                 "SPIP": .06, "Candidature spontanée": .12})
MIX_CANDIDATS_AI = _ProfileMix(0.56, 0.27, 0.20, 0.14, (.19, .27, .25, .16, .13), _CANDIDATE_EDUCATION, 0.06,
                               {"France Travail": .50, "Mission locale": .12, "Conseil départemental": .10,
                                "SPIP": .03, "Candidature spontanée": .25})


# --------------------------------------------------------------------------- the planted effect

#: Logistic model of « en emploi 6 mois après » : expit(constante + Σ coef·X + TAU·T).
OUTCOME_COEFFICIENTS = {
    "constante": -0.10,
    "age_moins_26": 0.20,
    "age_50_ans_et_plus": -0.55,
    "femme": -0.10,
    "beneficiaire_rsa": -0.75,
    "chomage_longue_duree": -0.60,
    "niveau_infra_cap": -0.35,
    "niveau_bac_ou_plus": 0.35,
    "residant_qpv": -0.25,
    "rqth": -0.50,
}
TAU = 0.65
COVARIATE_DEFINITIONS = {
    "age_moins_26": f"âge < {AGE_YOUNG_BELOW} ans, âge = année de date_entree (parcours) ou de date_orientation "
                    "(candidats) − annee_naissance",
    "age_50_ans_et_plus": f"âge ≥ {AGE_SENIOR_FROM} ans (même définition de l'âge)",
    "femme": "sexe = F",
    "beneficiaire_rsa": "beneficiaire_rsa = oui",
    "chomage_longue_duree": "duree_inscription_ft = " + " ou ".join(f"« {d} »" for d in LONG_TERM_UNEMPLOYED),
    "niveau_infra_cap": (f"niveau_formation ∈ {{{', '.join(NIVEAUX_INFRA_CAP)}}} "
                         f"(référence : {', '.join(education_codes('cap_bep'))})"),
    "niveau_bac_ou_plus": f"niveau_formation ∈ {{{', '.join(NIVEAUX_BAC_OU_PLUS)}}}",
    "residant_qpv": "residant_qpv = oui",
    "rqth": "rqth = oui",
}


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _outcome_covariates(frame: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """The covariates X of the outcome model, computed from the written columns."""
    age = frame[date_column].dt.year - frame["annee_naissance"]
    return pd.DataFrame({
        "age_moins_26": age < AGE_YOUNG_BELOW,
        "age_50_ans_et_plus": age >= AGE_SENIOR_FROM,
        "femme": frame["sexe"].eq("F"),
        "beneficiaire_rsa": frame["beneficiaire_rsa"].eq(True),
        "chomage_longue_duree": frame["duree_inscription_ft"].isin(LONG_TERM_UNEMPLOYED),
        "niveau_infra_cap": frame["niveau_formation"].isin(NIVEAUX_INFRA_CAP),
        "niveau_bac_ou_plus": frame["niveau_formation"].isin(NIVEAUX_BAC_OU_PLUS),
        "residant_qpv": frame["residant_qpv"].eq(True),
        "rqth": frame["rqth"].eq(True),
    }, index=frame.index).astype(float)


def _linear_predictor(frame: pd.DataFrame, date_column: str) -> np.ndarray:
    x = _outcome_covariates(frame, date_column)
    coef = pd.Series({k: v for k, v in OUTCOME_COEFFICIENTS.items() if k != "constante"})
    return (OUTCOME_COEFFICIENTS["constante"] + x[coef.index].to_numpy() @ coef.to_numpy())


# --------------------------------------------------------------------------- exits

#: Category mix (order of CATEGORIES) given the 6-month outcome: people employed 6 months
#: later more often left to a job. Calibrated on the ACI shares asked (≈ 15 % durable, 17 %
#: transition, 12 % positives, ~5 % retraits) and a higher dynamic rate in AI (DGEFP 2021).
EXIT_MIX = {
    ("ACI", True): (.28, .27, .17, .27, .01),
    ("ACI", False): (.06, .11, .12, .675, .035),
    ("ACI", "court"): (.03, .08, .05, .64, .20),  # left within 3 months: often a failed trial period
    ("AI", True): (.35, .30, .15, .17, .03),
    ("AI", False): (.10, .25, .15, .45, .05),
    (ACCOMPANIMENT, None): (.08, .12, .18, .57, .05),
}
MOTIVES_BY_CATEGORY = {
    "Emploi durable": {"CDI_NON_AIDE": .35, "CDD_6_MOIS_ET_PLUS": .35, "CDI_AIDE": .10,
                       "CDI_STRUCTURE_OU_FILIALE": .06, "FONCTION_PUBLIQUE": .06, "CREATION_ENTREPRISE": .08},
    "Emploi de transition": {"CDD_MOINS_6_MOIS": .75, "CONTRAT_AIDE_DUREE_DETERMINEE": .25},
    "Sorties positives": {"FORMATION_QUALIFIANTE": .45, "CDD_AUTRE_SIAE": .35, "AUTRE_SORTIE_POSITIVE": .20},
    "Autres sorties": {"AU_CHOMAGE": .50, "SANS_NOUVELLE": .20, "INACTIF": .20, "RUPTURE_FAUTE_GRAVE": .07,
                       "SORTIE_AUTOMATIQUE": .03},
}
RETRAIT_MOTIVES = {"CONGE_LONGUE_DUREE": .5, "TRANSFERT_EMPLOYEUR": .3, "DECISION_ADMIN_JUSTICE": .2}
TRIAL_PERIOD_MOTIVES = ("RUPTURE_ESSAI_EMPLOYEUR", "RUPTURE_ESSAI_SALARIE")
RETIREMENT_AGE = 60
#: ACCOMPAGNEMENT -> ACI: the accompaniment ends with a hire in an insertion structure.
BRIDGE_MOTIVE = "CDD_AUTRE_SIAE"
#: The reader must match more than the current label: older wordings and codes.
SHARE_OLD_WORDING = 0.02
SHARE_CODE = 0.01


# --------------------------------------------------------------------------- A.M.I. Aude


@dataclass(frozen=True)
class _AciTeam:
    action: str
    site: str
    postes: int  # posts filled in rotation: one person per post at a time
    first_entries: tuple[dt.date, dt.date]  # when the first team was hired
    feeder_sites: dict[str, float]  # accompaniment sites whose people may join the team


ACI_TEAMS = (
    _AciTeam("Atelier de rénovation de meubles", "Narbonne", 8, (dt.date(2014, 2, 1), dt.date(2014, 12, 15)),
             {"Narbonne": 1.0}),
    _AciTeam("Débroussaillage", "Lézignan-Corbières", 9, (dt.date(2015, 1, 15), dt.date(2015, 6, 30)),
             {"Lézignan-Corbières": 1.0}),
    _AciTeam("Chantier tremplin", "Carcassonne-Berriac", 8, (dt.date(2020, 3, 1), dt.date(2020, 10, 31)),
             {"Carcassonne-Berriac": .6, "Bram": .2, "Montréal": .2}),
)
ACI_SHORT_SHARE = 0.12  # parcours ended before 3 months (not examined)
ACI_WEEKLY_HOURS = (20, 22, 24, 26)  # CDDI of 20 to 26 h a week
ACI_WEEKLY_WEIGHTS = (.30, .25, .25, .20)
ACI_MAX_MONTHLY_HOURS = 115.0
ACI_GAP_DAYS = (7, 75)  # days a post stays empty between two people
#: Share of ACI hires coming straight from the accompaniment programme (from spring 2015).
ACI_SHARE_FROM_ACCOMPANIMENT = 0.25
ACI_BRIDGE_FROM = dt.date(2015, 4, 1)
#: Accompaniment entries per year and site (the programme predates 2015: simulated from 2014).
ACCOMPANIMENT_ENTRIES = {"Carcassonne-Berriac": 16, "Narbonne": 16, "Lézignan-Corbières": 13, "Bram": 8,
                         "Montréal": 7, "Limoux": 9}
ACCOMPANIMENT_SINCE = 2014
ACCOMPANIMENT_SHORT_SHARE = 0.10  # people who stop coming within 3 months
ACI_SOCLE_DISPOSITIF = "ACI"
#: Département co-financing of posts held by RSA beneficiaries: 88 % of the RSA (DOMAIN §8).
CD_SHARE_OF_RSA = 0.88


# --------------------------------------------------------------------------- AMIE (AI)

AI_INITIAL_STOCK = 20
AI_PERSONS_PER_YEAR = (45, 55)
AI_STOCK_AT_YEAR_END = (16, 23)
AI_SHARE_EXITS_FROM_STOCK = 0.6
AI_MONTHLY_HOURS = (5.0, 70.0)
AI_GAP_MONTH_SHARE = 0.08  # months without any mission inside a parcours
AI_LEVEL = (28.0, 66.0)  # usual monthly hours of a person (uniform)

#: 2024 is built, not found: the figures AMIE published (seed text).
TARGET_YEAR = 2024
AI_TARGET_PERSONS = 50
AI_TARGET_HOURS = 14_200.0
AI_TARGET_HOURS_RANGE = (14_000.0, 14_400.0)
AI_TARGET_EXAMINED = {"Emploi durable": 5, "Emploi de transition": 5, "Sorties positives": 4, "Autres sorties": 6}
AI_TARGET_LONG_FROM_STOCK = 13
AI_TARGET_LONG_FROM_NEW = 8
AI_TARGET_RETRAITS = 1  # among the long exits: ≥ 150 h, yet not examined
#: Exits under 150 h (not examined) with motives that would count if the rule were forgotten.
AI_TARGET_SHORT = ("Emploi de transition", "Autres sorties", "Autres sorties")
AI_EXAMINATION_HOURS = float(examination_rules().loc["AI", "seuil"])
AI_LONG_EXIT_MIN_HOURS = 170.0  # margin above the threshold for the constructed examined exits

# --------------------------------------------------------------------------- candidates

CANDIDATES = {STRUCTURE_AMI: ("ACI", 390, MIX_CANDIDATS_ACI), STRUCTURE_AMIE: ("AI", 310, MIX_CANDIDATS_AI)}
CANDIDATE_HOME_SITES = {"Narbonne": .38, "Lézignan-Corbières": .32, "Carcassonne-Berriac": .20, "Bram": .05,
                        "Montréal": .05}

STREAMS = ("aci", "passerelles", "accompagnement", "ai", "sorties", "candidats", "conventions", "libelles")
#: Decimals written per numeric column (one for hours, cents for money).
DECIMALS = {"heures": 1, "heures_travaillees": 1, "etp_conventionnes": 2, "aide_au_poste_eur": 2,
            "cofinancement_departement_eur": 2, "autres_financements_eur": 2}


# --------------------------------------------------------------------------- internal records


@dataclass
class _Person:
    key: int
    profile: dict


@dataclass
class _Parcours:
    key: int
    person: _Person
    structure: str
    site: str
    dispositif: str
    action: str
    entree: dt.date
    sortie: dt.date | None
    hours: dict[tuple[int, int], float] | None = None
    role: str = ""  # construction tag of the AI target year: "long", "court", "retrait"
    category: str | None = None  # exit category fixed by construction (else drawn)
    motive: str | None = None  # code of motifs_sortie.csv, fixed by construction (else drawn)
    level: float = 0.0  # usual monthly hours (AI)


def _uniform_date(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def _months(start: dt.date, end: dt.date):
    """Yield (year, month, share of the month inside [start, end], whole month?)."""
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        n_days = calendar.monthrange(y, m)[1]
        first, last = dt.date(y, m, 1), dt.date(y, m, n_days)
        lo, hi = max(first, start), min(last, end)
        yield y, m, ((hi - lo).days + 1) / n_days, lo == first and hi == last
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _choice(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


class _Builder:
    """Holds the random streams and the records while the dataset is being built."""

    def __init__(self, seed: int):
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        self.rng = {name: np.random.default_rng(s) for name, s in zip(STREAMS, children, strict=True)}
        self.persons: list[_Person] = []
        self.parcours: list[_Parcours] = []
        self.next_person_number = 1  # first free person number once the parcours are numbered

    # ---- people

    def person(self, rng: np.random.Generator, mix: _ProfileMix, site: str, year: int) -> _Person:
        profile = _draw_profile(rng, mix, SITE_BY_NAME[site], year)
        p = _Person(len(self.persons), profile)
        self.persons.append(p)
        return p

    def add(self, person: _Person, site: str, dispositif: str, action: str, entree: dt.date,
            sortie: dt.date | None) -> _Parcours:
        structure = SITE_BY_NAME[site].structure
        if sortie is not None and sortie > LAST_DAY:
            sortie = None  # still open at the end of the period
        p = _Parcours(len(self.parcours), person, structure, site, dispositif, action, entree, sortie)
        self.parcours.append(p)
        return p


def _draw_profile(rng: np.random.Generator, mix: _ProfileMix, site: _Site, year: int) -> dict:
    u = rng.random()
    if u < mix.moins_26:
        age = int(rng.integers(18, 26))
    elif u < mix.moins_26 + mix.plus_50:
        age = int(rng.integers(50, 63))
    else:
        age = int(rng.integers(26, 50))
    p_rsa = mix.rsa if (age >= 25 or mix.rsa >= 1) else mix.rsa * YOUNG_RSA_FACTOR
    rsa = bool(rng.random() < p_rsa)
    orienteurs = dict(mix.orienteurs)
    orienteurs["Mission locale"] *= 4.0 if age < 26 else 0.1  # Missions locales follow the under-26s
    if rsa:
        orienteurs["Conseil départemental"] *= 3.0
    return {
        "sexe": "F" if rng.random() < mix.femmes else "M",
        "annee_naissance": year - age,
        "niveau_formation": _choice(rng, mix.niveaux),
        "beneficiaire_rsa": rsa,
        "duree_inscription_ft": schema.DUREES_FT[int(rng.choice(len(mix.duree_ft), p=np.array(mix.duree_ft)))],
        "residant_qpv": bool(rng.random() < site.p_qpv),
        "residant_zrr": bool(rng.random() < site.p_zrr),
        "rqth": bool(rng.random() < mix.rqth),
        "orienteur": _choice(rng, orienteurs),
    }


# --------------------------------------------------------------------------- step 1a: ACI and accompaniment


def _aci_duration_days(rng: np.random.Generator) -> int:
    if rng.random() < ACI_SHORT_SHARE:
        return int(rng.integers(15, 86))  # left before 3 months
    months = min(24.0, 4.0 + rng.gamma(1.6, 3.6))  # mostly 4 to 24 months (CDDI renewed up to 24)
    return int(round(months * 30.44))


def _accompaniment_duration_days(rng: np.random.Generator) -> int:
    if rng.random() < ACCOMPANIMENT_SHORT_SHARE:
        return int(rng.integers(20, 86))
    return int(round(min(30.0, 3.0 + rng.gamma(2.0, 3.5)) * 30.44))


def _aci_hours(rng: np.random.Generator, entree: dt.date, end: dt.date) -> dict[tuple[int, int], float]:
    """Monthly hours of a CDDI of 20 to 26 h a week, with some absence, pro-rated at both ends."""
    weekly = ACI_WEEKLY_HOURS[int(rng.choice(len(ACI_WEEKLY_HOURS), p=np.array(ACI_WEEKLY_WEIGHTS)))]
    full_month = weekly * 52 / 12
    hours = {}
    for y, m, share, _whole in _months(entree, end):
        worked = min(full_month * (1 - rng.beta(1.2, 12.0)), ACI_MAX_MONTHLY_HOURS) * share
        hours[(y, m)] = max(1.0, round(worked, 1))
    return hours


def _build_aci(b: _Builder) -> None:
    """Each team is a set of posts filled one person after another (turnover, empty weeks)."""
    rng = b.rng["aci"]
    bridge_rng = b.rng["passerelles"]
    for team in ACI_TEAMS:
        for _post in range(team.postes):
            entree = _uniform_date(rng, *team.first_entries)
            while entree <= LAST_DAY:
                sortie = entree + dt.timedelta(days=_aci_duration_days(rng))
                if entree >= ACI_BRIDGE_FROM and rng.random() < ACI_SHARE_FROM_ACCOMPANIMENT:
                    person = _bridge_from_accompaniment(b, bridge_rng, team, entree)
                else:
                    person = b.person(rng, MIX_ACI, team.site, entree.year)
                p = b.add(person, team.site, "ACI", team.action, entree, sortie)
                p.hours = _aci_hours(rng, entree, min(sortie, LAST_DAY))
                entree = sortie + dt.timedelta(days=int(rng.integers(*ACI_GAP_DAYS)))


def _bridge_from_accompaniment(b: _Builder, rng: np.random.Generator, team: _AciTeam, aci_entry: dt.date) -> _Person:
    """A person accompanied (RSA) on a nearby site who is hired by the team right after."""
    site = _choice(rng, team.feeder_sites)
    sortie = aci_entry - dt.timedelta(days=int(rng.integers(5, 41)))
    entree = sortie - dt.timedelta(days=int(rng.integers(120, 541)))
    person = b.person(rng, MIX_PASSERELLE, site, entree.year)
    p = b.add(person, site, ACCOMPANIMENT, ACCOMPANIMENT_ACTION, entree, sortie)
    p.motive = BRIDGE_MOTIVE
    return person


def _build_accompaniment(b: _Builder) -> None:
    rng = b.rng["accompagnement"]
    for site, per_year in ACCOMPANIMENT_ENTRIES.items():
        for year in range(ACCOMPANIMENT_SINCE, LAST_YEAR + 1):
            n = int(rng.poisson(per_year))
            for entree in sorted(_uniform_date(rng, dt.date(year, 1, 2), dt.date(year, 12, 20)) for _ in range(n)):
                sortie = entree + dt.timedelta(days=_accompaniment_duration_days(rng))
                person = b.person(rng, MIX_ACCOMPAGNEMENT, site, entree.year)
                b.add(person, site, ACCOMPANIMENT, ACCOMPANIMENT_ACTION, entree, sortie)


# --------------------------------------------------------------------------- step 1b: AI


def _new_ai(b: _Builder, rng: np.random.Generator, entree: dt.date) -> _Parcours:
    person = b.person(rng, MIX_AI, "Toulouse", entree.year)
    return b.add(person, "Toulouse", "AI", AI_ACTION, entree, None)


def _seniority_weights(stock: list[_Parcours], year: int) -> np.ndarray:
    """The longer someone has been there, the likelier they leave this year."""
    w = np.array([(dt.date(year, 1, 1) - p.entree).days + 180 for p in stock], dtype=float)
    return w / w.sum()


def _ai_ordinary_year(b: _Builder, rng: np.random.Generator, year: int, stock: list[_Parcours]) -> list[_Parcours]:
    """Entries and exits such that 45-55 persons work in the year and ~20-27 remain at its end."""
    jan1, dec31 = dt.date(year, 1, 1), dt.date(year, 12, 31)
    n_persons = int(rng.integers(AI_PERSONS_PER_YEAR[0], AI_PERSONS_PER_YEAR[1] + 1))
    entries = sorted(_uniform_date(rng, dt.date(year, 1, 2), dt.date(year, 12, 15))
                     for _ in range(n_persons - len(stock)))
    entrants = [_new_ai(b, rng, d) for d in entries]
    n_exits = len(stock) + len(entrants) - int(rng.integers(AI_STOCK_AT_YEAR_END[0], AI_STOCK_AT_YEAR_END[1] + 1))
    eligible = [p for p in entrants if p.entree <= dt.date(year, 10, 31)]
    from_stock = min(len(stock), round(n_exits * AI_SHARE_EXITS_FROM_STOCK))
    from_new = min(n_exits - from_stock, len(eligible))
    from_stock = min(len(stock), n_exits - from_new)
    for i in rng.choice(len(stock), size=from_stock, replace=False, p=_seniority_weights(stock, year)):
        p = stock[int(i)]
        p.sortie = _uniform_date(rng, max(jan1, p.entree + dt.timedelta(days=30)), dec31)
    for i in rng.choice(len(eligible), size=from_new, replace=False):
        p = eligible[int(i)]
        p.sortie = _uniform_date(rng, p.entree + dt.timedelta(days=14), dec31)
    return [p for p in stock + entrants if p.sortie is None]


def _ai_target_year(b: _Builder, rng: np.random.Generator, stock: list[_Parcours]) -> list[_Parcours]:
    """2024 decided explicitly: who is there, who leaves, after how many hours, for which category."""
    year = TARGET_YEAR
    n_long = AI_TARGET_LONG_FROM_STOCK + AI_TARGET_LONG_FROM_NEW
    if n_long != sum(AI_TARGET_EXAMINED.values()) + AI_TARGET_RETRAITS:
        raise RuntimeError("AI target: long exits must be the examined exits plus the retraits")
    n_new = AI_TARGET_PERSONS - len(stock)
    n_early = AI_TARGET_LONG_FROM_NEW + len(AI_TARGET_SHORT) + 2
    if len(stock) < AI_TARGET_LONG_FROM_STOCK or n_new < n_early:
        raise RuntimeError(f"AI target year: stock of {len(stock)} does not allow the planned cohort")
    # Entrants of January-April can work 150 h and leave within the year; the others mostly stay.
    early = [_uniform_date(rng, dt.date(year, 1, 2), dt.date(year, 4, 30)) for _ in range(n_early)]
    late = [_uniform_date(rng, dt.date(year, 5, 1), dt.date(year, 12, 15)) for _ in range(n_new - n_early)]
    entrants = [_new_ai(b, rng, d) for d in sorted(early + late)]
    early_entrants = [p for p in entrants if p.entree <= dt.date(year, 4, 30)][:n_early]
    picked = rng.permutation(len(early_entrants))
    long_new = [early_entrants[int(i)] for i in picked[:AI_TARGET_LONG_FROM_NEW]]
    short = [early_entrants[int(i)] for i in picked[AI_TARGET_LONG_FROM_NEW:n_early - 2]]
    long_stock = [stock[int(i)] for i in rng.choice(len(stock), size=AI_TARGET_LONG_FROM_STOCK, replace=False,
                                                    p=_seniority_weights(stock, year))]
    for p in long_stock:
        p.sortie = _uniform_date(rng, max(dt.date(year, 1, 5), p.entree + dt.timedelta(days=150)),
                                 dt.date(year, 12, 20))
    for p in long_new:
        p.sortie = _uniform_date(rng, p.entree + dt.timedelta(days=150), dt.date(year, 12, 20))
    for p, category in zip(short, AI_TARGET_SHORT, strict=True):
        p.sortie = p.entree + dt.timedelta(days=int(rng.integers(20, 71)))
        p.role, p.category = "court", category
    leavers = long_stock + long_new
    categories = [c for c, n in AI_TARGET_EXAMINED.items() for _ in range(n)]
    categories += [CATEGORY_RETRAIT] * AI_TARGET_RETRAITS
    for p, i in zip(leavers, rng.permutation(len(categories)), strict=True):
        p.category = categories[int(i)]
        p.role = "retrait" if p.category == CATEGORY_RETRAIT else "long"
    return [p for p in stock + entrants if p.sortie is None]


def _ai_hours(rng: np.random.Generator, p: _Parcours) -> None:
    """Missions of varying length each month; interior months sometimes without any mission."""
    lo, hi = AI_MONTHLY_HOURS
    p.level = {"long": 38.0, "retrait": 38.0, "court": 15.0}.get(p.role, AI_LEVEL[0]) + rng.random() * (
        {"long": 22.0, "retrait": 22.0, "court": 20.0}.get(p.role, AI_LEVEL[1] - AI_LEVEL[0]))
    end = min(p.sortie or LAST_DAY, LAST_DAY)
    hours: dict[tuple[int, int], float] = {}
    for y, m, share, whole in _months(p.entree, end):
        gap = rng.random() < AI_GAP_MONTH_SHARE
        worked = float(np.clip(p.level * rng.gamma(8.0, 1 / 8.0) * share, lo, hi))
        if whole and gap and (y, m) != (end.year, end.month):
            continue
        hours[(y, m)] = round(worked, 1)
    for year in range(p.entree.year, end.year + 1):  # whoever is there in a year works in it
        if not any(k[0] == year for k in hours):
            month = p.entree.month if year == p.entree.year else 1
            hours[(year, month)] = round(float(np.clip(p.level, lo, hi)), 1)
    if p.role == "court":  # keep it under the 150 h examination threshold
        total = sum(hours.values())
        goal = 50.0 + rng.random() * 80.0
        if total > goal:
            hours = {k: round(max(lo, v * goal / total), 1) for k, v in hours.items()}
    p.hours = dict(sorted(hours.items()))


def _top_up(p: _Parcours, minimum: float) -> None:
    """Raise a parcours' months (capped at 70 h) until its total reaches ``minimum``."""
    for _ in range(20):
        total = sum(p.hours.values())
        if total >= minimum:
            return
        factor = minimum / total * 1.01
        p.hours = {k: round(min(AI_MONTHLY_HOURS[1], v * factor), 1) for k, v in p.hours.items()}
    raise RuntimeError(f"AI target year: cannot reach {minimum} h on a parcours of {len(p.hours)} months")


def _scale_target_year_hours(ai: list[_Parcours]) -> None:
    """Bring AMIE's 2024 hours to the published order (≥ 14 000).

    The constructed exits are settled first (long ones well above 150 h, short ones below);
    then only the 2024 months of the people who stay are scaled, within the 5-70 h range, so
    the scaling cannot move an exit across the examination threshold.
    """
    lo, hi = AI_MONTHLY_HOURS
    for p in ai:
        if p.role in ("long", "retrait"):
            _top_up(p, AI_LONG_EXIT_MIN_HOURS)
    fixed = sum(v for p in ai if p.role for k, v in p.hours.items() if k[0] == TARGET_YEAR)
    cells = [(p, k) for p in ai if not p.role for k in p.hours if k[0] == TARGET_YEAR]
    for _ in range(30):
        current = sum(p.hours[k] for p, k in cells)
        if abs(fixed + current - AI_TARGET_HOURS) < 5:
            break
        factor = (AI_TARGET_HOURS - fixed) / current
        for p, k in cells:
            p.hours[k] = round(float(np.clip(p.hours[k] * factor, lo, hi)), 1)


def _build_ai(b: _Builder) -> None:
    rng = b.rng["ai"]
    stock = [_new_ai(b, rng, _uniform_date(rng, dt.date(2014, 1, 2), dt.date(2014, 12, 15)))
             for _ in range(AI_INITIAL_STOCK)]  # AMIE works since 1993: people already there in 2015
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        if year == TARGET_YEAR:
            stock = _ai_target_year(b, rng, stock)
        else:
            stock = _ai_ordinary_year(b, rng, year, stock)
    ai = [p for p in b.parcours if p.dispositif == "AI"]
    for p in ai:
        _ai_hours(rng, p)
    _scale_target_year_hours(ai)
    _check_ai_target(ai)


def _check_ai_target(ai: list[_Parcours]) -> None:
    """The construction guarantees the published 2024 figures; fail loudly if it did not."""
    persons = {p.person.key for p in ai for k, v in p.hours.items() if k[0] == TARGET_YEAR and v > 0}
    hours = sum(v for p in ai for k, v in p.hours.items() if k[0] == TARGET_YEAR)
    errors = []
    if len(persons) != AI_TARGET_PERSONS:
        errors.append(f"{len(persons)} persons")
    if not AI_TARGET_HOURS_RANGE[0] <= hours <= AI_TARGET_HOURS_RANGE[1]:
        errors.append(f"{hours:.1f} hours")
    for p in ai:
        total = sum(p.hours.values())
        if p.role in ("long", "retrait") and total < AI_EXAMINATION_HOURS:
            errors.append(f"long exit with {total:.1f} h")
        if p.role == "court" and total >= AI_EXAMINATION_HOURS:
            errors.append(f"short exit with {total:.1f} h")
    if errors:
        raise RuntimeError("AI target year not met: " + "; ".join(errors))


# --------------------------------------------------------------------------- step 2: identifiers and frames


def _assign_ids(b: _Builder) -> list[tuple[_Parcours, str, str]]:
    """Drop what ended before 2015, sort by entry date, number persons by first appearance."""
    kept = [p for p in b.parcours if p.sortie is None or p.sortie >= FIRST_DAY]
    kept.sort(key=lambda p: (p.entree, p.structure, p.site, p.dispositif, p.key))
    person_ids: dict[int, str] = {}
    out = []
    for i, p in enumerate(kept, start=1):
        pid = person_ids.setdefault(p.person.key, f"{PREFIX}-{len(person_ids) + 1:06d}")
        out.append((p, pid, f"{PREFIX}-P-{i:06d}"))
    b.next_person_number = len(person_ids) + 1
    return out


def _parcours_frame(rows: list[tuple[_Parcours, str, str]]) -> pd.DataFrame:
    records = []
    for p, pid, cid in rows:
        records.append({
            "id_parcours": cid, "id_personne": pid, "structure": p.structure, "site": p.site,
            "dispositif": p.dispositif, "action": p.action, "date_entree": p.entree, "date_sortie": p.sortie,
            "motif_sortie": None,
            "heures_travaillees": round(sum(p.hours.values()), 1) if p.hours is not None else np.nan,
            **p.person.profile, "en_emploi_6_mois": None,
        })
    return _typed(pd.DataFrame.from_records(records), "parcours")


def _heures_frame(rows: list[tuple[_Parcours, str, str]]) -> pd.DataFrame:
    records = [(cid, y, m, h) for p, _pid, cid in rows if p.hours for (y, m), h in p.hours.items() if h > 0]
    return _typed(pd.DataFrame.from_records(records, columns=["id_parcours", "annee", "mois", "heures"]), "heures")


def _typed(df: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """Columns in schema order with the schema's dtypes (dates, nullable booleans, floats)."""
    out = {}
    for spec in schema.column_specs(sheet):
        if spec.name not in df and not spec.required:
            continue  # an optional column the demo does not fill is not written (a planned exit rate)
        s = df[spec.name] if spec.name in df else pd.Series([None] * len(df), index=df.index, dtype=object)
        if spec.kind == schema.DATE:
            s = pd.to_datetime(s).astype("datetime64[ns]")
        elif spec.kind == schema.BOOLEEN:
            s = s.astype("boolean")
        elif spec.kind == schema.DECIMAL:
            s = s.astype("float64")
        elif spec.kind == schema.ENTIER:
            s = s.astype("int64")
        else:
            s = s.astype(object).where(s.notna(), None)
        out[spec.name] = s
    return pd.DataFrame(out).reset_index(drop=True)


# --------------------------------------------------------------------------- step 3: outcomes and motives


def _motive_text(rng: np.random.Generator, code: str, motives: pd.DataFrame) -> str:
    """Mostly the current ASP label; now and then an older wording or a code, as in real exports."""
    row = motives.loc[code]
    alternatives = [a for a in row["libelles_alternatifs"].split(" | ") if a.strip()]
    u = rng.random()
    if u < SHARE_OLD_WORDING and alternatives:
        return alternatives[int(rng.integers(len(alternatives)))]
    if u < SHARE_OLD_WORDING + SHARE_CODE:
        return row["code_asp"] or code
    return row["libelle"]


def _retrait_motive(rng: np.random.Generator, salaried: bool, short: bool, age: int, employed: bool) -> str:
    if salaried and short:
        return TRIAL_PERIOD_MOTIVES[int(rng.integers(2))]
    if age >= RETIREMENT_AGE and not employed:
        return "RETRAITE"
    return _choice(rng, RETRAIT_MOTIVES)


def _add_months(d: pd.Timestamp, months: int) -> pd.Timestamp:
    return d + pd.DateOffset(months=months)


def _draw_outcomes_and_motives(b: _Builder, rows: list[tuple[_Parcours, str, str]], parcours: pd.DataFrame) -> None:
    """6-month outcome of every salaried exit from the planted model, then the exit motive,
    whose category depends on that outcome (the motive is declared at exit, the outcome observed
    later: correlated, but the outcome model stays exactly the planted one)."""
    rng = b.rng["sorties"]
    motives = tables.load_exit_motives().set_index("code")
    category_of = motives["categorie"]
    lin = _linear_predictor(parcours, "date_entree")
    texts, outcomes = [], []
    for i, (p, _pid, _cid) in enumerate(rows):
        salaried = p.dispositif in ("ACI", "AI")
        employed = None
        if p.sortie is not None and salaried:
            employed = bool(rng.random() < _expit(lin[i] + TAU))
        in_follow_up = p.sortie is not None and FOLLOW_UP_YEARS[0] <= p.sortie.year <= FOLLOW_UP_YEARS[1]
        outcomes.append(employed if (salaried and in_follow_up) else None)
        if p.sortie is None:
            texts.append(None)
            continue
        age = p.entree.year - p.person.profile["annee_naissance"]
        short = pd.Timestamp(p.sortie) + pd.Timedelta(days=1) < _add_months(pd.Timestamp(p.entree), 3)
        code = p.motive
        if code is None:
            category = p.category
            if category is None:
                key = ((p.dispositif, "court") if (p.dispositif == "ACI" and short)
                       else (p.dispositif, employed) if salaried else (ACCOMPANIMENT, None))
                category = CATEGORIES[int(rng.choice(len(CATEGORIES), p=np.array(EXIT_MIX[key])))]
            if category == CATEGORY_RETRAIT:
                code = _retrait_motive(rng, salaried, short, age, bool(employed))
            else:
                code = _choice(rng, MOTIVES_BY_CATEGORY[category])
        if p.category is not None and category_of[code] != p.category:
            raise RuntimeError(f"motive {code} is not in category {p.category}")
        texts.append(_motive_text(b.rng["libelles"], code, motives))
    parcours["motif_sortie"] = pd.Series(texts, index=parcours.index, dtype=object)
    parcours["en_emploi_6_mois"] = pd.Series(outcomes, index=parcours.index, dtype=object).astype("boolean")


# --------------------------------------------------------------------------- step 4: candidates


def _candidates_frame(b: _Builder) -> pd.DataFrame:
    """People oriented to the structures in 2017-2024 but not hired (untreated outcome)."""
    rng = b.rng["candidats"]
    records = []
    start, end = dt.date(FOLLOW_UP_YEARS[0], 1, 1), dt.date(FOLLOW_UP_YEARS[1], 12, 31)
    for structure, (dispositif, n, mix) in CANDIDATES.items():
        for _ in range(n):
            orientation = _uniform_date(rng, start, end)
            home = "Toulouse" if structure == STRUCTURE_AMIE else _choice(rng, CANDIDATE_HOME_SITES)
            profile = _draw_profile(rng, mix, SITE_BY_NAME[home], orientation.year)
            records.append({"structure": structure, "dispositif": dispositif, "date_orientation": orientation,
                            **profile})
    records.sort(key=lambda r: (r["date_orientation"], r["structure"]))
    for i, r in enumerate(records):
        r["id_personne"] = f"{PREFIX}-{b.next_person_number + i:06d}"
    df = _typed(pd.DataFrame.from_records(records), "candidats")
    p = _expit(_linear_predictor(df, "date_orientation"))
    df["en_emploi_6_mois"] = pd.array(rng.random(len(df)) < p, dtype="boolean")
    return df


# --------------------------------------------------------------------------- step 5: conventions and sites


def _amount_in_force(table: pd.DataFrame, column: str, year: int) -> float:
    """Yearly average of an amount, each month weighted by the amount in force on its first day
    (the last known amount stays in force; before the first one, the first one applies)."""
    values = []
    for month in range(1, 13):
        day = pd.Timestamp(year=year, month=month, day=1)
        known = table[table["date_effet"] <= day]
        values.append(float((known if len(known) else table.head(1))[column].iloc[-1]))
    return float(np.mean(values))


def _conventions_frame(b: _Builder, parcours: pd.DataFrame, heures: pd.DataFrame) -> pd.DataFrame:
    """A.M.I. Aude's ACI annexes financières: ETP close to those realised, aide au poste at the
    socle in force, département co-financing of the posts held by RSA beneficiaries."""
    rng = b.rng["conventions"]
    aides = tables.load_aide_au_poste()
    socle = aides[(aides["dispositif"] == ACI_SOCLE_DISPOSITIF) & (aides["territoire"] == "metropole")]
    rsa = tables.load_rsa()
    hours_per_etp = float(tables.load_dispositifs().loc["ACI", "heures_par_etp"])
    h = heures.merge(parcours[["id_parcours", "structure", "site", "dispositif", "beneficiaire_rsa"]],
                     on="id_parcours")
    h = h[(h["dispositif"] == "ACI") & (h["annee"] >= FIRST_YEAR)]
    h = h.assign(heures_rsa=h["heures"].where(h["beneficiaire_rsa"].eq(True), 0.0))
    by = h.groupby(["structure", "site", "annee"], sort=True)[["heures", "heures_rsa"]].sum().reset_index()
    records = []
    for row in by.itertuples(index=False):
        etp = round(row.heures / hours_per_etp * (0.97 + 0.13 * rng.random()), 2)
        aide = round(etp * _amount_in_force(socle, "montant_socle_eur", row.annee), 2)
        rsa_month = _amount_in_force(rsa, "montant_forfaitaire_eur", row.annee)
        cofinancement = round(etp * row.heures_rsa / row.heures * CD_SHARE_OF_RSA * rsa_month * 12, 2)
        autres = round(aide * (0.03 + 0.07 * rng.random()), -2)
        records.append({"structure": row.structure, "site": row.site, "dispositif": "ACI", "annee": int(row.annee),
                        "etp_conventionnes": etp, "aide_au_poste_eur": aide,
                        "cofinancement_departement_eur": cofinancement, "autres_financements_eur": float(autres)})
    return _typed(pd.DataFrame.from_records(records), "conventions")


def _sites_frame() -> pd.DataFrame:
    df = pd.DataFrame([{"site": s.name, "commune": s.commune, "code_commune": s.code_commune,
                        "departement": s.departement, "circonscription": None} for s in SITES])
    return _typed(df, "sites")


# --------------------------------------------------------------------------- public API


def generate_demo(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Build the fictional dataset: one frame per sheet, columns and dtypes of the schema."""
    b = _Builder(seed)
    _build_accompaniment(b)
    _build_aci(b)
    _build_ai(b)
    rows = _assign_ids(b)
    parcours = _parcours_frame(rows)
    heures = _heures_frame(rows)
    _draw_outcomes_and_motives(b, rows, parcours)
    candidats = _candidates_frame(b)
    conventions = _conventions_frame(b, parcours, heures)
    return {"parcours": parcours, "heures": heures, "conventions": conventions, "sites": _sites_frame(),
            "candidats": candidats}


def planted_effect(frames: dict[str, pd.DataFrame]) -> dict:
    """The planted effect, computed exactly from the generator's coefficients on the generated rows.

    ATT = mean over treated rows (salaried exits with a 6-month follow-up) of
    expit(b0 + b·X + tau) − expit(b0 + b·X).
    """
    p, c = frames["parcours"], frames["candidats"]
    treated = p[p["en_emploi_6_mois"].notna()]
    lin = _linear_predictor(treated, "date_entree")
    att = float(np.mean(_expit(lin + TAU) - _expit(lin)))
    rate_t = float(treated["en_emploi_6_mois"].astype(bool).mean())
    rate_c = float(c["en_emploi_6_mois"].astype(bool).mean())
    return {
        "att": att, "n_traites": len(treated), "n_temoins": len(c),
        "taux_emploi_traites": rate_t, "taux_emploi_temoins": rate_c, "ecart_naif": rate_t - rate_c,
        "taux_emploi_traites_sans_effet": float(np.mean(_expit(lin))),
    }


# --------------------------------------------------------------------------- writing


def _format_column(s: pd.Series, kind: str, decimals: int | None) -> list[str]:
    if kind == schema.DATE:
        return [d.strftime("%d/%m/%Y") if pd.notna(d) else "" for d in s]
    if kind == schema.BOOLEEN:
        return ["" if pd.isna(v) else ("oui" if v else "non") for v in s]
    if kind == schema.DECIMAL:
        return ["" if pd.isna(v) else f"{v:.{decimals}f}".replace(".", ",") for v in s]
    if kind == schema.ENTIER:
        return ["" if pd.isna(v) else str(int(v)) for v in s]
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in s]


def _csv_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """A French spreadsheet export: ``;``, UTF-8 with BOM, dd/mm/yyyy, decimal comma, oui/non."""
    specs = [s for s in schema.column_specs(sheet) if s.name in df.columns]
    columns = [_format_column(df[s.name], s.kind, DECIMALS.get(s.name)) for s in specs]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([s.name for s in specs])
    writer.writerows(zip(*columns, strict=True))
    return buf.getvalue().encode("utf-8-sig")


def _fr(value: float, decimals: int = 0) -> str:
    """French number: narrow no-break spaces between thousands, decimal comma, true minus sign
    (no locale dependency, so the README is the same bytes everywhere)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",").replace("-", "\u2212")


def _r6(x: float) -> float:
    """Rounded for stable bytes across platforms (last-bit differences of exp/log)."""
    return round(float(x), 6)


def _summary(frames: dict[str, pd.DataFrame], seed: int) -> dict:
    """Figures the README and effet_plante.json publish, computed from the frames."""
    p, h = frames["parcours"], frames["heures"]
    categories = motive_categories()
    motive = p["motif_sortie"].map(canonical_motive)
    category = motive.map(categories)
    ai = p[(p["structure"] == STRUCTURE_AMIE)]
    total = h.groupby("id_parcours")["heures"].sum()
    h_ai = h[h["id_parcours"].isin(ai["id_parcours"]) & (h["annee"] == TARGET_YEAR)]
    persons = ai.loc[ai["id_parcours"].isin(h_ai.loc[h_ai["heures"] > 0, "id_parcours"]), "id_personne"].nunique()
    exits = ai[ai["date_sortie"].dt.year == TARGET_YEAR]
    enough = exits["id_parcours"].map(total).fillna(0) >= AI_EXAMINATION_HOURS
    retrait = category[exits.index].eq(CATEGORY_RETRAIT)
    examined = exits[enough & ~retrait]
    dynamic = category[examined.index].isin(DYNAMIC_CATEGORIES)
    effect = planted_effect(frames)
    return {
        "graine": seed,
        "ai_2024": {
            "personnes": int(persons), "heures": round(float(h_ai["heures"].sum()), 1),
            "sorties": len(exits), "sorties_hors_seuil": int((~enough).sum()), "retraits": int((enough & retrait).sum()),
            "sorties_examinees": len(examined), "sorties_dynamiques": int(dynamic.sum()),
            "taux_sorties_dynamiques": round(float(dynamic.mean()), 6),
        },
        "effet": effect,
        "lignes": {name: len(df) for name, df in frames.items()},
    }


def _effect_json(summary: dict) -> dict:
    e = summary["effet"]
    return {
        "description": "Effet planté dans les données fictives de démonstration (iae-impact) : la vérité que les "
                       "estimateurs d'impact doivent retrouver.",
        "graine": summary["graine"],
        "modele": "P(en_emploi_6_mois = oui) = expit(constante + somme(coefficient × X) + tau × T), T = 1 pour les "
                  "personnes embauchées (parcours ACI ou AI), 0 pour les candidats non embauchés",
        "tau": TAU,
        "coefficients": OUTCOME_COEFFICIENTS,
        "covariables": COVARIATE_DEFINITIONS,
        "estimande": "ATT sur l'échelle des probabilités : moyenne, sur les traités, de "
                     "expit(constante + b·X + tau) − expit(constante + b·X)",
        "traites": "lignes de parcours ACI ou AI sorties entre 2017 et 2024, en_emploi_6_mois renseigné",
        "temoins": "toutes les lignes de candidats (orientés en 2017-2024, non embauchés)",
        "n_traites": e["n_traites"],
        "n_temoins": e["n_temoins"],
        "att": _r6(e["att"]),
        "att_points": round(100 * e["att"], 2),
        "proba_moyenne_traites_avec_parcours": _r6(e["att"] + e["taux_emploi_traites_sans_effet"]),
        "proba_moyenne_traites_sans_parcours": _r6(e["taux_emploi_traites_sans_effet"]),
        "taux_emploi_6_mois_traites": _r6(e["taux_emploi_traites"]),
        "taux_emploi_6_mois_temoins": _r6(e["taux_emploi_temoins"]),
        "ecart_naif": _r6(e["ecart_naif"]),
        "ecart_naif_points": round(100 * e["ecart_naif"], 2),
        "cibles_amie_2024": summary["ai_2024"],
    }


def _readme(summary: dict) -> str:
    a, e, n = summary["ai_2024"], summary["effet"], summary["lignes"]
    hours_per_etp = float(tables.load_dispositifs().loc["ACI", "heures_par_etp"])
    coef_rows = "\n".join(f"| `{k}` | {_fr(v, 2)} | {COVARIATE_DEFINITIONS.get(k, 'constante du modèle')} |"
                          for k, v in OUTCOME_COEFFICIENTS.items())
    teams = "\n".join(f"  - « {t.action} » à {t.site} ({t.postes} postes en rotation, premières embauches "
                      f"en {t.first_entries[0].year})" for t in ACI_TEAMS)
    return f"""# Données de démonstration — entièrement fictives

**Ces données sont inventées.** Aucune ligne ne décrit une personne réelle. Les deux structures
sont fictives ; elles s'inspirent de deux structures réelles (une association audoise porteuse
d'ateliers et chantiers d'insertion, une association intermédiaire toulousaine) pour que les
ordres de grandeur soient vraisemblables, mais ni les personnes, ni les parcours, ni les montants
ne sont les leurs. Les identifiants commencent tous par `FICTIF`.

Elles servent à essayer l'outil sans données personnelles, aux carnets de démonstration et aux
tests : les chiffres ci-dessous sont des **cibles construites**, que les calculs doivent retrouver.

## Régénérer

```
iae-impact demo        # ou : make demo
python -c "from iae_impact.demo import write_demo; write_demo()"   # équivalent, sans la commande
```

La graine est fixe ({summary['graine']}) : la même graine donne exactement les mêmes fichiers,
octet pour octet. Les fichiers CSV sont dans `fictif/` ; ce fichier et `effet_plante.json` sont
écrits en même temps.

`fictif/{DEMO_MARKER}` est le marqueur de ces données : il liste chaque fichier écrit avec son
empreinte (SHA-256). Des données lues exactement dans ces fichiers sont signalées comme fictives
(bandeau des carnets, mention des notes) ; un fichier modifié ou ajouté, et elles ne le sont plus. Le
nom d'une structure n'y est pour rien : « (fictif) » dans le nom de vos structures ne rend pas vos
données fictives.

## Les fichiers (`fictif/`)

Écrits comme un export de tableur français : séparateur `;`, UTF-8 avec BOM, dates jj/mm/aaaa,
virgule décimale, `oui`/`non`, cellule vide quand la valeur manque.

| fichier | lignes | contenu |
|---|---|---|
| `parcours_FICTIF.csv` | {_fr(n['parcours'])} | un parcours par ligne (personne × structure × dispositif) |
| `heures_FICTIF.csv` | {_fr(n['heures'])} | heures travaillées par parcours salarié et par mois |
| `conventions_FICTIF.csv` | {_fr(n['conventions'])} | conventionnement ACI d'A.M.I. Aude par site et par année |
| `sites_FICTIF.csv` | {_fr(n['sites'])} | les sites, leur commune et leur code INSEE |
| `candidats_FICTIF.csv` | {_fr(n['candidats'])} | groupe de comparaison : personnes orientées mais non embauchées |

Période : du 1er janvier {FIRST_YEAR} au 31 décembre {LAST_YEAR}. Les parcours encore ouverts au
31/12/{LAST_YEAR} n'ont pas de date de sortie. Les parcours déjà commencés au 1er janvier {FIRST_YEAR}
gardent leur date d'entrée et leurs heures antérieures : les indicateurs de {FIRST_YEAR - 1} ne
portent que sur ces parcours et ne doivent pas être lus.

Quelques motifs de sortie sont écrits avec un ancien libellé ASP ou avec un code, comme dans les
exports réels : la lecture doit les reconnaître.

## Ce qui est modélisé

**{STRUCTURE_AMI}** — six sites (Carcassonne-Berriac, Lézignan-Corbières, Narbonne, Bram,
Montréal, Limoux) :

- ateliers et chantiers d'insertion (ACI), contrats de 20 à 26 h par semaine (80 à 115 h par mois
  environ), parcours de 4 à 24 mois pour la plupart, quelques sorties avant 3 mois :
{teams}
- dispositif `ACCOMPAGNEMENT` (« {ACCOMPANIMENT_ACTION} », non salarié, sans heures) sur les six
  sites ; une partie des personnes accompagnées entrent ensuite dans une équipe ACI ;
- conventions : ETP conventionnés proches des ETP réalisés (heures / {_fr(hours_per_etp)}), aide au poste = ETP ×
  montant socle ACI en vigueur (moyenne des mois de l'année), cofinancement fictif du département
  (88 % du RSA pour les postes occupés par des bénéficiaires du RSA ; avant juillet 2022, le montant
  de juillet 2022), autres financements fictifs.

**{STRUCTURE_AMIE}** — association intermédiaire (dispositif `AI`), un site (Toulouse), 45 à 55
personnes par an, 5 à 70 h de mise à disposition par mois. Pas de conventions : l'argent public se
calcule alors à partir des ETP.

Les profils suivent les ordres de grandeur nationaux (DARES) : environ 62 % d'hommes en ACI, 58 %
de femmes en AI, un quart de moins de 26 ans, un tiers de bénéficiaires du RSA, la moitié inscrits
à France Travail depuis un an ou plus.

## Cibles exactes : {STRUCTURE_AMIE}, année {TARGET_YEAR}

| indicateur | valeur |
|---|---|
| personnes ayant travaillé (heures > 0 en {TARGET_YEAR}) | {a['personnes']} |
| heures travaillées en {TARGET_YEAR} | {_fr(a['heures'], 1)} h (au moins 14 000) |
| sorties en {TARGET_YEAR} | {a['sorties']} |
| dont sous le seuil de 150 h sur le parcours (non examinées) | {a['sorties_hors_seuil']} |
| dont « Retrait des sorties constatées » (non examinées) | {a['retraits']} |
| sorties examinées | {a['sorties_examinees']} |
| sorties dynamiques (emploi durable + emploi de transition + sorties positives) | {a['sorties_dynamiques']} |
| **taux de sorties dynamiques** | **{_fr(100 * a['taux_sorties_dynamiques'])} %** |

Règles : une sortie de l'année est un parcours dont la date de sortie tombe dans l'année ; en AI
elle est examinée si le parcours totalise au moins 150 h (toutes ses heures mensuelles) et si son
motif n'est pas un retrait. Oublier le seuil ou les retraits donne un autre taux : c'est voulu.

## Effet planté (évaluation d'impact)

Le suivi « en emploi 6 mois après » (`en_emploi_6_mois`) est renseigné pour les sorties salariées
(ACI, AI) de 2017 à 2024 et pour tous les candidats. Il est tiré d'un modèle logistique connu :

P(en emploi à 6 mois) = expit(constante + Σ coefficient × X + τ × T), avec T = 1 pour une personne
embauchée, 0 pour un candidat non embauché, et **τ = {_fr(TAU, 2)}**.

| covariable | coefficient | définition |
|---|---|---|
{coef_rows}

Les structures embauchent davantage de bénéficiaires du RSA, de chômeurs de longue durée et de
personnes peu qualifiées que l'ensemble des personnes qui leur sont orientées (sélection sur
observables) : leur probabilité d'emploi sans le parcours est plus faible. La comparaison brute
sous-estime donc l'effet.

- **Effet planté (ATT)** : **+{_fr(100 * e['att'], 1)} points** ({_fr(e['att'], 4)} en proportion), défini
  comme la moyenne, sur les {e['n_traites']} personnes traitées (sorties salariées 2017-2024 avec
  suivi), de expit(constante + b·X + τ) − expit(constante + b·X), calculée exactement avec les
  coefficients du générateur.
- Taux d'emploi à 6 mois observé : {_fr(100 * e['taux_emploi_traites'], 1)} % chez les traités,
  {_fr(100 * e['taux_emploi_temoins'], 1)} % chez les {e['n_temoins']} candidats.
- **Écart brut (naïf)** : {'+' if e['ecart_naif'] >= 0 else ''}{_fr(100 * e['ecart_naif'], 1)} points (taux des traités
  moins taux des candidats) — à ne pas confondre avec l'effet.

Avec ces effectifs, un estimateur doublement robuste (AIPW) ajusté sur ces covariables donne un
intervalle de confiance à 95 % de l'ordre de ± 6 points, qui doit contenir l'effet planté (sauf
malchance, 1 fois sur 20). Les valeurs exactes sont dans `effet_plante.json`.
"""


def write_demo(out_dir: str | os.PathLike[str] | None = None, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the fictional dataset: the five CSV files in ``out_dir`` (default ``data/demo/fictif``),
    ``README.md`` and ``effet_plante.json`` beside it (in its parent folder). Returns the paths written."""
    out = paths.resolve(out_dir) if out_dir is not None else paths.DEMO_DIR
    out.mkdir(parents=True, exist_ok=True)
    frames = generate_demo(seed)
    written = []
    checksums = {}
    for sheet, df in frames.items():
        path = out / f"{sheet}{FILE_SUFFIX}"
        data = _csv_bytes(df, sheet)
        write_atomic_bytes(path, data)
        written.append(path)
        checksums[path.name] = hashlib.sha256(data).hexdigest()
    marker = {"description": "Marqueur des données fictives écrites par « iae-impact demo » : des données lues "
                             "exactement dans ces fichiers sont signalées comme fictives dans les carnets et les notes.",
              "graine": seed, "fichiers": dict(sorted(checksums.items()))}
    write_atomic_bytes(out / DEMO_MARKER, (json.dumps(marker, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    written.append(out / DEMO_MARKER)
    summary = _summary(frames, seed)
    effect = json.dumps(_effect_json(summary), ensure_ascii=False, indent=2) + "\n"
    write_atomic_bytes(out.parent / EFFECT_NAME, effect.encode("utf-8"))
    write_atomic_bytes(out.parent / README_NAME, _readme(summary).encode("utf-8"))
    return [*written, out.parent / EFFECT_NAME, out.parent / README_NAME]


__all__ = ["DEFAULT_SEED", "generate_demo", "planted_effect", "write_demo"]
