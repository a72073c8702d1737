"""The masks of a release as plain JSON (every perimeter, year and pooled period: the columns masked), to hold
them equal across changes of :mod:`iae_impact.analysis.release` that must not change any mask (issue 16).

The golden files in ``tests/golden/release/`` were written by the release code of commit 394f9e7 (before its
speed-up), with ``python -m tests.release_masks``: regenerate them only from that code (``git show
394f9e7:lib/iae_impact/analysis/release.py``), never from the code they check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "release"
sys.path.insert(0, str(ROOT / "bench"))

#: The releases held: the demo with its briefs, and a generated network (per-structure and per-circonscription
#: briefs: territories across structures), exact and with the whole network linked by interval propagation.
NETWORK = {"seed": 3, "n_parcours": 2_500, "structures": 10}
CASES = ("demo", "demo-propagation", "reseau", "reseau-propagation")


def release_masks(release) -> dict:
    """Every perimeter of ``release`` (a ReleaseMask): its atoms, and per year / period the masked columns."""
    atoms = release.atoms
    label = {i: "|".join(str(atoms.loc[i, k]) for k in ("structure", "site", "dispositif")) for i in atoms.index}
    out = {}
    for key, per in release.perimeters.items():
        name = " + ".join(sorted(label[a] for a in key))
        mask = per.mask
        entry = {"annees": {str(int(y)): sorted(c for c in mask.columns if bool(mask.loc[y, c])) for y in mask.index}}
        if per.pool_suppression is not None:
            pooled = per.pool_suppression
            entry["periodes"] = {str(p): sorted(c for c in pooled.masque.columns if bool(pooled.masque.loc[i, c]))
                                 for i, p in enumerate(pooled.table["periode"])}
        out[name] = entry
    return {"seuil": release.seuil, "atomes": len(atoms), "ajoutees": release.added,
            "perimetres": dict(sorted(out.items()))}


def network_dataset(folder: Path):
    from generer_national import generate, network_counts

    from iae_impact.ingest import read_dataset

    if not (folder / "description.json").exists():
        generate(folder, seed=NETWORK["seed"], n_parcours=NETWORK["n_parcours"],
                 structures=network_counts(NETWORK["structures"]), multi_sites=1 / 3)
    return read_dataset(folder)


def case(name: str, work: Path):
    """(dataset, briefs, exact_atoms) of a held release."""
    from iae_impact.base.paths import DEMO_DIR, PROJECT_ROOT
    from iae_impact.ingest import read_dataset
    from iae_impact.run.notes_config import load_config

    if name.startswith("demo"):
        notes = load_config(PROJECT_ROOT / "config" / "notes.yaml").notes
        return (read_dataset(DEMO_DIR), [(n.structure, n.sites, n.annee) for n in notes],
                4 if name.endswith("propagation") else None)
    ds = network_dataset(work / "reseau")
    sites = ds.sites.drop_duplicates("site").set_index("site")["circonscription"]
    circ = ds.parcours["site"].map(sites)
    briefs = [(s, None, 2024) for s in sorted(ds.parcours["structure"].unique())]
    briefs += [(None, sorted(ds.parcours.loc[circ.eq(c), "site"].unique()), 2024) for c in sorted(circ.unique())]
    return ds, briefs, (6 if name.endswith("propagation") else None)


def compute(name: str, work: Path) -> dict:
    from iae_impact.analysis.release import linked_suppression

    dataset, briefs, exact = case(name, work)
    options = {} if exact is None else {"exact_atoms": exact}
    out = release_masks(linked_suppression(dataset, 5, briefs=briefs, **options))
    out["empreinte_donnees"] = dataset.empreinte
    return out


def main() -> int:
    import tempfile
    import time

    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in (sys.argv[1:] or CASES):
            start = time.perf_counter()
            masks = compute(name, Path(tmp))
            (GOLDEN / f"{name}.json").write_text(json.dumps(masks, ensure_ascii=False, indent=1) + "\n",
                                                 encoding="utf-8")
            print(name, f"{time.perf_counter() - start:.1f} s", len(masks["perimetres"]), "périmètres",
                  masks["ajoutees"], "cellules ajoutées")
    return 0


if __name__ == "__main__":
    sys.exit(main())
