"""Base layer: project paths, atomic outputs, French formatting, text folding, thread pinning.

Imports nothing from the rest of the package. Modules are imported one by one (this file
re-exports nothing), so that ``iae_impact.base.threads`` can be loaded before numpy.
"""
