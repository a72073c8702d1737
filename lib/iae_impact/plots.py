"""House style for charts (seaborn): French labels, intervals always shown."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns

PALETTE = "colorblind"


def set_style() -> None:
    sns.set_theme(style="whitegrid", palette=PALETTE, rc={"figure.dpi": 100, "axes.titleweight": "bold"})


def plot_rate_by_year(table: pd.DataFrame, rate: str, hue: str | None, title: str, ax=None):
    """A rate per year with its Wilson 95 % interval as error bars, one line per ``hue`` group."""
    ax = ax or plt.subplots(figsize=(8, 4))[1]
    groups = [(None, table)] if hue is None else list(table.groupby(hue))
    colors = sns.color_palette(PALETTE, len(groups))
    for offset, ((name, g), color) in enumerate(zip(groups, colors, strict=True)):
        g = g.dropna(subset=[rate]).sort_values("annee")
        x = g["annee"] + (offset - (len(groups) - 1) / 2) * 0.08
        below = (g[rate] - g[f"{rate}_ic_bas"]).clip(lower=0)
        above = (g[f"{rate}_ic_haut"] - g[rate]).clip(lower=0)  # float rounding at 0 % or 100 %
        ax.errorbar(x, g[rate], yerr=[below, above],
                    marker="o", capsize=3, color=color, label=name)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.set_xlabel("Année")
    ax.set_ylabel("Taux (intervalle de confiance à 95 %)")
    ax.set_title(title)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    if hue is not None:
        ax.legend(title=hue, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return ax


def plot_volume_by_year(table: pd.DataFrame, value: str, hue: str | None, title: str, ylabel: str, ax=None):
    """A count or volume per year, bars grouped by ``hue``."""
    ax = ax or plt.subplots(figsize=(8, 4))[1]
    sns.barplot(data=table, x="annee", y=value, hue=hue, ax=ax, errorbar=None)
    ax.set_xlabel("Année")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", "\u202f")))
    return ax
