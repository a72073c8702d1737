"""Report layer: sentences, tables, charts, the brief's context (computed once, masked once), HTML and PDF
export with their templates, and the notebook helper. Everything a reader sees is French.

Imports from every layer below (base, rules, data, analysis), never from :mod:`iae_impact.run`.
"""
