"""Runs INSIDE a warm kernel (:mod:`.warm`): what the kernel looked like once its libraries were imported,
and the return to that state before each brief.

A brief rendered in a warm kernel must be the brief a fresh kernel renders. :func:`capture` records, right
after the warm-up imports, what a brief may change and a fresh kernel would start from: matplotlib's
rcParams and unit converters, the warnings filters, numpy's print options, the working folder, the
environment, ``sys.path``. :func:`restore` brings all of it back, closes every figure, empties the
user namespace with a new IPython session (execution counts start again at 1, so a failing cell has
the number it has in a fresh kernel), and clears the package's own caches (functools caches of
``iae_impact`` modules: reference tables and schemas, some of them mutable frames a brief could alter).
Modules stay imported: that is the point. pandas options are not captured: no notebook of the package
sets one.

Imports only the standard library at module level (matplotlib and numpy are loaded by then).
"""

from __future__ import annotations

import gc
import os
import sys
import warnings

_STATE: dict = {}


def capture() -> None:
    """Record the state a brief starts from (called once, after the warm-up imports)."""
    import matplotlib
    import matplotlib.units
    import numpy as np

    rc = dict(matplotlib.rcParams.copy())
    rc.pop("backend", None)  # as matplotlib.rc_context does: never switch the backend back and forth
    _STATE.update(rc=rc, units=dict(matplotlib.units.registry), filters=list(warnings.filters),
                  printoptions=np.get_printoptions(), cwd=os.getcwd(), environ=dict(os.environ), path=list(sys.path))


def restore() -> None:
    """Back to the captured state: figures closed, namespace and history emptied, settings restored."""
    if not _STATE:
        raise RuntimeError("état du noyau jamais capturé")
    import matplotlib
    import matplotlib.pyplot as plt
    import matplotlib.units
    import numpy as np
    from IPython import get_ipython

    plt.close("all")
    get_ipython().reset(new_session=True)
    update = getattr(matplotlib.rcParams, "_update_raw", None)  # what rc_context uses (no validation again)
    if update is not None:
        update(_STATE["rc"])
    else:  # pragma: no cover - older matplotlib
        dict.update(matplotlib.rcParams, _STATE["rc"])
    matplotlib.units.registry.clear()
    matplotlib.units.registry.update(_STATE["units"])
    warnings.resetwarnings()  # also forgets which warnings were already shown (registries are versioned)
    warnings.filters[:] = _STATE["filters"]
    np.set_printoptions(**_STATE["printoptions"])
    os.chdir(_STATE["cwd"])
    if dict(os.environ) != _STATE["environ"]:
        os.environ.clear()
        os.environ.update(_STATE["environ"])
    sys.path[:] = _STATE["path"]
    _clear_package_caches()
    gc.collect()


def _clear_package_caches() -> None:
    for name, module in list(sys.modules.items()):
        if not name.startswith("iae_impact") or module is None:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                value.cache_clear()
