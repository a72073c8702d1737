"""A fictional network for the benchmark (issue 16): N member structures (300 by default), one brief each.

The data come from the national generator (``generer_national.generate``) drawn at a network's size: the
national mix of dispositifs (each at least once), about 250 parcours per structure (the national file has
263), a third of the structures with two to four sites, a ``sites`` sheet (commune, département,
circonscription). They are written as the package reads them (a folder of parquet files), beside a
``notes.yaml`` that asks for one brief per structure for 2024 (``generer``, README « Notes de plaidoyer »)
and the addressee table it names (``destinataires.csv``: each structure's député, that of the circonscription
of its first site). Cached under ``reports/bench/reseau/graine-<seed>-s<N>-v<version>/``.

Usage: ``python bench/generer_reseau.py [--structures 300] [--graine 20261202]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generer_national import ROOT, generate, network_counts  # noqa: E402

CACHE = ROOT / "reports" / "bench" / "reseau"
VERSION = 1  # bump when the network or its configuration change
DEFAULT_SEED = 20261202
N_STRUCTURES = 300
PARCOURS_PER_STRUCTURE = 250
YEAR = 2024
DEMANDES = ["Maintenir l'aide au poste au niveau de l'inflation pour les structures du réseau.",
            "Ouvrir les marchés publics locaux aux clauses sociales d'insertion."]


def network_folder(seed: int = DEFAULT_SEED, n_structures: int = N_STRUCTURES) -> Path:
    return CACHE / f"graine-{seed}-s{n_structures}-v{VERSION}"


def network(seed: int = DEFAULT_SEED, n_structures: int = N_STRUCTURES, say=print) -> Path:
    """The folder of the network (``notes.yaml`` in it): generated only when absent."""
    folder = network_folder(seed, n_structures)
    if (folder / "description.json").exists():
        return folder
    start = time.perf_counter()
    say(f"Génération du réseau fictif ({n_structures} structures, graine {seed}) dans {folder}…")
    tmp = folder.with_name(folder.name + ".tmp")
    data = tmp / "donnees"
    description = generate(data, seed, n_parcours=PARCOURS_PER_STRUCTURE * n_structures,
                           structures=network_counts(n_structures), multi_sites=1 / 3)
    (data / "description.json").unlink()  # not a sheet: the description is kept beside the data
    _write_config(tmp, data)
    description["reseau"] = {"structures": n_structures, "annee_des_notes": YEAR}
    (tmp / "description.json").write_text(json.dumps(description, ensure_ascii=False, indent=2), encoding="utf-8")
    if folder.exists():
        raise RuntimeError(f"{folder} existe sans description.json : supprimez-le")
    tmp.replace(folder)
    say(f"  fait en {time.perf_counter() - start:.1f} s")
    return folder


def _write_config(folder: Path, data: Path) -> None:
    parcours = pd.read_parquet(data / "parcours.parquet", columns=["structure", "site"])
    sites = pd.read_parquet(data / "sites.parquet").set_index("site")
    first_site = parcours.drop_duplicates("structure").sort_values("structure")
    with (folder / "destinataires.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["structure", "nom", "qualite"])
        for structure, site in first_site.itertuples(index=False):
            circ = sites.loc[site, "circonscription"]
            writer.writerow([structure, f"Député {circ} (fictif)", f"Député de la circonscription {circ}"])
    config = {
        "donnees": "donnees",
        "seuil_secret": 5,
        "generer": [{"par": "structure", "annee": YEAR, "destinataires": "destinataires.csv",
                     "demandes": DEMANDES,
                     "demandes_par": {first_site["structure"].iloc[0]: [DEMANDES[0], "Financer un second site."]}}],
    }
    header = ("# Réseau FICTIF du banc d'essai (bench/generer_reseau.py) : une note par structure, le député\n"
              "# de chacune dans destinataires.csv.\n")
    (folder / "notes.yaml").write_text(header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                       encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, default=N_STRUCTURES)
    parser.add_argument("--graine", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    print(network(args.graine, args.structures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
