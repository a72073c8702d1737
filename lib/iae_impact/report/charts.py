"""Charts (matplotlib, seaborn): French labels, intervals always shown, an alternative text for each.

matplotlib and seaborn are imported here at module level: this module is only imported where a chart
is drawn (notebooks, briefs), never by the command line's reading and checking.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from ..analysis.impact import OVERLAP_BOUNDS, ImpactResult
from ..analysis.stats import funnel_limits
from ..base import fr
from ..base.fr import format_eur, format_number, round_eur
from .labels import column_label

PALETTE = "colorblind"


def set_style() -> None:
    sns.set_theme(style="whitegrid", palette=PALETTE, rc={"figure.dpi": 100, "axes.titleweight": "bold"})


#: One marker per line of a chart, with the colour-blind palette: two lines never differ by their colour alone.
MARKERS = ("o", "s", "D", "^", "v", "P", "X", "<", ">", "h")


def plot_rate_by_year(table: pd.DataFrame, rate: str, hue: str | None, title: str, ax=None):
    """A rate per year with its Wilson 95 % interval as error bars, one line per ``hue`` group, each with its
    colour of the colour-blind palette and its marker (:data:`MARKERS`); a group with no published rate is
    neither drawn nor in the legend (:func:`groups_to_plot`)."""
    ax = ax or plt.subplots(figsize=(8, 4))[1]
    groups = groups_to_plot(table, rate, hue)
    colors = sns.color_palette(PALETTE, max(len(groups), 1))
    for offset, ((name, g), color) in enumerate(zip(groups, colors, strict=False)):
        x = g["annee"] + (offset - (len(groups) - 1) / 2) * 0.08
        below = (g[rate] - g[f"{rate}_ic_bas"]).clip(lower=0)
        above = (g[f"{rate}_ic_haut"] - g[rate]).clip(lower=0)  # float rounding at 0 % or 100 %
        ax.errorbar(x, g[rate], yerr=[below, above], marker=MARKERS[offset % len(MARKERS)],
                    capsize=3, color=color, label=name)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.set_xlabel("Année")
    ax.set_ylabel("Taux (intervalle de confiance à 95 %)")
    ax.set_title(title)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    if hue is not None and groups:
        ax.legend(title=column_label(hue), fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1),
                  frameon=False)
    return ax


def groups_to_plot(table: pd.DataFrame, rate: str, hue: str | None) -> list[tuple[object, pd.DataFrame]]:
    """The ``hue`` groups of ``table`` with at least one published ``rate`` (a masked rate is NaN), each in year
    order; the groups with nothing to show are left out. A masked year stays (NaN): the line breaks there
    rather than joining the years around it."""
    groups = [(None, table)] if hue is None else list(table.groupby(hue, sort=True))
    return [(name, g.sort_values("annee")) for name, g in groups if g[rate].notna().any()]


def plot_volume_by_year(table: pd.DataFrame, value: str, hue: str | None, title: str, ylabel: str, ax=None):
    """A count or volume per year, bars grouped by ``hue``."""
    ax = ax or plt.subplots(figsize=(8, 4))[1]
    sns.barplot(data=table, x="annee", y=value, hue=hue, ax=ax, errorbar=None)
    ax.set_xlabel("Année")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", "\u202f")))
    return ax


def funnel_figure(comparison: pd.DataFrame, p0: float, title: str, highlight: Sequence[str] | None = None,
                  rate_label: str = "Taux de sorties dynamiques"):
    """Funnel plot of a :func:`~iae_impact.analysis.stats.risk_adjusted_comparison`: where does each group stand, given its size?

    x: examined exits (n); y: rate adjusted for the profile of the persons (filled point, labelled
    with the group), beside the raw observed rate (hollow point); lines: reference rate ``p0`` and
    the exact binomial limits at 95 % and 99.8 %. Groups without comparator (alone in their
    dispositif) are left out and named in the alternative text. ``highlight``: groups to emphasise
    (a brief's perimeter); the others are drawn in grey. Returns ``(fig, alt_text)`` (French).
    """
    group = comparison.attrs.get("model", {}).get("group") or comparison.columns[0]
    shown = comparison[~comparison.get("no_comparator", pd.Series(False, index=comparison.index)).astype(bool)]
    left_out = comparison.loc[~comparison.index.isin(shown.index), group].astype(str).tolist()
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    n_max = max(float(shown["n"].max()) if len(shown) else 10.0, 10.0) * 1.3  # room for the labels
    grid = np.arange(1, int(np.ceil(n_max)) + 1)
    limits = funnel_limits(p0, grid)
    styles = {0.95: ("--", "#6b6b6b", "limites à 95 %"), 0.998: (":", "#303030", "limites à 99,8 %")}
    for level, lim in limits.groupby("level"):
        style, color, label = styles.get(level, ("-.", "grey", f"limites à {fr.format_rate(level, 1)}"))
        ax.plot(lim["n"], lim["lower"], style, color=color, linewidth=1, label=label)
        ax.plot(lim["n"], lim["upper"], style, color=color, linewidth=1)
    ax.axhline(p0, color="#1f4e79", linewidth=1, label=f"taux d'ensemble ({fr.format_rate(p0)})")
    highlight = set(highlight or [])
    placed: list[tuple[float, float]] = []  # label positions, so that close points do not overwrite each other
    for i, r in enumerate(shown.sort_values("adjusted_rate", ascending=False).itertuples(index=False)):
        name = str(getattr(r, group))
        color = "#c0504d" if name in highlight else ("#9a9a9a" if highlight else f"C{i % 10}")
        ax.plot([r.n, r.n], [r.observed_rate, r.adjusted_rate], color=color, linewidth=0.8, alpha=0.6)
        ax.scatter([r.n], [r.observed_rate], facecolors="none", edgecolors=color, s=30, zorder=3)
        ax.scatter([r.n], [r.adjusted_rate], color=color, s=40, zorder=4)
        if highlight and name not in highlight:
            continue  # a brief names its own sites only: the others are the background
        y_text = r.adjusted_rate + 0.02
        while any(abs(r.n - x) < 0.2 * n_max and abs(y_text - y) < 0.045 for x, y in placed):
            y_text -= 0.045
        placed.append((r.n, y_text))
        ax.annotate(name, (r.n, r.adjusted_rate), xytext=(r.n + 0.01 * n_max, y_text), textcoords="data",
                    fontsize=8, color=color, fontweight="bold" if name in highlight else "normal")
    ax.set_xlim(0, n_max)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("Sorties examinées (n)")
    ax.set_ylabel(rate_label)
    ax.set_title(title)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], linestyle="", marker="o", markerfacecolor="none", markeredgecolor="#404040",
                       label="taux observé"),
                Line2D([], [], linestyle="", marker="o", color="#404040", label="taux ajusté (profil des personnes)")]
    if highlight:  # a brief's small chart: the legend beside the plot, where no point can be
        ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=1, frameon=False)
    else:
        ax.legend(handles=handles, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3,
                  frameon=False)
    fig.tight_layout()
    parts = []
    for r in shown.itertuples(index=False):
        where = _position_text(int(getattr(r, "funnel_95", 0)), int(getattr(r, "funnel_998", 0)))
        parts.append(f"{getattr(r, group)} : {fr.format_number(r.n)} sorties, taux observé "
                     f"{fr.format_rate(r.observed_rate)}, ajusté {fr.format_rate(r.adjusted_rate)}, {where}")
    alt = (f"Graphique en entonnoir : {rate_label.lower()} ajusté sur le profil des personnes selon le nombre de "
           f"sorties examinées, avec les limites à 95 % et 99,8 % autour du taux d'ensemble "
           f"({fr.format_rate(p0)}). " + (" ; ".join(parts) if parts else "Aucun groupe comparable") + ".")
    if left_out:
        alt += f" Sans point de comparaison (seul de son dispositif) : {', '.join(left_out)}."
    return fig, alt


def _position_text(f95: int, f998: int) -> str:
    if f998:
        return "au-dessus des limites à 99,8 %" if f998 > 0 else "en dessous des limites à 99,8 %"
    if f95:
        return "au-dessus des limites à 95 %" if f95 > 0 else "en dessous des limites à 95 %"
    return "dans les limites"


def plot_rate_points(ax, labels: Sequence[str], table: pd.DataFrame, rate: str,
                     reference: tuple[float, str] | None = None, positions: Sequence[float] | None = None) -> None:
    """One point per year or pooled period (``labels``, at ``positions``: the years, so a missing year leaves
    its gap; default: one step each) with its Wilson 95 % interval; ``reference``: a horizontal line (value,
    label) whose label stands outside the plot, right of it, where no point can be."""
    x = np.arange(len(labels), dtype=float) if positions is None else np.asarray(positions, dtype=float)
    below = (table[rate] - table[f"{rate}_ic_bas"]).clip(lower=0).to_numpy()
    above = (table[f"{rate}_ic_haut"] - table[rate]).clip(lower=0).to_numpy()
    ax.errorbar(x, table[rate].to_numpy(), yerr=[below, above], marker="o", capsize=3,
                color=sns.color_palette(PALETTE, 1)[0], linestyle="-" if len(x) > 1 else "none")
    ax.set_xticks(x, labels)
    ax.set_xlim(x.min() - 0.5, x.max() + 0.5)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.set_xlabel("")
    if reference is not None:
        value, label = reference
        ax.axhline(value, color="grey", linestyle="--", linewidth=1)
        ax.text(1.01, value, label, transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=8,
                color="#505050", clip_on=False)


def money_figure(money: dict):
    """Aide au poste, RSA no longer paid (avoided spending) and social contributions (new receipts), each as its
    range (a bar from the low to the high bound), never added; the amounts are written right of the plot,
    where neither a bar nor a gridline runs. Returns (fig, alt text)."""
    set_style()
    colors = sns.color_palette(PALETTE, 3)
    a = money["annee"]
    rows = [(f"Aide au poste {a}", money.get("aide_au_poste_eur"), colors[0]),
            ("RSA non versé (dépense évitée)", money.get("rsa_evite_eur"), colors[1]),
            ("Cotisations (recette nouvelle)", money.get("cotisations_eur"), colors[2])]
    rows = [r for r in rows if r[1] is not None]
    fig, ax = plt.subplots(figsize=(7.0, 0.3 * len(rows) + 0.5))  # compact: a brief is two pages
    right = max(r[1]["haut"] for r in rows) or 1.0
    parts = []
    for i, (label, values, color) in enumerate(reversed(rows)):
        low, high = float(values["bas"]), float(values["haut"])
        width = max(high - low, right * 0.004)
        ax.barh(i, width, left=low, height=0.5, color=color, alpha=0.75, edgecolor=color)
        text = _range_text(low, high)
        ax.text(1.02, i, text, transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=8, clip_on=False)
        parts.append(f"{label.replace(chr(10), ' ')} : {text}")
    ax.set_yticks(range(len(rows)), [r[0] for r in reversed(rows)])
    ax.set_xlim(0, right * 1.05)
    ax.set_xlabel("euros (de la borne basse à la borne haute ; les montants ne s'additionnent pas)")
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: format_number(v)))
    ax.tick_params(labelsize=8)
    ax.xaxis.label.set_size(8)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    alt = f"L'argent public, {money['perimetre']}, {a} — " + " ; ".join(reversed(parts)) + "."
    return fig, alt


def _range_text(low: float, high: float) -> str:
    lo, hi = round_eur(low, "down"), round_eur(high, "up")
    if round_eur(low) == round_eur(high):
        return format_eur(low)
    if lo <= 0:
        return f"jusqu'à {format_number(hi)}\u00a0€"
    return f"{format_number(lo)} à {format_number(hi)}\u00a0€"


def plot_overlap(result: ImpactResult, ax=None, title: str = "Score de propension par groupe"):
    """Histograms of the propensity score of the treated and the controls (densities), bounds 0.1 and 0.9."""
    d = result.diagnostics
    if d.propensity is None:
        raise ValueError("aucun score de propension n'a été estimé pour ce résultat")
    ax = ax or plt.subplots(figsize=(8, 3.5))[1]
    colors = sns.color_palette(PALETTE, 2)
    bins = np.linspace(0, 1, 41)
    for (label, sel), color in zip((("Traités", d.treated == 1), ("Témoins", d.treated == 0)), colors, strict=True):
        ax.hist(d.propensity[sel], bins=bins, density=True, alpha=0.55, color=color,
                label=f"{label} ({fr.format_number(int(sel.sum()))})")
    for bound in OVERLAP_BOUNDS:
        ax.axvline(bound, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("Score de propension estimé (probabilité d'être traité)")
    ax.set_ylabel("Densité")
    ax.set_title(title)
    ax.legend(frameon=False)
    return ax


def plot_balance(result: ImpactResult, ax=None, title: str = "Équilibre des covariables"):
    """Absolute standardised mean differences per covariate, before and after weighting or matching."""
    b = result.diagnostics.balance
    ax = ax or plt.subplots(figsize=(7, 0.35 * len(b) + 1.2))[1]
    colors = sns.color_palette(PALETTE, 2)
    pos = np.arange(len(b))
    ax.scatter(b["dms_avant"].abs(), pos, color=colors[0], label="avant", zorder=3)
    if b["dms_apres"].notna().any():
        ax.scatter(b["dms_apres"].abs(), pos, color=colors[1], marker="D", label="après", zorder=3)
    ax.axvline(0.1, color="grey", linestyle="--", linewidth=1)
    ax.set_yticks(pos, b["covariable"])
    ax.invert_yaxis()
    ax.set_xlabel("Différence moyenne standardisée (valeur absolue)")
    ax.set_title(title)
    ax.legend(frameon=False, loc="lower right")
    return ax


def figure_png(fig) -> bytes:
    """A figure as PNG bytes (130 dpi, tight), to embed in a page."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    return buf.getvalue()
