"""Stable entry point of the ``iae-impact`` command (``iae_impact.cli:main``): see :mod:`iae_impact.run.cli`."""

import sys

from .run.cli import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
