"""The installed version of iae-impact (provenance lines of every output)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("iae-impact")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
