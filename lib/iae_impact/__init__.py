"""iae-impact: official insertion indicators, fair comparisons and advocacy briefs for SIAE.

The package is layered (see README, « Architecture »): ``base`` → ``rules`` → ``data`` → ``analysis`` →
``report`` → ``run``, each importing only from the layers before it. The modules at this level
(``ingest``, ``indicators``, ``impact``, ``money``, ``stats``, ``cli``) only re-export, for the tools
that call the package by those names.

Importing the package pins BLAS to one thread unless the environment already says otherwise
(:mod:`iae_impact.base.threads`): done here, before numpy is first imported.
"""

from .base.threads import pin_blas_threads

pin_blas_threads()

from .base.version import __version__  # noqa: E402 - after the thread pinning, on purpose

__all__ = ["__version__"]
