"""One sheet given as several files (``heures_2023.csv``, ``heures_2024.csv``): read as one sheet when their
columns agree, every problem and every row count still told in the user's own file and line.

The files' rows are put one after the other, each file's line numbers shifted past the previous file's
(:class:`Part`); everything downstream (parsing, the schema's uniqueness check, the cross-sheet rules)
sees one sheet, and :func:`locate` gives each problem back its file and line. A row found in two files is
a duplicate of the sheet's key: it is reported in both places.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .model import BilanFeuille, Probleme
from .raw import RawSheet


@dataclass(frozen=True)
class Part:
    """One file of a combined sheet: its rows carry the labels ``offset + line`` for ``line`` in the file."""

    fichier: str
    offset: int
    last: int  # last label of the part


def combined_name(raws: list[RawSheet]) -> str:
    return " + ".join(r.fichier for r in raws)


def _mapped(raw: RawSheet) -> dict[str, str]:
    """Schema column -> the file's own header, for the columns the file names."""
    out: dict[str, str] = {}
    for header in raw.columns:
        column = raw.column_of(header)
        if column is not None and column not in out:
            out[column] = header
    return out


def combine(raws: list[RawSheet]) -> tuple[RawSheet | None, Probleme | None]:
    """The files of one sheet as one sheet, or the problem that prevents it (different columns, a parquet
    file among them: then each file stays its own and the sheet is refused)."""
    name = combined_name(raws)
    feuille = raws[0].feuille
    if any(r.frame is None for r in raws):
        return None, Probleme(name, feuille, None, None, None,
                              f"onglet « {feuille} » en plusieurs fichiers dont un parquet : réunissez-les en un "
                              "seul fichier parquet")
    mappings = [_mapped(r) for r in raws]
    if len({frozenset(m) for m in mappings}) > 1:
        described = " ; ".join(f"{r.fichier} : {', '.join(sorted(m))}" for r, m in zip(raws, mappings, strict=True))
        return None, Probleme(name, feuille, None, None, None,
                              f"onglet « {feuille} » en plusieurs fichiers aux colonnes différentes ({described}) : "
                              "ils ne peuvent pas être lus comme un seul onglet")
    first = mappings[0]
    frames, parts, problems, offset = [], [], [], 0
    for raw, mapping in zip(raws, mappings, strict=True):
        renamed = {header: first[column] for column, header in mapping.items()}  # the first file's headers
        frame = raw.frame.rename(columns=renamed)
        frame.index = frame.index + offset
        last = int(frame.index.max()) if len(frame) else offset + raw.header_line
        parts.append(Part(raw.fichier, offset, last))
        problems += [dataclasses.replace(p, fichier=name, ligne=None if p.ligne is None else p.ligne + offset)
                     for p in raw.problems]
        frames.append(frame)
        offset = last + 1
    frame = pd.concat(frames, axis=0).fillna("")
    combined = RawSheet(name, feuille, frame, header_line=raws[0].header_line, problems=problems)
    combined.parts = parts
    return combined, None


def locate(problem: Probleme, sheets: dict[str, RawSheet]) -> Probleme:
    """``problem`` in its own file and line when it was found in a combined sheet (``sheets``: combined
    sheets by name); a problem of the whole sheet or of its header names every file."""
    raw = sheets.get(problem.fichier)
    if raw is None or problem.ligne is None or problem.ligne == raw.header_line:
        return problem
    for part in raw.parts:
        if part.offset < problem.ligne <= part.last:
            return dataclasses.replace(problem, fichier=part.fichier, ligne=problem.ligne - part.offset)
    return problem


def part_accounting(raw: RawSheet, problems: list[Probleme]) -> list[BilanFeuille]:
    """Row accounting of each file of a combined sheet (every row read is accepted or rejected)."""
    labels = raw.labels.to_numpy()
    read = ~raw.blank
    whole = any(p.ligne is None or p.ligne == raw.header_line for p in problems)
    rejected_rows = np.array(sorted({p.ligne for p in problems if p.ligne is not None and p.ligne != raw.header_line}))
    out = []
    for part in raw.parts:
        inside = (labels > part.offset) & (labels <= part.last)
        n_read = int((read & inside).sum())
        rejected = n_read if whole else int(((rejected_rows > part.offset) & (rejected_rows <= part.last)).sum())
        out.append(BilanFeuille(part.fichier, raw.feuille, n_read, rejected, int((raw.blank & inside).sum())))
    return out
