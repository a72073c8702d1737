"""Stable import path for other tools: public money (:mod:`iae_impact.analysis.money`) and the amounts in
force (:mod:`iae_impact.rules.amounts`)."""

from .analysis.money import aide_au_poste, avoided_costs, mask_small_cells
from .report.context import brief_money
from .rules.amounts import rsa_for_year, smic_for_year, socle_for_year
from .rules.avoided_costs import load_parameters

__all__ = ["aide_au_poste", "avoided_costs", "brief_money", "load_parameters", "mask_small_cells", "rsa_for_year",
           "smic_for_year", "socle_for_year"]
