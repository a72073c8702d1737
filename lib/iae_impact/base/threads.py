"""One BLAS thread per process unless the user says otherwise.

On a 2-core machine, two kernels each running a multi-threaded BLAS oversubscribe the cores and
a 2 s model takes 20 to 60 s. The variables must be set before numpy is first imported: the
package calls :func:`pin_blas_threads` when it is imported (``iae_impact/__init__.py``), and the
kernels papermill starts inherit the environment. A value already set is left as it is.
"""

from __future__ import annotations

import os

THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def pin_blas_threads() -> None:
    for key, value in THREAD_ENV.items():
        os.environ.setdefault(key, value)
