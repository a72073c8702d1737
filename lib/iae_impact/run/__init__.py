"""Run layer: notebook parameters and the papermill runner, the batch of briefs (process pool or Dask) and
the ``iae-impact`` command line. The top of the stack: nothing in the package imports it."""
