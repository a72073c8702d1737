"""`make bench`: measure, in one run on this machine, the targets of issue 6 (« Fast at any scale »).

Writes ``reports/bench/resultats.json`` and prints its keys:

- ``brief_vs_floor``: median wall time of the demo brief through papermill (``notebooks/10_note_elus.ipynb``,
  default parameters, via ``iae_impact.run.runner.execute``) / median wall time of the floor: papermill on a
  notebook that only imports what the brief imports (built from the brief's import cell, plus the
  third-party modules one brief run loads later on), same kernel and options. Interleaved repetitions.
- ``batch_efficiency``: T(all demo briefs, ``--jobs 1``) / (N x T(``--jobs N``)), N = cores, with
  ``iae_impact.run.batch.run_notes``; 1 means perfect scaling.
- ``national_vs_duckdb``, ``national_identical``, ``national_peak_rss_gb``: reading + validating + computing
  the site x year x dispositif cube of the fictional national file (1,000,000 parcours, about 12,000,000
  monthly hour rows, ``bench/generer_national.py``) with our code, against the same definitions as one
  DuckDB query (``bench/cube.sql``); each side in its own process (peak RSS from ``os.wait4``).
- ``demo_notes_s``: wall time of ``make notes`` on the demo.
- ``brief_marginal_vs_floor`` (issue 16): the median cost of one more brief in a warm batch (each demo brief
  twice, ``--jobs 1``: one warm kernel; the worker's own time per brief, the first brief of the kernel left
  out) / the papermill floor of ``brief_vs_floor`` (measured again when that part did not run). Also
  recorded: the same marginal cost from wall times, (T(2 x demo) - T(demo)) / 8, and the fresh-kernel
  per-brief time (``--noyaux-neufs``).
- ``network_briefs_s``, ``network_peak_rss_gb``, ``network_batch_efficiency``, ``network_dask_vs_pool`` (issue 16):
  a fictional network of 300 structures (``bench/generer_reseau.py``: one brief per structure from a ``generer``
  rule and an addressee table), run with ``--jobs N`` (N = cores) in its own process (wall time; peak memory:
  the largest sum of the resident memory of that process and all its descendants, sampled every 0.2 s; on
  Dask, of this process's tree, which holds the cluster's workers), with
  ``--jobs 1`` (efficiency T(1) / (N x T(N)), as for the demo batch), and through ``--scheduler`` on a local
  Dask cluster of N single-threaded worker processes (ratio of its time to the process pool's).

Usage: ``python bench/run.py [--parties brief lot notes national marginal reseau] [--repetitions 3]``;
``--seulement reseau --structures 30`` runs only a smaller network.
"""

from __future__ import annotations

import argparse
import ast
import copy
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "reports" / "bench"
sys.path.insert(0, str(HERE))

TARGETS = {"brief_vs_floor": ("<=", 1.3), "batch_efficiency": (">=", 0.9), "national_vs_duckdb": ("<=", 1.5),
           "national_identical": ("==", True), "national_peak_rss_gb": ("<=", 3.0), "demo_notes_s": ("<=", 60.0),
           "brief_marginal_vs_floor": ("<=", 0.35),
           "network_briefs_s": ("<=", 240.0), "network_batch_efficiency": (">=", 0.9),
           "network_dask_vs_pool": ("<=", 1.15)}
BRIEF = "10_note_elus"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "systeme": platform.platform()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                            if line.startswith("model name")), platform.processor())
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(next(line.split()[1] for line in meminfo.splitlines() if line.startswith("MemTotal")))
        info["ram_go"] = round(kb / 1024**2, 1)
    except OSError:
        info["cpu"] = platform.processor()
    from importlib.metadata import PackageNotFoundError, version

    for package in ("pandas", "numpy", "pyarrow", "duckdb", "papermill", "pandera"):
        try:
            info[package] = version(package)
        except PackageNotFoundError:
            info[package] = "absent"
    return info


# --------------------------------------------------------------------------- brief vs floor


def _import_cell(notebook) -> str:
    """The import statements of the brief's first code cell after the parameters."""
    cells = [c for c in notebook.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    source = cells[0].source
    tree = ast.parse(source)
    return "\n".join(ast.get_source_segment(source, node) for node in tree.body
                     if isinstance(node, ast.Import | ast.ImportFrom))


def _papermill(notebook: Path, output: Path, parameters: dict | None = None) -> float:
    """Run a notebook as ``iae_impact.run.runner.execute`` runs the brief; returns the wall time."""
    import papermill

    from iae_impact.base.paths import PROJECT_ROOT
    from iae_impact.run import runner

    runner.pin_blas_threads()
    start = time.perf_counter()
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters or {}, cwd=str(PROJECT_ROOT),
                               progress_bar=False, kernel_name="python3", extra_arguments=runner.KERNEL_ARGUMENTS)
    return time.perf_counter() - start


def measure_brief(repetitions: int, work: Path) -> dict:
    import nbformat

    from iae_impact.base.paths import NOTEBOOKS_DIR
    from iae_impact.run import runner

    brief = nbformat.read(NOTEBOOKS_DIR / f"{BRIEF}.ipynb", as_version=4)
    sortie = work / "sortie"  # the brief writes resume.json there instead of reports/carnets/note
    sortie.mkdir(parents=True, exist_ok=True)
    parameters = {"sortie": str(sortie)}

    # 1. One brief run (also the warm-up) that lists the modules its kernel ends up with.
    modules_file = work / "modules.json"
    probe = copy.deepcopy(brief)
    probe.cells.append(nbformat.v4.new_code_cell(
        f"import json as _j, sys as _s\n_j.dump(list(_s.modules), open({str(modules_file)!r}, 'w'))"))
    nbformat.write(probe, work / "sonde.ipynb")
    _papermill(work / "sonde.ipynb", work / "sonde_sortie.ipynb", parameters)
    loaded = json.loads(modules_file.read_text())
    third_party = [m for m in loaded if not m.startswith(("iae_impact", "__main__"))]

    # 2. The floor: the brief's import cell, then every other module the brief loads (no data, no work).
    imports = _import_cell(brief)
    floor = nbformat.v4.new_notebook(metadata=brief.metadata)
    floor.cells = [
        nbformat.v4.new_code_cell(imports),
        nbformat.v4.new_code_cell("import importlib\n"
                                  f"for _name in {third_party!r}:\n"
                                  "    try:\n        importlib.import_module(_name)\n"
                                  "    except Exception:\n        pass"),
    ]
    floor_path = OUT / "plancher.ipynb"
    nbformat.write(floor, floor_path)
    _papermill(floor_path, work / "plancher_sortie.ipynb")  # warm-up

    briefs, floors = [], []
    for i in range(repetitions):  # interleaved: both see the same state of the machine
        start = time.perf_counter()
        runner.execute(BRIEF, parameters, work / f"note_{i}.ipynb")
        briefs.append(time.perf_counter() - start)
        floors.append(_papermill(floor_path, work / f"plancher_{i}.ipynb"))
        say(f"  note {briefs[-1]:.2f} s, plancher {floors[-1]:.2f} s")
    # the import cell alone, for the record (the floor without the modules the brief imports later)
    cell_only = nbformat.v4.new_notebook(metadata=brief.metadata)
    cell_only.cells = [nbformat.v4.new_code_cell(imports)]
    nbformat.write(cell_only, work / "cellule_imports.ipynb")
    cell_times = [_papermill(work / "cellule_imports.ipynb", work / f"cellule_{i}.ipynb") for i in range(repetitions)]
    return {
        "brief_vs_floor": statistics.median(briefs) / statistics.median(floors),
        "note_s": briefs, "plancher_s": floors, "cellule_imports_seule_s": cell_times,
        "plancher_modules": len(third_party), "cellule_imports": imports,
    }


# --------------------------------------------------------------------------- batch efficiency


def measure_batch(repetitions: int, work: Path, multiplier: int = 1) -> dict:
    import yaml

    from iae_impact.run.batch import run_notes

    work.mkdir(parents=True, exist_ok=True)
    config = ROOT / "config" / "notes.yaml"
    if multiplier > 1:  # each brief of the demo K times, under its own id
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
        data["notes"] = [{**n, "id": f"{n['id']}-{k}"} for k in range(1, multiplier + 1) for n in data["notes"]]
        data["donnees"] = str(ROOT / data["donnees"])
        config = work / f"notes_x{multiplier}.yaml"
        config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cores = os.cpu_count() or 1
    times: dict[int, list[float]] = {1: [], cores: []}
    # What the ratio is made of: the briefs' own durations (their sum grows if they slow each other
    # down) and the time before the first brief starts (read + first context: serial).
    briefs: dict[int, list[float]] = {1: [], cores: []}
    first: dict[int, list[float]] = {1: [], cores: []}
    for i in range(repetitions):
        for jobs in (1, cores):
            wait_for_quiet(10)
            out = work / f"lot_{jobs}_{i}"
            start, began = time.perf_counter(), time.time()
            results = run_notes(config, out, jobs=jobs, say=lambda _m: None)
            times[jobs].append(time.perf_counter() - start)
            briefs[jobs].append(sum(r.secondes for r in results))
            first[jobs].append(min(r.debut for r in results) - began)
            failed = [r.id for r in results if not r.ok]
            if failed:
                raise RuntimeError(f"notes en échec : {failed}")
            say(f"  --jobs {jobs} : {times[jobs][-1]:.1f} s ({len(results)} notes)")
    one, many = statistics.median(times[1]), statistics.median(times[cores])
    return {"batch_efficiency": one / (cores * many), "jobs_1_s": times[1], f"jobs_{cores}_s": times[cores],
            "coeurs": cores, "somme_notes_jobs_1_s": briefs[1], f"somme_notes_jobs_{cores}_s": briefs[cores],
            "debut_premiere_note_jobs_1_s": first[1], f"debut_premiere_note_jobs_{cores}_s": first[cores]}


# --------------------------------------------------------------------------- one more brief, warm (issue 16)


def _demo_copies(work: Path, copies: int) -> Path:
    """config/notes.yaml with each brief ``copies`` times under its own id (a larger batch, same briefs)."""
    import yaml

    data = yaml.safe_load((ROOT / "config" / "notes.yaml").read_text(encoding="utf-8"))
    data["notes"] = [{**n, "id": f"{n['id']}-{k}"} for k in range(1, copies + 1) for n in data["notes"]]
    data["donnees"] = str((ROOT / "config" / data["donnees"]).resolve())  # relative to the config's folder
    path = work / f"notes_x{copies}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def measure_marginal(repetitions: int, work: Path, floors: list[float] | None = None) -> dict:
    """``brief_marginal_vs_floor``: see the module's docstring. ``floors``: the floor's times of the ``brief``
    part when it ran (else measured here)."""
    from iae_impact.run.batch import run_notes

    work.mkdir(parents=True, exist_ok=True)
    if not floors:
        floors = measure_brief(repetitions, work / "plancher")["plancher_s"]
    configs = {1: _demo_copies(work, 1), 2: _demo_copies(work, 2)}
    walls: dict[int, list[float]] = {1: [], 2: []}
    warm_briefs: list[float] = []
    fresh_briefs: list[float] = []
    for i in range(repetitions):
        for copies in (1, 2):
            wait_for_quiet(10)
            start = time.perf_counter()
            results = run_notes(configs[copies], work / f"chaud_x{copies}_{i}", jobs=1, say=lambda _m: None)
            walls[copies].append(time.perf_counter() - start)
            if not all(r.ok for r in results):
                raise RuntimeError(f"notes en échec : {[r.id for r in results if not r.ok]}")
            if copies == 2:  # one kernel ran them in turn: the first one pays for the first reset only
                by_start = sorted(results, key=lambda r: r.debut)
                warm_briefs += [r.secondes for r in by_start[1:]]
        wait_for_quiet(10)
        results = run_notes(configs[1], work / f"neufs_{i}", jobs=1, noyaux_neufs=True, say=lambda _m: None)
        fresh_briefs += [r.secondes for r in results]
        say(f"  lot x1 {walls[1][-1]:.1f} s, lot x2 {walls[2][-1]:.1f} s ; note chaude (médiane) "
            f"{statistics.median(warm_briefs):.2f} s, note sur noyau neuf {statistics.median(fresh_briefs):.2f} s")
    floor = statistics.median(floors)
    marginal = statistics.median(warm_briefs)
    per_brief_wall = (statistics.median(walls[2]) - statistics.median(walls[1])) / len(fresh_briefs) * repetitions
    return {"brief_marginal_vs_floor": marginal / floor,
            "marginal": {"note_chaude_mediane_s": marginal, "plancher_mediane_s": floor, "plancher_s": floors,
                         "notes_chaudes_s": warm_briefs, "notes_noyau_neuf_s": fresh_briefs,
                         "note_noyau_neuf_mediane_s": statistics.median(fresh_briefs),
                         "lot_x1_s": walls[1], "lot_x2_s": walls[2],
                         "note_de_plus_par_les_durees_totales_s": per_brief_wall,
                         "rapport_par_les_durees_totales": per_brief_wall / floor}}


def run_marginal(args: argparse.Namespace, results: dict, work: Path, load, save) -> None:
    """The ``marginal`` part of :func:`main`, when asked for."""
    if "marginal" not in args.parties:
        return
    load("marginal")
    say("Une note de plus dans un lot à noyau chaud, contre le plancher…")
    detail = measure_marginal(args.repetitions, work / "marginal",
                              results.get("brief", {}).get("plancher_s") if "brief" in args.parties else None)
    results["brief_marginal_vs_floor"] = detail.pop("brief_marginal_vs_floor")
    results.update(detail)
    save()


# --------------------------------------------------------------------------- make notes


def measure_make_notes() -> dict:
    start = time.perf_counter()
    done = subprocess.run(["make", "notes"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"make notes a échoué :\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return {"demo_notes_s": seconds}


# --------------------------------------------------------------------------- national


def _child(side: str, folder: Path, cube: Path | None = None) -> dict:
    """One side in its own process; its peak RSS comes from wait4 (resource usage of that child only)."""
    command = [sys.executable, str(HERE / "national.py"), side, str(folder), *([str(cube)] if cube else [])]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    if process.returncode != 0:
        raise RuntimeError(f"{side} : le processus a échoué (code {process.returncode})")
    info = json.loads(output.decode().strip().splitlines()[-1])
    info["pic_rss_go"] = usage.ru_maxrss * 1024 / 1e9  # Linux: kilobytes
    return info


def compare_cubes(ours_path: Path, duckdb_path: Path) -> dict:
    """Equal on every shared column? Counts exactly, hours and other floats to 1e-6 relative."""
    import numpy as np
    import pandas as pd

    ours = pd.read_parquet(ours_path)
    theirs = pd.read_parquet(duckdb_path)
    keys = ["annee", "site", "dispositif"]
    shared = [c for c in theirs.columns if c in ours.columns and c not in keys]
    merged = ours.merge(theirs, on=keys, how="outer", suffixes=("", "_duckdb"), indicator=True)
    differing = {}
    only = merged["_merge"].value_counts().to_dict()
    for column in shared:
        a = merged[column].to_numpy(dtype=float, na_value=np.nan)
        b = merged[f"{column}_duckdb"].to_numpy(dtype=float, na_value=np.nan)
        if column in ("heures", "etp", "duree_moyenne_parcours_mois") or column.startswith("taux_"):
            same = np.isclose(a, b, rtol=1e-6, atol=0.0, equal_nan=True)
        else:
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        if not same.all():
            differing[column] = int((~same).sum())
    return {"identique": not differing and only.get("left_only", 0) == 0 and only.get("right_only", 0) == 0,
            "colonnes_comparees": shared, "colonnes_differentes": differing, "lignes": len(merged),
            "lignes_seulement_iae_impact": int(only.get("left_only", 0)),
            "lignes_seulement_duckdb": int(only.get("right_only", 0))}


def measure_national(repetitions: int, work: Path, seed: int, n_parcours: int) -> dict:
    from generer_national import cache_folder

    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    folder = cache_folder(seed, n_parcours)
    if not (folder / "description.json").exists():
        # In its own process: a child forked from a parent holding gigabytes of generated data would
        # inherit that peak in its ru_maxrss (Linux keeps the pre-exec high-water mark).
        say(f"Génération des données nationales fictives (graine {seed}, ≈ 20 s) dans {folder}…")
        subprocess.run([sys.executable, str(HERE / "generer_national.py"), "--graine", str(seed),
                        "--parcours", str(n_parcours)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    generation = time.perf_counter() - start
    description = json.loads((folder / "description.json").read_text(encoding="utf-8"))
    # Warm-up, one run each (also the cubes compared), then interleaved timed runs.
    warm_ours = _child("ours", folder, work / "cube_iae_impact.parquet")
    warm_duck = _child("duckdb", folder, work / "cube_duckdb.parquet")
    say(f"  échauffement : iae-impact {warm_ours['secondes']:.2f} s, DuckDB {warm_duck['secondes']:.2f} s")
    comparison = compare_cubes(work / "cube_iae_impact.parquet", work / "cube_duckdb.parquet")
    # Besides the two compared sides, what the ratio is made of: DuckDB on one core, our chain without pseudonyms.
    sides = ("ours", "duckdb", "duckdb-1fil", "ours-sans-pseudonymes")
    runs: dict[str, list[dict]] = {side: [] for side in sides}
    for _ in range(repetitions):
        for side in sides:
            wait_for_quiet(10)
            runs[side].append(_child(side, folder))
        last = {side: runs[side][-1] for side in sides}
        say(f"  iae-impact {last['ours']['secondes']:.2f} s ({last['ours']['pic_rss_go']:.2f} Go), "
            f"DuckDB {last['duckdb']['secondes']:.2f} s ({last['duckdb']['pic_rss_go']:.2f} Go) ; "
            f"DuckDB sur 1 fil {last['duckdb-1fil']['secondes']:.2f} s, "
            f"iae-impact sans pseudonymisation {last['ours-sans-pseudonymes']['secondes']:.2f} s")
    seconds = {side: [r["secondes"] for r in runs[side]] for side in sides}
    median = {side: statistics.median(seconds[side]) for side in sides}
    ours, duck = runs["ours"], runs["duckdb"]
    return {
        "national_vs_duckdb": median["ours"] / median["duckdb"],
        "national_identical": comparison["identique"],
        "national_peak_rss_gb": max(r["pic_rss_go"] for r in [warm_ours, *ours]),
        "national": {
            "donnees": description, "dossier": str(folder.relative_to(ROOT)), "generation_s": generation,
            "iae_impact_s": seconds["ours"], "iae_impact_lecture_s": [r["lecture_s"] for r in ours],
            "iae_impact_calcul_s": [r["calcul_s"] for r in ours], "duckdb_s": seconds["duckdb"],
            "duckdb_fils": duck[0].get("fils_duckdb") if duck else None,
            "pic_rss_go_iae_impact": [r["pic_rss_go"] for r in [warm_ours, *ours]],
            "pic_rss_go_duckdb": [r["pic_rss_go"] for r in [warm_duck, *duck]],
            "duckdb_1fil_s": seconds["duckdb-1fil"],
            "iae_impact_sans_pseudonymisation_s": seconds["ours-sans-pseudonymes"],
            "rapport_contre_duckdb_1fil": median["ours"] / median["duckdb-1fil"],
            "rapport_sans_pseudonymisation": median["ours-sans-pseudonymes"] / median["duckdb"],
            "comparaison": comparison,
        },
    }


# --------------------------------------------------------------------------- network (issue 16)


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants, from /proc (no psutil)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = next((int(line.split()[1]) * 1024 for line in status.splitlines()
                                     if line.startswith("VmRSS:")), 0)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def _network_batch(config: Path, out: Path, jobs: int, scheduler: str | None = None) -> dict:
    """One batch in its own process; peak memory of its process tree sampled meanwhile."""
    import threading

    command = [sys.executable, str(HERE / "reseau.py"), str(config), str(out), str(jobs), *([scheduler] if scheduler
                                                                                           else [])]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    peak = [0]
    done = threading.Event()

    # On a Dask cluster the workers are this process's children, not the batch's: the whole tree is sampled.
    root = os.getpid() if scheduler else process.pid

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss(root))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, errors = process.communicate()
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"lot du réseau en échec (code {process.returncode}) :\n{errors.decode()[-2000:]}")
    info = json.loads(output.decode().strip().splitlines()[-1])
    info["pic_memoire_arbre_go"] = peak[0] / 1e9
    return info


def measure_network(work: Path, n_structures: int, seed: int, repetitions: int, dask: bool = True) -> dict:
    import shutil

    from generer_reseau import network

    folder = network(seed, n_structures, say=say)
    config = folder / "notes.yaml"
    cores = os.cpu_count() or 1
    runs: dict[str, list[dict]] = {"jobs_1": [], f"jobs_{cores}": [], "dask": []}
    cluster = None
    if dask:
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        for i in range(repetitions):
            for name, jobs, scheduler in ((f"jobs_{cores}", cores, None), ("jobs_1", 1, None),
                                          ("dask", cores, cluster.scheduler_address if cluster else None)):
                if name == "dask" and cluster is None:
                    continue
                wait_for_quiet(10)
                out = work / f"reseau_{name}_{i}"
                runs[name].append(_network_batch(config, out, jobs, scheduler))
                shutil.rmtree(out, ignore_errors=True)
                last = runs[name][-1]
                say(f"  {name} : {last['secondes']:.1f} s, {last['notes']} notes dont {last['echecs']} en échec, "
                    f"mémoire {last['pic_memoire_arbre_go']:.2f} Go")
    finally:
        if cluster is not None:
            cluster.close()
    seconds = {name: [r["secondes"] for r in rs] for name, rs in runs.items()}
    many, one = statistics.median(seconds[f"jobs_{cores}"]), statistics.median(seconds["jobs_1"])
    out = {"network_briefs_s": many, "network_batch_efficiency": one / (cores * many),
           "network_peak_rss_gb": max(r["pic_memoire_arbre_go"] for r in runs[f"jobs_{cores}"])}
    if runs["dask"]:
        out["network_dask_vs_pool"] = statistics.median(seconds["dask"]) / many
    out["reseau"] = {"structures": n_structures, "dossier": str(folder.relative_to(ROOT)), "coeurs": cores,
                     "description": json.loads((folder / "description.json").read_text(encoding="utf-8")),
                     **{f"{name}_s": v for name, v in seconds.items()}, "detail": runs}
    return out


def _network_part(args, work: Path) -> dict:
    """The keys of the network part: the target's keys for the 300-structure network, ``reseau_<N>`` (apart,
    not the targets' figures) for a smaller one (``--structures``)."""
    from generer_reseau import DEFAULT_SEED as NETWORK_SEED
    from generer_reseau import N_STRUCTURES

    n = args.structures or N_STRUCTURES
    say(f"Réseau fictif de {n} structures : une note par structure, --jobs N, --jobs 1, grappe Dask…")
    detail = measure_network(work / "reseau", n, args.graine or NETWORK_SEED, args.repetitions_reseau,
                             dask=not args.sans_dask)
    if n == N_STRUCTURES:
        return detail
    return {f"reseau_{n}": detail}


# --------------------------------------------------------------------------- main


def _busy(seconds: float = 1.0) -> float | None:
    """Share of the CPU time used by the whole machine over ``seconds`` (this process is idle meanwhile)."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_for_quiet(limit_s: float = 30.0, threshold: float = 0.25) -> dict:
    """Wait (at most ``limit_s``) until other work on the machine uses less than ``threshold`` of the CPU:
    the timings of a shared machine are otherwise those of the other jobs."""
    start = time.perf_counter()
    busy = _busy()
    while busy is not None and busy > threshold and time.perf_counter() - start < limit_s:
        busy = _busy(2.0)
    return {"attente_s": round(time.perf_counter() - start, 1), "cpu_occupe_autres": None if busy is None
            else round(busy, 2), "charge": [round(x, 2) for x in os.getloadavg()]}


def _verdict(key: str, value) -> str:
    op, target = TARGETS[key]
    ok = {"<=": lambda: value <= target, ">=": lambda: value >= target, "==": lambda: value == target}[op]()
    return f"{'atteint' if ok else 'NON atteint'} (cible {op} {target})"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Banc d'essai de l'issue 6 : mesures dans reports/bench/resultats.json")
    parts = ["brief", "lot", "notes", "national", "marginal", "reseau"]
    parser.add_argument("--parties", nargs="+", default=parts, choices=parts)
    parser.add_argument("--seulement", choices=parts, default=None, help="une seule partie (ex. : reseau)")
    parser.add_argument("--structures", type=int, default=None, help="taille du réseau (300) ; plus petit pour essayer")
    parser.add_argument("--repetitions-reseau", type=int, default=1)
    parser.add_argument("--sans-dask", action="store_true", help="réseau : pas de mesure sur une grappe Dask locale")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--repetitions-lot", type=int, default=3)
    parser.add_argument("--multiplier-lot", type=int, default=1,
                        help="chaque note du lot K fois (K > 1 : mesure à part, clé lot_xK, hors cible)")
    parser.add_argument("--graine", type=int, default=None)
    parser.add_argument("--parcours", type=int, default=None, help="taille du fichier national (1 000 000)")
    args = parser.parse_args(argv)
    if args.seulement:
        args.parties = [args.seulement]
    return args


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)

    from generer_national import DEFAULT_SEED, N_PARCOURS

    from iae_impact.base.threads import pin_blas_threads

    pin_blas_threads()  # the children (national sides, notebooks) inherit it
    started = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "resultats.json"
    results: dict = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    results.update({"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
                    "commande": "make bench"})
    results["charge_systeme"] = {}  # other work on the machine before each part (and the wait for it to stop)

    def load(part: str) -> None:
        results["charge_systeme"][part] = wait_for_quiet() if part != "fin" else [round(x, 2)
                                                                                   for x in os.getloadavg()]

    def save() -> None:  # after each part: an interrupted run keeps what it measured
        results["duree_totale_s"] = time.perf_counter() - started
        results["cibles"] = {key: _verdict(key, results[key]) for key in TARGETS if key in results}
        path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="iae-bench-") as tmp:
        work = Path(tmp)
        if "brief" in args.parties:
            load("brief")
            say("Note seule contre plancher (papermill)…")
            detail = measure_brief(args.repetitions, work / "brief")
            results["brief_vs_floor"] = detail.pop("brief_vs_floor")
            results["brief"] = detail
            save()
        if "lot" in args.parties:
            load("lot")
            say("Lot de notes de la démonstration, --jobs 1 puis --jobs N…")
            detail = measure_batch(args.repetitions_lot, work / "lot", args.multiplier_lot)
            if args.multiplier_lot == 1:
                results["batch_efficiency"] = detail.pop("batch_efficiency")
                results["lot"] = detail
            else:  # a larger batch: how the serial share amortises (not the target's figure)
                results[f"lot_x{args.multiplier_lot}"] = detail
            save()
        if "notes" in args.parties:
            load("notes")
            say("make notes…")
            results.update(measure_make_notes())
            save()
        if "national" in args.parties:
            load("national")
            say("Fichier national fictif : iae-impact contre DuckDB…")
            detail = measure_national(args.repetitions, work / "national", args.graine or DEFAULT_SEED,
                                      args.parcours or N_PARCOURS)
            results.update({k: detail[k] for k in ("national_vs_duckdb", "national_identical",
                                                   "national_peak_rss_gb")})
            results["national"] = detail["national"]
        run_marginal(args, results, work, load, save)
        if "reseau" in args.parties:
            load("reseau")
            results.update(_network_part(args, work))
            save()
    load("fin")
    save()
    _print_summary(results, path)
    return 0


def _print_summary(results: dict, path: Path) -> None:
    for key in TARGETS:
        if key in results:
            value = results[key]
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"{key} = {shown}   {results['cibles'][key]}")
    print(f"(détails : {path.relative_to(ROOT)} ; {results['duree_totale_s']:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
