"""Run parametrised notebooks with papermill: parameters validated first, outputs written atomically."""

from __future__ import annotations

from pathlib import Path

from ..base.outputs import atomic_path
from ..base.paths import NOTEBOOKS_DIR, PROJECT_ROOT, resolve
from ..base.threads import pin_blas_threads
from .params import validate_parameters

#: Kernels log only critical messages: their start-up warnings would drown the progress lines.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]


def execute(name: str, parameters: dict, output: Path, timeout: int | None = None) -> Path:
    """Run ``notebooks/<name>.ipynb`` with already validated ``parameters`` into ``output``."""
    import papermill

    pin_blas_threads()
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / f"{name}.ipynb"),
        str(output),
        parameters=parameters,
        cwd=str(PROJECT_ROOT),
        progress_bar=False,
        kernel_name="python3",
        execution_timeout=timeout,
        extra_arguments=KERNEL_ARGUMENTS,
    )
    return Path(output)


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
