"""Data layer: the schemas of the input sheets (pandera, declared once), one reader per input format
(CSV, XLSX, parquet) mapping to one data model (:class:`~iae_impact.data.model.Dataset`), validation,
keyed pseudonymisation (standard :mod:`hmac`), the Excel template and the fictional demo.

Imports only from :mod:`iae_impact.base` and :mod:`iae_impact.rules`.
"""
