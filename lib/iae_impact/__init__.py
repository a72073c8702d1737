"""iae-impact: official insertion indicators, fair comparisons and advocacy briefs for SIAE."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("iae-impact")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
