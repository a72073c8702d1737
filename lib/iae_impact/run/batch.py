"""Batch of advocacy briefs: validate every entry, compute once, render many, publish atomically.

One code path for every executor: a local process pool by default, or a Dask cluster when a
scheduler address is given (``distributed.Client(address).get_executor()``), both used through
the ``concurrent.futures`` interface.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..analysis.release import nested_perimeters
from ..base.outputs import write_json
from ..base.paths import PROJECT_ROOT, resolve
from ..data.ingest import read_dataset
from ..report.context import ReleaseInputs, prepare_context, save_context
from ..report.export import html_to_pdf, notebook_to_html, write_index
from ..report.text_disclosure import nested_warning
from ..rules.calendar import YEAR_MAX, YEAR_MIN
from ..rules.secrecy import DEFAULT_THRESHOLD
from .params import Destinataire, french_error, validate_parameters
from .runner import execute

NOTEBOOK = "10_note_elus"
DEFAULT_CONFIG = "config/notes.yaml"
DEFAULT_OUT = "reports/notes"
KERNEL_TIMEOUT_S = 600
VERSIONED_PACKAGES = ("iae-impact", "pandas", "numpy", "pandera", "statsmodels", "matplotlib", "seaborn",
                      "papermill", "nbconvert", "weasyprint", "babel", "pydantic")


class NoteEntry(BaseModel):
    """One brief of ``config/notes.yaml``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", description="Nom du dossier de la note.")
    annee: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX)
    destinataire: Destinataire
    demandes: list[str] = Field(..., min_length=1)
    structure: str | None = None
    sites: list[str] | None = None
    titre: str | None = None

    @model_validator(mode="after")
    def _perimeter(self) -> NoteEntry:
        if not self.structure and not self.sites:
            raise ValueError("indiquez un périmètre : « structure » et/ou « sites »")
        return self


class NotesConfig(BaseModel):
    """The whole batch: where the data are, the disclosure threshold, the briefs."""

    model_config = ConfigDict(extra="forbid")

    donnees: str
    seuil_secret: int = Field(DEFAULT_THRESHOLD, ge=1, le=100)
    notes: list[NoteEntry] = Field(..., min_length=1)

    @field_validator("notes")
    @classmethod
    def _unique_ids(cls, notes: list[NoteEntry]) -> list[NoteEntry]:
        seen: set[str] = set()
        for n in notes:
            if n.id in seen:
                raise ValueError(f"identifiant de note en double : {n.id}")
            seen.add(n.id)
        return notes


def load_config(path: str | Path) -> NotesConfig:
    """Read and validate the batch configuration; ValueError with every problem in French."""
    path = resolve(path)
    if not path.exists():
        raise ValueError(f"fichier de configuration introuvable : {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path.name} n'est pas un YAML valide : {exc}") from None
    try:
        return NotesConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            loc = e["loc"]
            where = f"note n° {loc[1] + 1}" if len(loc) > 1 and loc[0] == "notes" and isinstance(loc[1], int) else ""
            field = ".".join(str(x) for x in loc[2:] if not isinstance(x, int)) if where else ".".join(map(str, loc))
            problems.append(" ".join(x for x in (where, field) if x) + f" : {french_error(e, 'champ inconnu')}")
        raise ValueError(f"configuration {path.name} invalide :\n- " + "\n- ".join(problems)) from None


@dataclass
class NoteResult:
    id: str
    ok: bool
    secondes: float
    message: str = ""
    pages: int | None = None
    debut: float = 0.0  # time.time() when the worker started the brief (timelines of a batch)


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


def _failure_message(exc: BaseException) -> str:
    """What went wrong, in French, naming the failing cell when there is one."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cellule {exc.exec_count} : {exc.ename} : {exc.evalue}"
    if isinstance(exc, DeadKernelError):
        return "le noyau du carnet s'est arrêté brutalement (mémoire insuffisante ou arrêt forcé)"
    if isinstance(exc, CellTimeoutError | TimeoutError):
        return f"délai dépassé : une cellule a duré plus de {KERNEL_TIMEOUT_S} s"
    return f"{type(exc).__name__} : {exc}"


def render_note(parameters: dict, work_dir: str, final_dir: str, run_info: dict) -> NoteResult:
    """Execute one brief in ``work_dir``, export HTML and PDF, then move it to ``final_dir`` at once.

    Runs in a worker process (pool or Dask): only plain arguments, everything imported here.
    On failure ``work_dir`` is removed and ``final_dir`` keeps what it had.
    """
    start, began = time.perf_counter(), time.time()
    work, final = Path(work_dir), Path(final_dir)
    note_id = parameters["id_note"]
    try:
        validated = validate_parameters(NOTEBOOK, parameters)
        execute(NOTEBOOK, validated.model_dump(), work / "note.ipynb", timeout=KERNEL_TIMEOUT_S)
        title = run_info.get("titre") or f"Note {note_id}"
        page = notebook_to_html(work / "note.ipynb", title=title)
        (work / "note.html").write_text(page, encoding="utf-8")
        pages = html_to_pdf(page, work / "note.pdf")
        write_json(work / "run.json", {**run_info, "parametres": validated.model_dump(), "pages_pdf": pages,
                                       "duree_s": round(time.perf_counter() - start, 2)})
        _publish(work, final)
        return NoteResult(note_id, True, time.perf_counter() - start, pages=pages, debut=began)
    except BaseException as exc:  # noqa: BLE001 - one failed brief must not stop the others
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return NoteResult(note_id, False, time.perf_counter() - start, _failure_message(exc), debut=began)


def _publish(work: Path, final: Path) -> None:
    """Swap ``work`` into place: the old brief disappears only once the new one is complete."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.ancien-{os.getpid()}")
        os.replace(final, old)
    os.replace(work, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def make_executor(jobs: int, scheduler: str | None):
    """A local process pool, or the executor of a Dask cluster: the same interface for both."""
    if scheduler:
        from distributed import Client

        client = Client(scheduler)
        try:
            yield client.get_executor()
        finally:
            client.close()
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_warm_worker) as pool:
            pool.submit(os.getpid)  # starts the workers now: they warm up while the parent prepares the briefs
            yield pool


def _warm_worker() -> None:
    """Pool initializer: load what a brief's export needs (papermill, nbconvert, WeasyPrint and its
    fonts, about 1.5 s) while the parent computes the contexts, rather than on each worker's first brief.

    A warm-up only: whatever fails here fails again, and is reported, in the brief itself.
    """
    import nbformat
    import papermill  # noqa: F401 - loaded for the first brief

    try:
        with tempfile.TemporaryDirectory(prefix="iae-prechauffage-") as tmp:
            notebook = Path(tmp) / "prechauffage.ipynb"
            nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Préchauffage")]), notebook)
            html_to_pdf(notebook_to_html(notebook, title="Préchauffage"), Path(tmp) / "prechauffage.pdf")
    except Exception:  # noqa: BLE001, S110 - see the docstring
        pass


def _check_perimeters(config: NotesConfig, dataset) -> list[str]:
    p = dataset.parcours
    problems = []
    for n in config.notes:
        if n.structure and n.structure not in set(p["structure"]):
            problems.append(f"note « {n.id} » : structure inconnue dans les données : {n.structure}")
        unknown = sorted(set(n.sites or []) - set(p["site"]))
        if unknown:
            problems.append(f"note « {n.id} » : site(s) inconnu(s) dans les données : {', '.join(unknown)}")
    return problems


def run_notes(config_path: str | Path = DEFAULT_CONFIG, out: str | Path = DEFAULT_OUT, jobs: int | None = None,
              scheduler: str | None = None, say: Callable[[str], None] = print,
              executor: Executor | None = None) -> list[NoteResult]:
    """Run every brief of the configuration; returns one result per brief (failures included)."""
    from tqdm import tqdm

    config = load_config(config_path)
    out = resolve(out)
    say(f"{len(config.notes)} note(s) à produire ; lecture des données {config.donnees}…")
    dataset = read_dataset(config.donnees)  # once for the whole batch
    problems = _check_perimeters(config, dataset)
    if problems:
        raise ValueError("configuration incohérente avec les données :\n- " + "\n- ".join(problems))
    out.mkdir(parents=True, exist_ok=True)
    # What every brief shares, computed once, with the masks of the whole release (briefs and standard tables linked)
    release = ReleaseInputs.of(dataset, seuil=config.seuil_secret, briefs=[(n.structure, n.sites) for n in config.notes])
    for warning in nested_warning(nested_perimeters(release.masks, {n.id: (n.structure, n.sites) for n in config.notes})):
        say(warning)
    run_info = {"genere_le": dt.datetime.now().isoformat(timespec="seconds"), "empreintes_donnees":
                dataset.empreintes, "empreinte_donnees": dataset.empreinte, "versions": package_versions(),
                "revision_git": git_revision(), "seuil_secret": config.seuil_secret}
    jobs = jobs or os.cpu_count() or 1
    works: list[Path] = []  # each brief's temporary folder, removed whatever happens
    results: list[NoteResult] = []

    def done(res: NoteResult) -> None:
        results.append(res)
        say(f"  {res.id} : " + (f"{res.secondes:.1f} s, {res.pages} page(s)" if res.ok else f"ÉCHEC — {res.message}"))
    # Compute once, in the parent: each brief only reads its context. Contexts hold unmasked counts:
    # they live beside the briefs only for the run, never inside a published folder.
    calculs = Path(tempfile.mkdtemp(prefix=".calculs-", dir=out))
    try:
        # The pool starts (kernels, imports) while the contexts are computed, and each brief is submitted
        # as soon as its context is saved: the parent's share of the work overlaps the briefs.
        with (make_executor(jobs, scheduler) if executor is None else _borrowed(executor)) as pool:
            futures = []
            try:
                for n in config.notes:
                    work = Path(tempfile.mkdtemp(prefix=f".{n.id}.tmp-", dir=out))
                    works.append(work)
                    try:
                        context = save_context(prepare_context(release, n.structure, n.sites, annee=n.annee,
                                                               seuil=config.seuil_secret), calculs / n.id)
                    except Exception as exc:  # noqa: BLE001 - one brief whose figures fail must not stop the others
                        shutil.rmtree(work, ignore_errors=True)
                        done(NoteResult(n.id, False, 0.0, "calcul des chiffres de la note impossible — "
                                        + _failure_message(exc), debut=time.time()))
                        continue
                    params = {"donnees": config.donnees, "contexte": str(context), "sortie": str(work),
                              "id_note": n.id, "annee": n.annee, "structure": n.structure, "sites": n.sites,
                              "destinataire": n.destinataire.model_dump(), "demandes": n.demandes,
                              "seuil_secret": config.seuil_secret}
                    futures.append(pool.submit(render_note, params, str(work), str(out / n.id),
                                               {**run_info, "titre": n.titre or _title(n)}))
                with tqdm(total=len(futures), desc="Notes", unit="note", file=sys.stderr,
                          disable=not sys.stderr.isatty()) as bar:
                    for fut in as_completed(futures):
                        done(fut.result())
                        bar.update()
            except BaseException:  # interrupted: briefs not started are dropped (running ones finish or clean up)
                for fut in futures:
                    fut.cancel()
                raise
    finally:
        for work in works:  # an interrupted run leaves no half-written brief
            shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(calculs, ignore_errors=True)
    order = {n.id: i for i, n in enumerate(config.notes)}
    results.sort(key=lambda r: order[r.id])
    by_id = {n.id: n for n in config.notes}
    write_index(out, [{
        "id": r.id, "titre": by_id[r.id].titre or _title(by_id[r.id]),
        "perimetre": ", ".join(x for x in (by_id[r.id].structure, ", ".join(by_id[r.id].sites or [])) if x),
        "annee": by_id[r.id].annee,
        "destinataire": ", ".join(x for x in (by_id[r.id].destinataire.nom, by_id[r.id].destinataire.qualite) if x),
        "statut": "ok" if r.ok else "échec", "message": r.message,
    } for r in results])
    return results


@contextmanager
def _borrowed(executor: Executor):
    yield executor


def _title(n: NoteEntry) -> str:
    where = ", ".join(n.sites) if n.sites else n.structure
    return f"Insertion par l'activité économique — {where} — {n.annee}"
