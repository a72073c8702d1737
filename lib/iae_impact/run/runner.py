"""Run parametrised notebooks with papermill: parameters validated first, outputs written atomically.

Every kernel a process starts here, or keeps warm (:mod:`.warm`), is known to it (:func:`kill_kernels`): a
batch worker told to stop kills its kernel at once instead of letting it finish its cell.
"""

from __future__ import annotations

import json
import os
import signal
import weakref
from contextlib import suppress
from functools import cache
from pathlib import Path

from ..base.outputs import atomic_path, write_atomic_text
from ..base.paths import NOTEBOOKS_DIR, PROJECT_ROOT, resolve
from ..base.threads import pin_blas_threads
from .params import validate_parameters

#: Kernels log only critical messages: their start-up warnings would drown the progress lines.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]

#: Kernel managers of this process (weak: a finished execution lets its manager go).
_KERNELS: weakref.WeakSet = weakref.WeakSet()


@cache
def tracked_kernel_manager() -> type:
    """jupyter_client's asynchronous kernel manager (nbclient's default), registering each instance."""
    from jupyter_client import AsyncKernelManager  # heavy: loaded only to run a notebook

    class TrackedKernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            _KERNELS.add(self)

    return TrackedKernelManager


def kill_kernels() -> None:
    """Kill every kernel this process started that still runs, with its own subprocesses (SIGKILL).

    Safe in a signal handler: a kernel is a child of this process, its id cannot be reused until the
    child is reaped, and a reaped one (``poll()`` not None) is skipped.
    """
    for manager in list(_KERNELS):
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is None or process.poll() is not None:
            continue
        with suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)  # jupyter_client starts each kernel in its own session
        with suppress(OSError):
            process.kill()


def notebook_path(name: str) -> Path:
    """``notebooks/<name>.ipynb`` of the project."""
    return NOTEBOOKS_DIR / f"{name}.ipynb"


def execute(name: str, parameters: dict, output: Path, timeout: int | None = None) -> Path:
    """Run ``notebooks/<name>.ipynb`` with already validated ``parameters`` into ``output``, in a fresh kernel."""
    import papermill

    pin_blas_threads()
    papermill.execute_notebook(
        str(notebook_path(name)),
        str(output),
        parameters=parameters,
        cwd=str(PROJECT_ROOT),
        progress_bar=False,
        kernel_name="python3",
        execution_timeout=timeout,
        extra_arguments=KERNEL_ARGUMENTS,
        kernel_manager_class=tracked_kernel_manager(),
    )
    return Path(output)


def publishable_notebook(path: Path, name: str, parameters: dict, private: dict[str, str]) -> Path:
    """Rewrite the executed notebook ``path`` so that it names no private path.

    papermill records the input and output paths and the parameters (metadata, injected cell): they
    become the notebook's path in the project, the file's own name and ``parameters``; any other
    occurrence of a key of ``private`` (an absolute path) becomes its value.
    """
    import nbformat
    from papermill.translators import translate_parameters

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    record = nb.metadata.get("papermill")
    if record is not None:
        record.update(input_path=f"notebooks/{name}.ipynb", output_path=path.name, parameters=parameters)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = translate_parameters("python3", "python", parameters, "Parameters")
    text = nbformat.writes(nb)
    for secret in sorted(private, key=len, reverse=True):  # the longest first: a folder inside another
        if len(Path(secret).parts) > 1:  # never the root folder alone
            text = text.replace(json.dumps(secret, ensure_ascii=False)[1:-1], private[secret])
    write_atomic_text(path, text)
    return path


def run_notebook(name: str, parameters: dict, out_dir: str | Path) -> Path:
    """Execute ``notebooks/<name>.ipynb`` into ``out_dir/<name>.ipynb``; returns the executed notebook.

    Parameters are validated first; the executed notebook appears only when the run succeeded
    (temporary file, then rename).
    """
    validated = validate_parameters(name, parameters)
    out_dir = resolve(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.ipynb"
    with atomic_path(target, suffix=".ipynb") as tmp:
        execute(name, validated.model_dump(), tmp)
    return target
