"""Fictional national-scale dataset for the benchmark: 1,000,000 parcours, about 12,000,000 monthly hour rows.

Orders of magnitude from docs/domain.md §2 (DARES, 2018-2021): about 3,800 structures
(1,900 ACI, 663 AI, 962 EI, 278 ETTI), parcours mix ACI 39 %, AI 39 %, EI 12 %, ETTI 10 %, parcours of
about one year in ACI and EI and 6 to 8 months in AI and ETTI, 60 % men (AI: 58 % women), about half
long-term unemployed at hire, 80 % below the baccalauréat, a third RSA recipients. Exit motives are the
labels of ``data/reference/motifs_sortie.csv``, drawn within a realistic category mix.

Everything is vectorised numpy with a fixed seed: the same seed gives the same files. The files are
written as ``parcours.parquet`` and ``heures.parquet`` under ``reports/bench/national/graine-<seed>-v<N>/``
and reused when present (``dossier_national`` regenerates only when absent).

Usage: ``python bench/generer_national.py [--graine 20261123] [--parcours 1000000]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "reference"
CACHE = ROOT / "reports" / "bench" / "national"
GENERATOR_VERSION = 1  # bump when the generated data change: the cache key includes it
DEFAULT_SEED = 20261123
N_PARCOURS = 1_000_000

START = np.datetime64("2018-01-01")
CUTOFF = np.datetime64("2024-12-31")  # export date: later exits are parcours still open

# dispositif: (structures, share of parcours, mean parcours length in days, weekly hours, months without hours)
DISPOSITIFS = {
    "ACI": (1900, 0.39, 490, 26.0, 0.00),
    "AI": (663, 0.39, 345, 15.0, 0.15),
    "EI": (962, 0.12, 460, 30.0, 0.00),
    "ETTI": (278, 0.10, 270, 24.0, 0.10),
}
ACTIONS = {
    "ACI": ["Espaces verts", "Bâtiment second œuvre", "Maraîchage", "Recyclerie", "Restauration"],
    "AI": ["Mise à disposition", "Services à la personne"],
    "EI": ["Propreté", "Logistique", "Restauration collective"],
    "ETTI": ["Missions d'intérim", "BTP", "Industrie"],
}
# Exit category mix (all exits) per dispositif, in the order of CATEGORIES.
CATEGORIES = ["Emploi durable", "Emploi de transition", "Sorties positives", "Autres sorties",
              "Retrait des sorties constatées"]
CATEGORY_MIX = {
    "ACI": [0.14, 0.16, 0.16, 0.48, 0.06],
    "AI": [0.24, 0.22, 0.10, 0.39, 0.05],
    "EI": [0.17, 0.14, 0.13, 0.50, 0.06],
    "ETTI": [0.27, 0.24, 0.08, 0.36, 0.05],
}
ORIENTEURS = ["France Travail", "Mission locale", "Conseil départemental", "Cap emploi", "Candidature spontanée"]
DUREES_FT = ["non inscrit", "moins de 6 mois", "6 à 11 mois", "12 à 23 mois", "24 mois et plus"]


def cache_folder(seed: int = DEFAULT_SEED, n_parcours: int = N_PARCOURS) -> Path:
    suffix = "" if n_parcours == N_PARCOURS else f"-{n_parcours}"
    return CACHE / f"graine-{seed}-v{GENERATOR_VERSION}{suffix}"


def dossier_national(seed: int = DEFAULT_SEED, n_parcours: int = N_PARCOURS, say=print) -> Path:
    """The folder of the national dataset for ``seed``: generated only when absent."""
    folder = cache_folder(seed, n_parcours)
    if (folder / "description.json").exists():
        return folder
    start = time.perf_counter()
    say(f"Génération des données nationales fictives (graine {seed}) dans {folder}…")
    generate(folder, seed, n_parcours)
    say(f"  fait en {time.perf_counter() - start:.1f} s")
    return folder


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype("U7"), 7)).astype(object)


def _choice(rng: np.random.Generator, values, p, size) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=size, p=p / p.sum())]


def _with_nulls(rng: np.random.Generator, values: np.ndarray, share: float) -> pa.Array:
    mask = rng.random(len(values)) < share
    return pa.array(values, mask=mask)


def network_counts(n_structures: int) -> dict[str, int]:
    """Structures per dispositif for a network of ``n_structures``: the national mix (DARES 2018), each
    dispositif at least once, the largest remainders rounded up."""
    total = sum(DISPOSITIFS[d][0] for d in DISPOSITIFS)
    exact = {d: n_structures * DISPOSITIFS[d][0] / total for d in DISPOSITIFS}
    counts = {d: max(1, int(v)) for d, v in exact.items()}
    for d in sorted(exact, key=lambda d: exact[d] - int(exact[d]), reverse=True):
        if sum(counts.values()) >= n_structures:
            break
        counts[d] += 1
    return counts


#: Départements of a fictional regional network and their circonscriptions (codes as the sites sheet gives them).
NETWORK_DEPARTEMENTS = {"11": 3, "30": 6, "31": 10, "34": 9, "66": 4}


def _sites_sheet(rng: np.random.Generator, site_names: np.ndarray) -> pa.Table:
    """Where each site of a network is: a département, one of its circonscriptions and a commune of it (about
    one commune for every three sites: several sites may share a commune)."""
    deps = np.array(list(NETWORK_DEPARTEMENTS))
    dep = deps[rng.integers(0, len(deps), len(site_names))]
    circ_no = np.array([rng.integers(1, NETWORK_DEPARTEMENTS[d] + 1) for d in dep])
    circ = np.char.add(np.char.add(dep, "-"), np.char.zfill(circ_no.astype("U2"), 2))
    commune_no = rng.integers(1, max(2, len(site_names) // 3) + 1, len(site_names))
    code = np.char.add(dep, np.char.zfill(commune_no.astype("U3"), 3))
    commune = np.char.add(np.char.add("Commune ", code), " (fictif)")
    return pa.table({"site": pa.array(site_names.astype(object), pa.string()),
                     "commune": pa.array(commune.astype(object), pa.string()),
                     "code_commune": pa.array(code.astype(object), pa.string()),
                     "departement": pa.array(dep.astype(object), pa.string()),
                     "circonscription": pa.array(circ.astype(object), pa.string())})


def generate(folder: Path, seed: int = DEFAULT_SEED, n_parcours: int = N_PARCOURS,
             structures: dict[str, int] | None = None, multi_sites: float | None = None) -> dict:
    """Write the dataset into ``folder``. ``structures`` (structures per dispositif; default: the national
    counts) and ``multi_sites`` (the share of structures with several sites; default: Poisson extra sites,
    more in ACI and AI) make a network (``bench/generer_reseau.py``); a network also gets a ``sites``
    sheet (commune, département, circonscription). The defaults draw exactly the national file."""
    rng = np.random.default_rng(seed)
    motifs = pd.read_csv(REFERENCE / "motifs_sortie.csv", dtype=str, keep_default_na=False)
    levels = pd.read_csv(REFERENCE / "niveaux_formation.csv", dtype=str, keep_default_na=False)
    levels = levels[levels["code"].str.isdigit()]  # the ASP codes (the 2019 levels N3…N8 are not drawn)

    # -- structures and sites: sizes are skewed (lognormal), ACI and AI often have several sites
    names = list(DISPOSITIFS)
    n_struct = np.array([structures.get(d, 0) if structures else DISPOSITIFS[d][0] for d in names])
    struct_disp = np.repeat(np.arange(len(names)), n_struct)
    n_structures = len(struct_disp)
    if multi_sites is None:
        extra_sites = rng.poisson(np.where(np.isin(struct_disp, [0, 1]), 0.6, 0.25))
    else:  # exactly this share of the structures has 2 to 4 sites
        several = rng.permutation(n_structures) < round(multi_sites * n_structures)
        extra_sites = np.where(several, rng.integers(1, 4, n_structures), 0)
    n_sites = 1 + extra_sites
    site_struct = np.repeat(np.arange(n_structures), n_sites)
    site_rank = np.arange(len(site_struct)) - np.repeat(np.cumsum(n_sites) - n_sites, n_sites)
    structure_names = np.char.add("Structure ", np.char.zfill(np.arange(1, n_structures + 1).astype("U4"), 4))
    site_names = np.char.add(np.char.add(structure_names[site_struct], " — site "), (site_rank + 1).astype("U2"))
    structure_names = np.char.add(structure_names, " (fictif)")

    # -- parcours: dispositif mix, then a structure (size-weighted) and one of its sites
    share = np.array([DISPOSITIFS[d][1] for d in names]) * (n_struct > 0)
    disp = rng.choice(len(names), size=n_parcours, p=share / share.sum())
    weight = rng.lognormal(0.0, 0.9, n_structures)
    struct = np.empty(n_parcours, dtype=np.int64)
    for k in range(len(names)):
        sel = np.flatnonzero(disp == k)
        candidates = np.flatnonzero(struct_disp == k)
        w = weight[candidates] / weight[candidates].sum()
        struct[sel] = candidates[rng.choice(len(candidates), size=len(sel), p=w)]
    first_site = np.cumsum(n_sites) - n_sites
    site = first_site[struct] + (rng.random(n_parcours) * n_sites[struct]).astype(np.int64)

    # -- persons: about 12 % of parcours belong to someone who has one other parcours, in another structure
    n_persons = int(n_parcours * 0.88)
    shuffled = rng.permutation(n_parcours)
    firsts, repeats = shuffled[:n_persons], shuffled[n_persons:]
    person = np.empty(n_parcours, dtype=np.int64)
    person[firsts] = np.arange(n_persons)
    owners = rng.choice(firsts, size=len(repeats), replace=False)  # at most two parcours per person
    person[repeats] = person[owners]
    same = struct[repeats] == struct[owners]  # never two parcours of one person in the same structure
    struct[repeats[same]] = (struct[repeats[same]] + 1) % n_structures
    disp[repeats] = struct_disp[struct[repeats]]
    site[repeats] = first_site[struct[repeats]]

    # -- dates: entries grow slowly over the years; lengths are gamma-distributed per dispositif
    span = int((CUTOFF - START).astype(int)) + 1
    entry_day = np.minimum((span * rng.random(n_parcours) ** 0.85).astype(np.int64), span - 1)
    entree = START + entry_day.astype("timedelta64[D]")
    mean_len = np.array([DISPOSITIFS[d][2] for d in names], dtype=float)[disp]
    length = np.maximum(1, rng.gamma(1.8, mean_len / 1.8)).astype(np.int64)
    length = np.minimum(length, 60 * 30)
    sortie = entree + (length - 1).astype("timedelta64[D]")
    ended = sortie <= CUTOFF
    last_day = np.where(ended, sortie, CUTOFF)

    # -- exits: motive drawn within a category mix that depends on the dispositif
    category = np.full(n_parcours, -1)
    for k, d in enumerate(names):
        sel = np.flatnonzero((disp == k) & ended)
        category[sel] = rng.choice(len(CATEGORIES), size=len(sel), p=CATEGORY_MIX[d])
    motif = np.full(n_parcours, None, dtype=object)
    for c, cat in enumerate(CATEGORIES):
        labels = motifs.loc[motifs["categorie"] == cat, "libelle"].to_numpy()
        weights = np.where(np.char.startswith(labels.astype(str), "Au chômage"), 6.0, 1.0)
        weights = np.where(np.char.startswith(labels.astype(str), "Embauche en CDI non aidé"), 4.0, weights)
        sel = np.flatnonzero(category == c)
        motif[sel] = _choice(rng, labels, weights, len(sel))

    # -- monthly hours: one row per month from the entry month to the last month worked
    m0 = entree.astype("datetime64[M]")
    m1 = last_day.astype("datetime64[M]")
    n_months = (m1 - m0).astype(np.int64) + 1
    row_parcours = np.repeat(np.arange(n_parcours), n_months)
    offset = np.arange(n_months.sum()) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    month = m0[row_parcours] + offset.astype("timedelta64[M]")
    month_start = month.astype("datetime64[D]")
    month_end = (month + 1).astype("datetime64[D]") - 1
    first = np.maximum(month_start, entree[row_parcours])
    last = np.minimum(month_end, last_day[row_parcours])
    days = (last - first).astype(np.int64) + 1
    weekly = np.array([DISPOSITIFS[d][3] for d in names])[disp[row_parcours]]
    hours = weekly * days / 7 * rng.lognormal(0.0, 0.25, len(row_parcours))
    idle = np.array([DISPOSITIFS[d][4] for d in names])[disp[row_parcours]]
    hours = np.where(rng.random(len(row_parcours)) < idle, 0.0, hours)
    hours = np.floor(np.minimum(hours, 45.0 * days / 7) * 10) / 10  # never above 45 h a week
    total = np.bincount(row_parcours, weights=hours, minlength=n_parcours)

    # about 3 % of the parcours give only their total hours (no monthly rows)
    total_only = rng.random(n_parcours) < 0.03
    keep = ~total_only[row_parcours]
    annee = month.astype("datetime64[Y]").astype(np.int64) + 1970
    mois = month.astype(np.int64) % 12 + 1

    # -- profile
    women = np.where(disp == 1, 0.58, 0.33)
    sexe = np.where(rng.random(n_parcours) < women, "F", "M").astype(object)
    age = np.clip(rng.normal(38, 12, n_parcours), 16, 67).astype(np.int64)
    birth = entree.astype("datetime64[Y]").astype(np.int64) + 1970 - age
    level_p = np.array([3, 3, 1, 2, 4, 4, 3, 25, 20, 10, 25], dtype=float)
    niveau = _choice(rng, levels["code"].to_numpy(), level_p, n_parcours)
    duree_ft = _choice(rng, DUREES_FT, [0.12, 0.18, 0.2, 0.25, 0.25], n_parcours)
    actions = np.empty(n_parcours, dtype=object)
    for k, d in enumerate(names):
        sel = np.flatnonzero(disp == k)
        actions[sel] = _choice(rng, ACTIONS[d], np.ones(len(ACTIONS[d])), len(sel))

    id_parcours = _ids("C", n_parcours)
    parcours = pa.table({
        "id_parcours": pa.array(id_parcours, pa.string()),
        "id_personne": pa.array(_ids("I", n_persons)[person], pa.string()),
        "structure": pa.array(structure_names[struct].astype(object), pa.string()),
        "site": pa.array(site_names[site].astype(object), pa.string()),
        "dispositif": pa.array(np.asarray(names, dtype=object)[disp], pa.string()),
        "action": pa.array(actions, pa.string()),
        "date_entree": pa.array(entree, pa.date32()),
        "date_sortie": pa.array(np.where(ended, sortie, np.datetime64("NaT")), pa.date32()),
        "motif_sortie": pa.array(motif, pa.string()),
        "heures_travaillees": pa.array(np.round(total, 1)),
        "sexe": _with_nulls(rng, sexe, 0.01),
        "annee_naissance": _with_nulls(rng, birth, 0.02),
        "niveau_formation": _with_nulls(rng, niveau, 0.05),
        "beneficiaire_rsa": _with_nulls(rng, rng.random(n_parcours) < 0.32, 0.04),
        "duree_inscription_ft": _with_nulls(rng, duree_ft, 0.06),
        "residant_qpv": _with_nulls(rng, rng.random(n_parcours) < 0.25, 0.05),
        "residant_zrr": _with_nulls(rng, rng.random(n_parcours) < 0.08, 0.05),
        "rqth": _with_nulls(rng, rng.random(n_parcours) < 0.08, 0.03),
        "orienteur": _with_nulls(rng, _choice(rng, ORIENTEURS, [70, 10, 10, 3, 7], n_parcours), 0.02),
    })
    heures = pa.table({
        "id_parcours": pa.array(id_parcours[row_parcours[keep]], pa.string()),
        "annee": pa.array(annee[keep].astype(np.int16)),
        "mois": pa.array(mois[keep].astype(np.int8)),
        "heures": pa.array(hours[keep]),
    })
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    pq.write_table(parcours, tmp / "parcours.parquet", compression="zstd")
    if structures is not None:
        pq.write_table(_sites_sheet(rng, site_names), tmp / "sites.parquet", compression="zstd")
    pq.write_table(heures, tmp / "heures.parquet", compression="zstd")
    description = {
        "graine": seed, "version": GENERATOR_VERSION, "parcours": parcours.num_rows, "heures": heures.num_rows,
        "personnes": n_persons, "structures": int(n_structures), "sites": int(len(site_names)),
        "parcours_sans_heures_mensuelles": int(total_only.sum()),
        "part_dispositifs": {d: round(float((disp == k).mean()), 4) for k, d in enumerate(names)},
        "part_sorties": round(float(ended.mean()), 4),
        "duree_moyenne_mois_parcours_termines": {
            d: round(float(length[(disp == k) & ended].mean() / (365.25 / 12)), 1) for k, d in enumerate(names)},
        "fictif": "données inventées pour le banc d'essai, aucune personne réelle",
    }
    (tmp / "description.json").write_text(json.dumps(description, ensure_ascii=False, indent=2), encoding="utf-8")
    for f in tmp.iterdir():
        f.replace(folder / f.name)
    tmp.rmdir()
    return description


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graine", type=int, default=DEFAULT_SEED)
    parser.add_argument("--parcours", type=int, default=N_PARCOURS)
    args = parser.parse_args(argv)
    folder = dossier_national(args.graine, args.parcours)
    print(folder)
    print((folder / "description.json").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
