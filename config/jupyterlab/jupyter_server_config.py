# Jupyter server configuration of `make lab` (given with --config): it only wires the project's code.
# The project's notebooks (notebooks/, tracked by git) are saved without outputs, so a JupyterLab session
# leaves `git status` clean; notebooks/explorations/ (ignored by git) keeps its outputs.
# See lib/iae_impact/run/lab.py and the README, section « Carnets ».
import iae_impact  # noqa: F401 - pins BLAS to one thread in the server's environment: every kernel inherits it

c = get_config()  # noqa: F821 - provided by Jupyter when it reads this file
c.ContentsManager.pre_save_hook = "iae_impact.run.lab.pre_save_hook"
