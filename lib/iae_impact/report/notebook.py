"""What every notebook does before its own work, in one call each: chart style, reading the data with the
French problem report, the fictional-data banner, bullets of generated sentences.

The notebooks hold narrative and calls only (no ``def``): their logic lives in tested functions of
the package. BLAS threads are pinned when the package is imported (:mod:`iae_impact.base.threads`).
"""

from __future__ import annotations

from collections.abc import Sequence

from IPython.display import HTML, Image, Markdown, display

from ..data.ingest import read_dataset
from ..data.model import Dataset, DonneesInvalides
from ..data.selection import is_fictional, select_perimeter
from . import charts

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


def show(text: str) -> None:
    """A paragraph of Markdown."""
    display(Markdown(text))


def bullets(texts: Sequence[str]) -> None:
    """Generated sentences as a bulleted list."""
    display(Markdown("\n".join(f"- {t}" for t in texts)))


def show_html(fragment: str) -> None:
    """An HTML fragment already escaped (the brief's sections)."""
    display(HTML(fragment))


def show_figure(fig, alt: str) -> None:
    """A chart as a PNG image with its alternative text (kept by the HTML export), then closed."""
    import matplotlib.pyplot as plt

    display(Image(data=charts.figure_png(fig), format="png"), metadata={"alt": alt})
    plt.close(fig)
