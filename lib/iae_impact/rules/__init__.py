"""Rules layer: the reference tables of ``data/reference/`` and every domain rule read from them,
each defined once (exit nomenclature and categories, examination rules, salaried dispositifs,
profile bands and education groups, the small-cell test, national references, amounts in force).

Imports only from :mod:`iae_impact.base`.
"""
