"""Batch of advocacy briefs: validate every entry, compute once, render many, publish atomically.

One code path for every executor: a local process pool by default, or a Dask cluster when a
scheduler address is given, both used through the ``concurrent.futures`` interface
(:mod:`.executors`). Working data (contexts with unmasked counts, briefs being built) live in the
run's private folder (:mod:`.workarea`), never under ``--out``; the parent alone publishes into
``--out`` (:mod:`.publish`), each brief at once, and only over what iae-impact wrote there. Each
worker runs its briefs on one warm kernel (:mod:`.warm`) unless ``noyaux_neufs``; the progress shown
depends on the batch's size and on the output being a terminal (:mod:`.progress`).
"""

from __future__ import annotations

import datetime as dt
import platform
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..analysis.release import nested_perimeters
from ..base.outputs import EspaceDisqueInsuffisant, disk_full_message, is_disk_full, write_atomic_text, write_json
from ..base.paths import PROJECT_ROOT, resolve
from ..data.ingest import read_dataset
from ..data.model import Dataset
from ..data.selection import known_names
from ..report.context import ReleaseInputs, perimeter_years, prepare_context, save_context
from ..report.export import html_to_pdf, notebook_to_html
from ..report.text_disclosure import nested_warning
from .executors import make_executor, worker_count
from .network import expand_notes
from .notes_config import NoteEntry, NotesConfig, load_config
from .params import validate_parameters
from .progress import Progress
from .publish import OutputFolder, interrupt_deferred, single_interrupt
from .runner import execute, publishable_notebook
from .warm import NoyauIndisponible, close_kernels, execute_warm, kernel_for_this_thread, replace_kernel
from .workarea import run_folder

NOTEBOOK = "10_note_elus"
DEFAULT_CONFIG = "config/notes.yaml"
DEFAULT_OUT = "reports/notes"
KERNEL_TIMEOUT_S = 600
VERSIONED_PACKAGES = ("iae-impact", "pandas", "numpy", "pandera", "statsmodels", "matplotlib", "seaborn",
                      "papermill", "nbconvert", "weasyprint", "babel", "pydantic")
#: A brief is two A4 pages at most: a longer one fails (README « Notes de plaidoyer »).
MAX_PAGES = 2


@dataclass
class NoteResult:
    id: str
    ok: bool
    secondes: float
    message: str = ""
    pages: int | None = None
    debut: float = 0.0  # time.time() when the worker started the brief (timelines of a batch)


class RepriseEchouee(Exception):
    """A brief whose warm kernel died or timed out, failed again on a new kernel."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class NoteTropLongue(Exception):
    """The brief's PDF has more than :data:`MAX_PAGES` pages."""

    def __init__(self, pages: int) -> None:
        super().__init__(f"la note fait {pages} pages, {MAX_PAGES} au plus : raccourcissez les demandes (ou le titre) "
                         "dans la configuration")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def git_revision() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def shown_path(path: str | Path) -> str:
    """A data path as published: relative to the project when inside it, else the file's name only."""
    full = resolve(path)
    try:
        return full.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return full.name


def _failure_message(exc: BaseException) -> str:
    """What went wrong, in French, naming the failing cell when there is one."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, RepriseEchouee):
        return _failure_message(exc.cause) + " (la note a été relancée une fois sur un nouveau noyau)"
    if isinstance(exc, NoyauIndisponible):
        return f"noyau du carnet indisponible : {exc}"
    if isinstance(exc, PapermillExecutionError):
        return f"cellule {exc.exec_count} : {exc.ename} : {exc.evalue}"
    if isinstance(exc, DeadKernelError):
        return "le noyau du carnet s'est arrêté brutalement (mémoire insuffisante ou arrêt forcé)"
    if isinstance(exc, BrokenProcessPool):
        return "le processus qui produisait la note s'est arrêté brutalement (mémoire insuffisante ou arrêt forcé)"
    if isinstance(exc, CellTimeoutError | TimeoutError):
        return f"délai dépassé : une cellule a duré plus de {KERNEL_TIMEOUT_S} s"
    if isinstance(exc, NoteTropLongue | EspaceDisqueInsuffisant):  # already in French
        return str(exc)
    if is_disk_full(exc):
        return disk_full_message(getattr(exc, "filename", None) or "la note", exc)
    return f"{type(exc).__name__} : {exc}"


def render_note(parameters: dict, published: dict, built_dir: str, run_info: dict,
                noyau_chaud: bool = True) -> NoteResult:
    """Execute one brief into ``built_dir`` (in the run's work area), export HTML and PDF, write run.json.

    Runs in a worker process (pool or Dask): only plain arguments, everything imported here. The
    parent publishes the folder. ``published``: the parameters as the brief records them, without
    any private path. On failure ``built_dir`` is removed. ``noyau_chaud``: on the worker's warm kernel
    (:mod:`.warm`), else in a kernel of its own.
    """
    start, began = time.perf_counter(), time.time()
    built = Path(built_dir)
    note_id = parameters["id_note"]
    try:
        validated = validate_parameters(NOTEBOOK, parameters)
        notebook = built / "note.ipynb"
        _execute(validated.model_dump(), notebook, noyau_chaud)
        publishable_notebook(notebook, NOTEBOOK, published, _private_paths(parameters, published))
        page = notebook_to_html(notebook, title=run_info["titre"])
        write_atomic_text(built / "note.html", page)
        pages = html_to_pdf(page, built / "note.pdf")
        if pages > MAX_PAGES:
            raise NoteTropLongue(pages)
        write_json(built / "run.json", {**run_info, "parametres": published, "pages_pdf": pages,
                                        "duree_s": round(time.perf_counter() - start, 2)})
        return NoteResult(note_id, True, time.perf_counter() - start, pages=pages, debut=began)
    except BaseException as exc:  # noqa: BLE001 - one failed brief must not stop the others
        shutil.rmtree(built, ignore_errors=True)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return NoteResult(note_id, False, time.perf_counter() - start, _failure_message(exc), debut=began)


def _execute(parameters: dict, notebook: Path, warm: bool) -> None:
    """The brief's notebook, in a fresh kernel or on this worker's warm kernel. A warm kernel that dies,
    times out or cannot be reset is replaced and the brief run once more on the new one."""
    if not warm:
        execute(NOTEBOOK, parameters, notebook, timeout=KERNEL_TIMEOUT_S)
        return
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    for attempt in (1, 2):
        try:
            execute_warm(NOTEBOOK, parameters, notebook, kernel_for_this_thread(NOTEBOOK), KERNEL_TIMEOUT_S)
            return
        except (DeadKernelError, CellTimeoutError, NoyauIndisponible) as exc:
            replace_kernel()
            if attempt == 2:
                raise RepriseEchouee(exc) from exc


def _private_paths(parameters: dict, published: dict) -> dict[str, str]:
    """Absolute paths a published brief must not name, and what it says instead."""
    built = Path(parameters["sortie"])
    return {str(built): ".", parameters["contexte"]: "contexte", str(built.parents[1]): "travail",
            str(resolve(parameters["donnees"])): published["donnees"], str(PROJECT_ROOT): ".",
            str(Path.home()): "~"}


def check_against_data(config: NotesConfig, dataset: Dataset) -> None:
    """Every perimeter exists in the data and has activity in its brief's year; ValueError listing
    every brief that does not, before anything runs."""
    p = dataset.parcours
    structures, sites = set(p["structure"]), set(p["site"])
    years: dict[tuple, list[int]] = {}  # perimeter -> years with indicators (as the brief computes them)
    problems = []
    for n in config.notes:
        of = set(p.loc[p["structure"].eq(n.structure), "site"]) if n.structure else sites
        unknown = sorted(set(n.sites or []) - of)
        if n.structure and n.structure not in structures:
            problems.append(f"note « {n.id} » : structure inconnue dans les données : {n.structure} "
                            f"({known_names('structures', structures)})")
        elif unknown:
            problems.append(f"note « {n.id} » : site(s) inconnu(s) dans les données : {', '.join(unknown)} "
                            f"({known_names('sites' + (' de cette structure' if n.structure else ''), of)})")
        else:
            key = (n.structure, tuple(n.sites or ()))
            if key not in years:
                years[key] = perimeter_years(dataset, n.structure, n.sites)
            if n.annee not in years[key]:
                known = ", ".join(map(str, years[key])) or "aucune"
                problems.append(f"note « {n.id} » : aucune activité en {n.annee} sur ce périmètre "
                                f"(années disponibles : {known})")
    if problems:
        raise ValueError("configuration incohérente avec les données (aucune note n'a été lancée) :\n- "
                         + "\n- ".join(problems))


def _read_data(config: NotesConfig, say, before: str = "") -> Dataset:
    """The batch's data, read once and checked against its written briefs (``before``: what the line says first)."""
    say(f"{before}lecture des données {config.donnees}…")
    dataset = read_dataset(config.donnees)
    check_against_data(config, dataset)
    return dataset


def run_notes(config_path: str | Path = DEFAULT_CONFIG, out: str | Path = DEFAULT_OUT, jobs: int | None = None,
              scheduler: str | None = None, say: Callable[[str], None] = print,
              executor: Executor | None = None, remplacer: bool = False,
              noyaux_neufs: bool = False) -> list[NoteResult]:
    """Run every brief of the configuration; returns one result per brief (failures included).

    Checked before anything runs: the configuration, what ``out`` holds (only what iae-impact wrote is
    replaced, unless ``remplacer``), ``jobs``, then, holding ``out``'s lock (a second run on it is refused at
    once), the perimeters and years against the data. Each worker keeps one warm kernel for its briefs
    (:mod:`.warm`) unless ``noyaux_neufs`` (one fresh kernel per brief).
    """
    config = load_config(config_path)
    dataset = None
    if config.generer:  # a network's briefs come from the data: read them first (once), then expand
        dataset = _read_data(config, say)  # the written briefs checked; the generated ones as generated
        config, said = expand_notes(config, dataset)
        for line in said:
            say(line)
    ids = [n.id for n in config.notes]
    target = OutputFolder(resolve(out), remplacer=remplacer)
    for replaced in target.check(ids):
        say(f"remplacé (--remplacer) : {replaced}")
    workers = worker_count(jobs, len(config.notes))
    warm = None if noyaux_neufs else NOTEBOOK
    # The workers start right after the lock (a scheduler that cannot be reached fails there, before the data
    # are read): they warm up, kernels included, while the parent reads the data and computes the contexts.
    # The work area is entered before them and left after they stopped: nothing writes there once it goes.
    try:
        with (single_interrupt(), target.locked(), run_folder() as work,
              make_executor(workers, scheduler, warm) if executor is None else _borrowed(executor) as pool):
            if dataset is None:  # already read when the configuration generates its briefs from the data
                dataset = _read_data(config, say, f"{len(config.notes)} note(s) à produire ; ")
            else:
                say(f"{len(config.notes)} note(s) à produire")
            # What every brief shares, computed once, with the masks of the whole release (briefs and standard
            # tables linked)
            release = ReleaseInputs.of(dataset, seuil=config.seuil_secret,
                                       briefs=[(n.structure, n.sites, n.annee) for n in config.notes],
                                       regle=config.regle_sorties)
            perimeters = {n.id: (n.structure, n.sites) for n in config.notes}
            for warning in nested_warning(nested_perimeters(release.masks, perimeters)):
                say(warning)
            run_info = {"genere_le": dt.datetime.now().isoformat(timespec="seconds"),
                        "donnees": shown_path(config.donnees), "empreintes_donnees": dataset.empreintes,
                        "empreinte_donnees": dataset.empreinte, "versions": package_versions(),
                        "revision_git": git_revision(), "seuil_secret": config.seuil_secret,
                        "noyau_chaud": warm is not None}
            target.prepare(ids)
            results = _produce(config, release, run_info, work, pool, target, say)
            target.write_index(_index_entries(config, results))
    finally:
        close_kernels()  # those of this process's threads (a thread pool, an in-process Dask cluster)
    return results


def _produce(config: NotesConfig, release: ReleaseInputs, run_info: dict, work: Path, pool: Executor,
             target: OutputFolder, say: Callable[[str], None]) -> list[NoteResult]:
    """Submit each brief as soon as its context is saved (the parent's share overlaps the briefs), publish
    each one as it completes (also while the later contexts are computed), and show the progress. An
    interruption stops everything: nothing more is published."""
    results: list[NoteResult] = []
    progress = Progress(len(config.notes), say)

    def done(res: NoteResult) -> None:
        results.append(res)
        progress.done(f"  {res.id} : " + (f"{res.secondes:.1f} s, {res.pages} page(s)" if res.ok
                                           else f"ÉCHEC — {res.message}"), res.ok)

    def publish(finished: list[Future]) -> None:
        for fut in finished:
            with interrupt_deferred():  # a brief published is a brief reported
                done(_published(_outcome(fut, futures.pop(fut)), work, target))

    futures: dict[Future, str] = {}
    try:
        for n in config.notes:
            submitted = _submit(pool, n, config, release, run_info, work)
            if isinstance(submitted, NoteResult):
                done(submitted)
            else:
                futures[submitted] = n.id
            publish([f for f in futures if f.done()])
        while futures:
            publish(list(wait(futures, return_when=FIRST_COMPLETED).done))
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    finally:
        progress.close()
    order = {n.id: i for i, n in enumerate(config.notes)}
    return sorted(results, key=lambda r: order[r.id])


def _submit(pool: Executor, n: NoteEntry, config: NotesConfig, release: ReleaseInputs, run_info: dict,
            work: Path) -> Future | NoteResult:
    """Compute the brief's context (unmasked: in the work area) and submit the brief; a failure is its result."""
    try:
        context = save_context(prepare_context(release, n.structure, n.sites, annee=n.annee,
                                               seuil=config.seuil_secret), work / "contextes" / n.id)
    except Exception as exc:  # noqa: BLE001 - one brief whose figures fail must not stop the others
        return NoteResult(n.id, False, 0.0, "calcul des chiffres de la note impossible — " + _failure_message(exc),
                          debut=time.time())
    built = work / "notes" / n.id
    built.mkdir(parents=True)
    common = {"id_note": n.id, "annee": n.annee, "structure": n.structure, "sites": n.sites,
              "destinataire": n.destinataire.model_dump(), "demandes": n.demandes,
              "seuil_secret": config.seuil_secret, "regle": release.regle}
    parameters = {**common, "donnees": config.donnees, "contexte": str(context), "sortie": str(built)}
    published = {**common, "donnees": run_info["donnees"], "contexte": None, "sortie": "."}
    try:
        return pool.submit(render_note, parameters, published, str(built), {**run_info, "titre": n.titre or _title(n)},
                           run_info["noyau_chaud"])
    except BrokenProcessPool as exc:  # a worker was killed (out of memory): the pool takes nothing more
        return NoteResult(n.id, False, 0.0, _failure_message(exc), debut=time.time())


def _outcome(fut: Future, note_id: str) -> NoteResult:
    """A finished brief's result; a worker lost on the way (killed, out of memory) fails its brief."""
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001 - reported as the brief's failure
        return NoteResult(note_id, False, 0.0, _failure_message(exc))


def _published(res: NoteResult, work: Path, target: OutputFolder) -> NoteResult:
    """Publish a rendered brief into ``--out``; a brief that cannot be published is a failed one."""
    if not res.ok:
        return res
    try:
        target.publish(work / "notes" / res.id, res.id)
    except (OSError, ValueError) as exc:
        return NoteResult(res.id, False, res.secondes, "publication impossible — " + _failure_message(exc),
                          debut=res.debut)
    return res


def _index_entries(config: NotesConfig, results: list[NoteResult]) -> list[dict]:
    by_id = {n.id: n for n in config.notes}
    entries = []
    for r in results:
        n = by_id[r.id]
        entries.append({
            "id": r.id, "titre": n.titre or _title(n),
            "perimetre": ", ".join(x for x in (n.structure, ", ".join(n.sites or [])) if x),
            "annee": n.annee,
            "destinataire": ", ".join(x for x in (n.destinataire.nom, n.destinataire.qualite) if x),
            "statut": "ok" if r.ok else "échec", "message": r.message,
        })
    return entries


@contextmanager
def _borrowed(executor: Executor) -> Iterator[Executor]:
    yield executor


def _title(n: NoteEntry) -> str:
    where = ", ".join(n.sites) if n.sites else n.structure
    return f"Insertion par l'activité économique — {where} — {n.annee}"
