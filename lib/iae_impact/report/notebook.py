"""What every notebook does before its own work, in one call each: chart style, reading the data with the
French problem report, the fictional-data banner, bullets of generated sentences.

Every user-supplied string reaches the notebook's Markdown escaped by
:func:`~iae_impact.report.html.escape_markdown`: :func:`say` and :func:`bullets` escape the whole of their
plain-text sentences; :func:`show` takes the project's own Markdown, into which each user string was
inserted already escaped (``f"**{escape_markdown(structure)}**"``).

The notebooks hold narrative and calls only (no ``def``): their logic lives in tested functions of
the package. BLAS threads are pinned when the package is imported (:mod:`iae_impact.base.threads`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from IPython.display import HTML, Image, Markdown, display

from ..data.ingest import read_dataset
from ..data.model import Dataset, DonneesInvalides
from ..data.selection import is_fictional, select_perimeter
from . import charts
from .html import escape_markdown, plain_text

#: A dollar sign not preceded by a backslash (the LaTeX delimiter of Jupyter's Markdown).
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
FICTIONAL_BANNER = "> **Données fictives** : jeu de démonstration généré, aucune personne réelle."
INVALID_DATA = "**Les données ne peuvent pas être utilisées.** Chaque problème est listé ci-dessous."


def start() -> None:
    """Chart style of the package (French labels, colour-blind palette)."""
    charts.set_style()


def open_dataset(donnees: str, structure: str | None = None, sites: Sequence[str] | None = None) -> Dataset:
    """Read and validate ``donnees``; on invalid data, show every problem in French and raise. Shows the
    fictional-data banner for the demo. With ``structure`` or ``sites``: that perimeter only."""
    try:
        dataset = read_dataset(donnees)
    except DonneesInvalides as exc:
        display(Markdown(INVALID_DATA))
        print(exc.report())
        raise
    if is_fictional(dataset):
        display(Markdown(FICTIONAL_BANNER))
    if structure is not None or sites:
        dataset = select_perimeter(dataset, structure=structure, sites=sites)
    return dataset


def show(markdown: str) -> None:
    """A paragraph of the project's Markdown: user strings in it must already be escaped by
    :func:`~iae_impact.report.html.escape_markdown` (use :func:`say` for a plain sentence). The project writes
    no mathematics: every ``$`` not yet escaped is escaped, so that « 1 794 $ … 2 626 $ » (an amount in
    dollars) is not read as a LaTeX formula by JupyterLab or nbconvert."""
    display(Markdown(_UNESCAPED_DOLLAR.sub(r"\\$", markdown)))


def say(text: str) -> None:
    """A plain-text sentence (names, numbers, error messages), shown literally: escaped whole."""
    display(Markdown(escape_markdown(text)))


def bullets(texts: Sequence[str]) -> None:
    """Generated plain-text sentences as a bulleted list, each escaped whole."""
    display(Markdown("\n".join(f"- {escape_markdown(t)}" for t in texts)))


def show_html(fragment: str) -> None:
    """An HTML fragment already escaped (the brief's sections)."""
    display(HTML(fragment))


def show_figure(fig, alt: str) -> None:
    """A chart as a PNG image with its alternative text (kept by the HTML export), then closed."""
    import matplotlib.pyplot as plt

    # nbconvert escapes the alt attribute itself: only the bidirectional controls are removed here.
    display(Image(data=charts.figure_png(fig), format="png"), metadata={"alt": plain_text(alt)})
    plt.close(fig)
