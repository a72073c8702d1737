"""What a brief shows, computed once: the context of a brief.

A release (the briefs of one ``iae-impact notes`` run) shares one :class:`ReleaseInputs`: the dataset
read once, its examined exits (the comparison model and the avoided costs use them) and the impact
estimate of each structure, each computed once. Each brief then gets one :class:`BriefContext`: its
perimeter's indicators computed once and masked once (statistical secrecy), and the sections that
need more than the indicator table (comparison with the expected rate, impact, public money) computed
from them. Every section of the brief reads this context; nothing is recomputed in the notebook.

A context saved to disk (:func:`save_context`) holds the masked indicators only (and, for the
comparison chart, the per-site counts of the comparison model).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..analysis.disclosure import Suppression
from ..analysis.impact import brief_estimate
from ..analysis.indicators import compute_indicators, examined_exits
from ..analysis.money import brief_money_figures
from ..analysis.release import ReleaseMask, linked_suppression
from ..analysis.stats import perimeter_vs_expected
from ..analysis.targets import planned_exit_rates
from ..base.version import __version__
from ..data.model import Dataset
from ..data.selection import is_fictional, select_perimeter
from ..rules.dispositifs import is_salaried
from ..rules.exits import default_exit_rule, exit_rule
from ..rules.secrecy import DEFAULT_THRESHOLD
from .labels import perimeter_label
from .text_money import money_section

CONTEXT_TABLE = "indicateurs.parquet"
CONTEXT_MASK = "masque.parquet"
CONTEXT_META = "contexte.json"
CONTEXT_PERIODS = "periodes.parquet"


@dataclass
class ReleaseInputs:
    """What every brief of a release shares, computed once: the dataset, its examined exits, the
    provenance line, the impact estimate of each structure (computed on first use) and the masks of the
    whole release (:func:`~iae_impact.analysis.release.linked_suppression`: every brief's table, linked with
    the standard tables)."""

    dataset: Dataset
    exits: pd.DataFrame
    provenance: dict
    masks: ReleaseMask | None = None
    _impact: dict = field(default_factory=dict, repr=False)
    _comparisons: dict = field(default_factory=dict, repr=False)  # shared by the briefs (perimeter_vs_expected)
    #: The variant of the exit-examination rule every brief uses (``regles_sortie.csv``).
    regle: str = field(default_factory=default_exit_rule)

    @classmethod
    def of(cls, dataset: Dataset, seuil: int | None = None, briefs: Sequence[tuple] = (),
           regle: str | None = None) -> ReleaseInputs:
        """With ``seuil``: the release's masks are computed now, for the standard perimeters and ``briefs``
        ((structure, sites, annee): a brief's perimeter is pooled over years when its year alone is too small),
        every table with the exit-rule variant ``regle``."""
        regle = exit_rule(regle)
        provenance = {"empreinte_donnees": dataset.empreinte, "fictif": is_fictional(dataset), "version": __version__}
        if dataset.source_motifs:  # the data's own motive table (a fluxIAE extract's): the method names it
            provenance["table_motifs"] = dataset.source_motifs
        masks = None if seuil is None else linked_suppression(dataset, seuil, briefs=briefs, regle=regle)
        return cls(dataset, examined_exits(dataset, regle=regle), provenance, masks, regle=regle)

    def suppression(self, structure: str | None, sites: list[str] | None, seuil: int,
                    annee: int | None = None) -> Suppression:
        """The masked table of a brief's perimeter, as everywhere in the release (computed here, with this
        perimeter added and pooled for ``annee`` when needed, when the release has no masks yet or another
        threshold)."""
        if self.masks is None or self.masks.seuil != seuil or not self.masks.has_brief(structure, sites):
            self.masks = linked_suppression(self.dataset, seuil, briefs=[(structure, sites, annee)], regle=self.regle)
        return self.masks.brief(structure, sites)

    def impact(self, structure: str, annee: int | None = None) -> dict | None:
        """The impact estimate of ``structure`` on the exits up to ``annee`` (computed once per pair)."""
        key = (structure, annee)
        if key not in self._impact:
            self._impact[key] = brief_estimate(self.dataset, structure, annee)
        return self._impact[key]

    def perimeter_exits(self, structure: str | None, sites: list[str] | None) -> pd.DataFrame:
        exits = self.exits
        if structure is not None:
            exits = exits[exits["structure"].eq(structure)]
        if sites:
            exits = exits[exits["site"].isin(list(sites))]
        return exits


@dataclass
class BriefContext:
    """A brief's figures: the perimeter's indicators for every year, masked once, and its sections."""

    indicateurs: pd.DataFrame  # masked (NaN where statistical secrecy hides a cell)
    masque: pd.DataFrame
    seuil: int
    detail: dict
    perimetre: dict
    provenance: dict = field(default_factory=dict)
    #: Years with at least one examined exit (the trend chart names those whose rate is masked).
    annees_avec_sorties: list[int] = field(default_factory=list)
    #: Pooled periods (one row per period, ``periode`` « 2022-2024 », oldest first), masked with the release;
    #: None when each year says enough (:meth:`~iae_impact.analysis.release.ReleaseMask.pooled`).
    periodes: pd.DataFrame | None = None

    @property
    def salarie(self) -> bool:
        return bool(self.perimetre.get("salarie", True))

    @property
    def suppression(self) -> Suppression:
        return Suppression(table=self.indicateurs, masque=self.masque, seuil=self.seuil, detail=self.detail)


def perimeter_years(dataset: Dataset, structure: str | None, sites: list[str] | None) -> list[int]:
    """The years a brief of this perimeter has indicators for (as :func:`prepare_context` computes them),
    without any mask: the batch checks its configuration with it before the release is computed."""
    sub = select_perimeter(dataset, structure=structure, sites=sites)
    salarie = bool(is_salaried(sub.parcours["dispositif"]).any())
    table = compute_indicators(sub, inclure_non_salaries=not salarie)
    return sorted(int(y) for y in table["annee"].unique())


def prepare_context(data: Dataset | ReleaseInputs, structure: str | None = None, sites: list[str] | None = None,
                    annee: int | None = None, seuil: int = DEFAULT_THRESHOLD, regle: str | None = None) -> BriefContext:
    """Select the perimeter and compute what its brief shows, once: indicators for all years (persons
    counted once across sites), masked with threshold ``seuil`` as in the whole release (the standard tables
    and every brief of a batch, linked: :class:`ReleaseInputs`) and, for ``annee``, the comparison with
    the expected rate, the impact estimate and the public money when the data allow them.

    ``data``: the dataset, or the :class:`ReleaseInputs` every brief of a batch shares (whose variant of the
    exit rule is then used); ``regle``: the variant of the exit rule for a dataset (None: the default).
    A perimeter without any salaried dispositif (e.g. an accompaniment programme only) is described
    with its non-salaried participants, and the brief says "accompagnées" rather than "ont travaillé".
    """
    release = data if isinstance(data, ReleaseInputs) else ReleaseInputs.of(data, regle=regle)
    sub = select_perimeter(release.dataset, structure=structure, sites=sites)
    salaried = is_salaried(sub.parcours["dispositif"])
    salarie = bool(salaried.any())
    table = compute_indicators(sub, inclure_non_salaries=not salarie, regle=release.regle)
    suppression = release.suppression(structure, sites, seuil, annee)
    pooled = release.masks.pooled(structure, sites)
    dispositifs = sorted(sub.parcours.loc[salaried | (not salarie), "dispositif"].unique())
    extras: dict = {"comparaison": None, "impact": None, "argent": None}
    if annee is not None and salarie:
        extras["comparaison"] = perimeter_vs_expected(release.exits, annee, structure=structure, sites=sites,
                                                      cache=release._comparisons)
        if structure and not sites:  # the comparison group is recruited by a structure, not by a site
            extras["impact"] = release.impact(structure, annee)
        extras["argent"] = _money(sub, annee, suppression, extras["impact"], structure, sites, table=table)
    return BriefContext(
        indicateurs=suppression.table,
        masque=suppression.masque,
        seuil=suppression.seuil,
        detail=dict(suppression.detail),
        perimetre={"structure": structure, "sites": sites, "libelle": perimeter_label(structure, sites),
                   "salarie": salarie, "dispositifs": dispositifs, **extras, **_rule_and_targets(release, sub, annee)},
        provenance=dict(release.provenance),
        annees_avec_sorties=[int(y) for y in table.loc[table["sorties_examinees"] > 0, "annee"]],
        periodes=None if pooled is None else pooled.table.copy(),
    )


def _rule_and_targets(release: ReleaseInputs, sub: Dataset, annee: int | None) -> dict:
    """The variant of the exit rule, and the planned exit rates of the perimeter's conventions for ``annee``
    (each with its annexe financière number: never a national reference)."""
    out: dict = {"regle_sorties": release.regle}
    planned = planned_exit_rates(sub, None if annee is None else [annee])
    if len(planned):
        out["taux_prevus"] = [{k: (None if pd.isna(v) else (int(v) if k == "annee" else v)) for k, v in row.items()}
                              for row in planned.to_dict("records")]
    return out


def _money(sub: Dataset, annee: int, suppression: Suppression, impact: dict | None, structure: str | None,
           sites: list[str] | None, table: pd.DataFrame | None = None, **options) -> dict | None:
    """The money section: the additional exits come from the impact estimate only when its groups are
    comparable (the brief then states it); otherwise the amounts are gross and the section says why."""
    usable = impact if impact is not None and impact.get("comparable") else None
    if impact is not None and usable is None:
        why = "l'estimation d'impact n'est pas retenue : les deux groupes ne sont pas comparables"
    elif sites:
        why = "pas de groupe de comparaison pour un site : il est recruté par la structure"
    else:
        why = "pas de groupe de comparaison pour ce périmètre"
    money = brief_money_figures(sub, annee, suppression, impact=usable, indicators=table, **options)
    return None if money is None else money_section(money, structure, sites, sans_impact=why)


def save_context(ctx: BriefContext, directory: Path) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ctx.indicateurs.to_parquet(directory / CONTEXT_TABLE, index=False)
    ctx.masque.to_parquet(directory / CONTEXT_MASK, index=False)
    if ctx.periodes is not None:
        ctx.periodes.to_parquet(directory / CONTEXT_PERIODS, index=False)
    meta = {"perimetre": ctx.perimetre, "provenance": ctx.provenance, "seuil": ctx.seuil, "detail": ctx.detail,
            "annees_avec_sorties": ctx.annees_avec_sorties}
    (directory / CONTEXT_META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return directory


def load_context(directory: Path) -> BriefContext:
    directory = Path(directory)
    meta = json.loads((directory / CONTEXT_META).read_text(encoding="utf-8"))
    periods = directory / CONTEXT_PERIODS
    return BriefContext(pd.read_parquet(directory / CONTEXT_TABLE), pd.read_parquet(directory / CONTEXT_MASK),
                        int(meta["seuil"]), meta["detail"], meta["perimetre"], meta["provenance"],
                        [int(y) for y in meta["annees_avec_sorties"]],
                        pd.read_parquet(periods) if periods.exists() else None)


def brief_money(dataset: Dataset, annee: int, structure: str | None = None, sites: list[str] | None = None,
                parametres_path: str | Path | None = None, seuil: int = DEFAULT_THRESHOLD,
                release: ReleaseMask | None = None) -> dict | None:
    """The « L'argent public » section of one perimeter and year, exactly as its brief shows it (notebook 05
    calls this; the brief's context calls the same :func:`_money`): the perimeter's table masked as in the
    release (``release``, else the dataset's standard release), the impact estimate of a structure on the
    exits up to ``annee``, then :func:`~iae_impact.analysis.money.brief_money_figures`.
    None for a perimeter without salaried dispositif or without activity in ``annee``."""
    sub = select_perimeter(dataset, structure=structure, sites=sites)
    masks = release if release is not None and release.seuil == seuil else linked_suppression(dataset, seuil)
    atoms = masks.atoms_of(structure, sites, inclure_non_salaries=False)
    if not atoms:  # no salaried dispositif: no aide au poste
        return None
    impact = brief_estimate(dataset, structure, annee) if structure and not sites else None
    options = {} if parametres_path is None else {"parametres_path": parametres_path}
    return _money(sub, annee, masks.suppression(atoms), impact, structure, sites, **options)
