"""Errors whose message is the whole story: French, for the user, shown without a traceback.

A notebook that stops on :class:`ParametresInvalides` shows one French line in JupyterLab, nbconvert and
papermill's error (IPython prints what ``_render_traceback_`` returns instead of the stack), and the
command line prints it as « Erreur : … » (it is a ``ValueError``).
"""

from __future__ import annotations


class ParametresInvalides(ValueError):
    """Parameters a notebook or a command cannot use; the message says which and why, in French."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of the traceback: the class name and the French message."""
        return [f"{type(self).__name__} : {self}"]
