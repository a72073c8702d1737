"""Where the briefs of a batch run: local worker processes, or a Dask cluster — one interface
(``concurrent.futures``).

Local workers never act on Ctrl-C themselves (it reaches the whole process group): the parent
decides. When the batch stops early (Ctrl-C, an error), the parent cancels what has not started and
terminates the workers; a terminated worker kills the kernel it started before exiting, so that
nothing goes on computing or writing. A worker whose parent disappears (killed outright, out of
memory) stops the same way within a second.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from ..report.export import html_to_pdf, notebook_to_html
from .runner import kill_kernels
from .warm import replace_kernel, start_kernel

#: How long to wait for a Dask scheduler before saying it cannot be reached.
SCHEDULER_TIMEOUT_S = 10
#: How often a worker checks that its parent is still there.
PARENT_POLL_S = 0.5


def worker_count(jobs: int | None, notes: int) -> int:
    """Workers to start: ``jobs`` (default: one per core), never more than there are briefs."""
    if jobs is not None and jobs < 1:
        raise ValueError(f"--jobs {jobs} : le nombre de noyaux en parallèle doit être au moins 1")
    return max(1, min(jobs or os.cpu_count() or 1, notes))


@contextmanager
def make_executor(jobs: int, scheduler: str | None, warm: str | None = None) -> Iterator[Executor]:
    """A local process pool, or the executor of a Dask cluster; stopped at once if the block fails.

    ``warm``: the notebook whose kernel each local worker starts and keeps warm during its warm-up (a Dask
    worker starts its own with its first brief).
    """
    if scheduler:
        client = _connect(scheduler)
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker,
                               initargs=(os.getpid(), warm))
    try:
        pool.submit(os.getpid)  # starts the workers now: they warm up while the parent prepares the briefs
        yield pool
    except BaseException:
        terminate(pool)
        raise
    finally:
        pool.shutdown(wait=True)


def _connect(address: str):
    from distributed import Client  # heavy: only for a cluster

    try:
        return Client(address, timeout=SCHEDULER_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - an unreachable or malformed address fails in many ways: one message
        raise ValueError(f"ordonnanceur Dask injoignable à l'adresse {address} (adresse invalide, ou pas de réponse "
                         f"en {SCHEDULER_TIMEOUT_S} s) : vérifiez l'adresse (ex. tcp://127.0.0.1:8786) et que "
                         "l'ordonnanceur est lancé") from None


def terminate(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and terminate the workers (each kills its kernel first)."""
    # Python 3.14 has ProcessPoolExecutor.terminate_workers(); before it, the pool's own table of workers.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def _start_worker(parent: int, warm: str | None = None) -> None:
    """Pool initializer: the parent decides on Ctrl-C, SIGTERM stops the worker and its kernel at once,
    the worker follows its parent, then the warm-up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    threading.Thread(target=_follow_parent, args=(parent,), name="suit-le-parent", daemon=True).start()
    _warm_up(warm)


def _stop_worker(*_signal) -> None:
    kill_kernels()
    os._exit(1)


def _follow_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    _stop_worker()


def _warm_up(warm: str | None = None) -> None:
    """Load what a brief's export needs (papermill, nbconvert, WeasyPrint and its fonts, about 1.5 s)
    while the parent computes the contexts, rather than on each worker's first brief; with ``warm``, start
    the worker's kernel first, so that its imports (about 3 s) run meanwhile too.

    A warm-up only: whatever fails here fails again, and is reported, in the brief itself.
    """
    import nbformat
    import papermill  # noqa: F401 - loaded for the first brief

    kernel = None
    if warm:
        try:
            kernel = start_kernel(warm)
        except Exception:  # noqa: BLE001 - see the docstring: the first brief starts one
            kernel = None
    try:
        with tempfile.TemporaryDirectory(prefix="iae-prechauffage-") as tmp:
            notebook = Path(tmp) / "prechauffage.ipynb"
            nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Préchauffage")]), notebook)
            html_to_pdf(notebook_to_html(notebook, title="Préchauffage"), Path(tmp) / "prechauffage.pdf")
    except Exception:  # noqa: BLE001, S110 - see the docstring
        pass
    if kernel is not None:
        try:
            kernel.ready()  # its imports done: the first brief only resets it
        except Exception:  # noqa: BLE001 - see the docstring
            replace_kernel()
