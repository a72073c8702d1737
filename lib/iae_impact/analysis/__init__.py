"""Analysis layer: indicators, statistical secrecy masks, fair comparisons, impact estimates and public
money. Numbers only — frames, dicts of numbers and dataclasses; no French sentence and no figure
(those are in :mod:`iae_impact.report`). Errors raised here carry French messages: users read them.

Imports only from :mod:`iae_impact.base`, :mod:`iae_impact.rules` and :mod:`iae_impact.data`.
"""
