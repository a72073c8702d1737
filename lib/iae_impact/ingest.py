"""Stable import path for other tools: reading a structure's records (:mod:`iae_impact.data`)."""

from .data.ingest import read_dataset
from .data.model import SHEETS, BilanFeuille, Dataset, DonneesInvalides, Probleme

__all__ = ["SHEETS", "BilanFeuille", "Dataset", "DonneesInvalides", "Probleme", "read_dataset"]
