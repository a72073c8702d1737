"""Warm kernels: one kernel per worker (per thread) runs the briefs of a batch in turn, through papermill.

A fresh kernel spends most of a brief importing pandas, matplotlib and statsmodels. A warm kernel imports
them once (:meth:`WarmKernel.start`, during the worker's warm-up, while the parent reads the data), records
the state a brief starts from (:func:`.kernel_state.capture`), and before each brief returns to it
(:func:`.kernel_state.restore`: namespace and history emptied, figures closed, rcParams, warnings filters,
working folder, environment and the package's caches as they were). The brief then runs through papermill
with the engine :data:`ENGINE` registered here, on the kept kernel and its client.

A kernel that dies, times out or cannot be reset is discarded (killed, its files removed) and the next
brief starts a new one (:func:`replace_kernel`). Every kernel manager is created by
:func:`.runner.tracked_kernel_manager`: a worker told to stop kills it with the others
(:func:`.runner.kill_kernels`). At the end of a worker process, or of a batch run in this process's
threads, :func:`close_kernels` shuts them down.

One kernel per thread: an asynchronous kernel client belongs to the event loop of the thread that made it.
"""

from __future__ import annotations

import ast
import multiprocessing.util
import threading
import time
from functools import cache
from pathlib import Path

from ..base.paths import PROJECT_ROOT
from ..base.threads import pin_blas_threads
from .runner import KERNEL_ARGUMENTS, notebook_path, tracked_kernel_manager

#: The papermill engine that runs a notebook on a warm kernel (``engine_name=ENGINE, noyau=...``).
ENGINE = "iae-impact-noyau-chaud"
#: Longest wait for a kernel to start and import its libraries, and for a reset.
START_TIMEOUT_S = 180
RESET_TIMEOUT_S = 60
RESET_CODE = "from iae_impact.run import kernel_state as _iae_etat\n_iae_etat.restore()"

_KERNELS: dict[int, WarmKernel] = {}  # thread id -> its kernel
_LOCK = threading.Lock()
_FINALIZER: list = []


class NoyauIndisponible(RuntimeError):
    """A warm kernel could not be started or reset (it is discarded; the brief fails or is retried)."""


def warm_up_code(notebook: str) -> str:
    """What a warm kernel imports before its first brief: the import statements of the notebook's first code
    cell after its parameters (the brief's own imports), pyplot, then the capture of the state."""
    import nbformat

    nb = nbformat.read(notebook_path(notebook), as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    source = cells[0].source if cells else ""
    imports = [ast.get_source_segment(source, node) for node in ast.parse(source).body
               if isinstance(node, ast.Import | ast.ImportFrom)]
    return "\n".join([*imports, "import matplotlib.pyplot", "from iae_impact.run import kernel_state as _iae_etat",
                      "_iae_etat.capture()", "del _iae_etat"])


class WarmKernel:
    """A kernel kept for several briefs: its manager, its client, the request that warms it up."""

    def __init__(self, notebook: str) -> None:
        self.notebook = notebook
        self.manager = None
        self.client = None
        self._warming: str | None = None  # id of the warm-up request until its reply is read
        self.briefs = 0

    def start(self) -> WarmKernel:
        """Start the kernel and send the warm-up imports without waiting for them (see :meth:`ready`)."""
        from jupyter_core.utils import run_sync

        pin_blas_threads()  # inherited by the kernel
        self.manager = tracked_kernel_manager()(kernel_name="python3")
        run_sync(self.manager.start_kernel)(extra_arguments=KERNEL_ARGUMENTS, cwd=str(PROJECT_ROOT))
        self.client = self.manager.client()
        self.client.start_channels()
        run_sync(self.client.wait_for_ready)(timeout=START_TIMEOUT_S)
        self.client.allow_stdin = False
        self._warming = self.client.execute(warm_up_code(self.notebook), store_history=False, allow_stdin=False)
        return self

    def ready(self) -> None:
        """Wait for the warm-up imports; NoyauIndisponible when they failed."""
        if self._warming is None:
            return
        from jupyter_core.utils import run_sync

        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NoyauIndisponible(f"le noyau n'a pas chargé ses bibliothèques en {START_TIMEOUT_S} s")
            try:
                reply = run_sync(self.client.get_shell_msg)(timeout=min(left, 1.0))
            except Exception:  # noqa: BLE001 - queue.Empty: nothing yet
                if not self.alive():
                    raise NoyauIndisponible("le noyau s'est arrêté en chargeant ses bibliothèques") from None
                continue
            if reply.get("parent_header", {}).get("msg_id") == self._warming:
                break
        self._warming = None
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise NoyauIndisponible(f"préchauffage du noyau impossible : {content.get('ename')} : "
                                    f"{content.get('evalue')}")

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return self.manager is not None and bool(run_sync(self.manager.is_alive)())
        except Exception:  # noqa: BLE001 - a manager in a bad state is not alive
            return False

    def reset(self) -> None:
        """Back to the state captured after the imports; NoyauIndisponible when the kernel cannot be reset."""
        from jupyter_core.utils import run_sync

        self.ready()
        if not self.alive():
            raise NoyauIndisponible("le noyau s'est arrêté entre deux notes")
        errors: list[str] = []

        def hook(msg: dict) -> None:
            if msg.get("msg_type") == "error":
                errors.append(f"{msg['content'].get('ename')} : {msg['content'].get('evalue')}")

        try:
            reply = run_sync(self.client.execute_interactive)(RESET_CODE, store_history=False, allow_stdin=False,
                                                              timeout=RESET_TIMEOUT_S, output_hook=hook)
        except Exception as exc:  # noqa: BLE001 - a timeout, a dead kernel: one message
            raise NoyauIndisponible(f"remise à zéro du noyau impossible ({type(exc).__name__})") from None
        if reply["content"].get("status") != "ok":
            raise NoyauIndisponible("remise à zéro du noyau impossible : " + "; ".join(errors))

    def close(self) -> None:
        """Shut the kernel down at once and remove its files (safe on a dead or half-started kernel)."""
        from jupyter_core.utils import run_sync

        manager, client, self.manager, self.client = self.manager, self.client, None, None
        if client is not None:
            try:
                client.stop_channels()
            except Exception:  # noqa: BLE001, S110 - closing what may already be gone
                pass
        if manager is not None:
            try:
                run_sync(manager.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - already dead: its files still go
                try:
                    run_sync(manager.cleanup_resources)()
                except Exception:  # noqa: BLE001, S110
                    pass


def kernel_for_this_thread(notebook: str) -> WarmKernel:
    """This thread's warm kernel, started now if it has none."""
    key = threading.get_ident()
    with _LOCK:
        kernel = _KERNELS.get(key)
    if kernel is None or kernel.notebook != notebook:
        if kernel is not None:
            replace_kernel()
        kernel = start_kernel(notebook)
    return kernel


def start_kernel(notebook: str) -> WarmKernel:
    """Start this thread's warm kernel (the imports run in the kernel while the caller goes on)."""
    _register_engine()
    kernel = WarmKernel(notebook)
    with _LOCK:
        _KERNELS[threading.get_ident()] = kernel
        if not _FINALIZER:  # at the end of this process (a pool worker included): kernels shut down
            _FINALIZER.append(multiprocessing.util.Finalize(None, close_kernels, exitpriority=10))
    try:
        kernel.start()
    except Exception as exc:  # noqa: BLE001 - a kernel that cannot start: said as such, the brief fails
        replace_kernel()
        raise NoyauIndisponible(f"démarrage du noyau impossible ({type(exc).__name__} : {exc})") from None
    return kernel


def replace_kernel() -> None:
    """Discard this thread's kernel (dead, timed out, or unclean): the next brief starts a new one."""
    with _LOCK:
        kernel = _KERNELS.pop(threading.get_ident(), None)
    if kernel is not None:
        kernel.close()


def close_kernels() -> None:
    """Shut down every warm kernel of this process."""
    with _LOCK:
        kernels = list(_KERNELS.values())
        _KERNELS.clear()
    for kernel in kernels:
        kernel.close()


def execute_warm(name: str, parameters: dict, output: Path, kernel: WarmKernel, timeout: int | None) -> None:
    """papermill runs ``notebooks/<name>.ipynb`` on ``kernel``, reset first (the caller replaces the kernel
    when this fails)."""
    import papermill

    kernel.reset()
    papermill.execute_notebook(str(notebook_path(name)), str(output), parameters=parameters, cwd=str(PROJECT_ROOT),
                               progress_bar=False, kernel_name="python3", execution_timeout=timeout,
                               engine_name=ENGINE, noyau=kernel)
    kernel.briefs += 1


@cache
def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine on a kept kernel and its client (neither is started nor stopped here)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, noyau=None,
                                     **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(nb_man, km=noyau.manager, timeout=execution_timeout,
                                             startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                                             log_output=log_output, stdout_file=stdout_file,
                                             stderr_file=stderr_file, **kwargs)
            client.kc = noyau.client  # kept: nbclient starts no client and stops none (it does not own the kernel)
            return client.execute()

    papermill_engines.register(ENGINE, WarmEngine)
