"""What statistical secrecy masked, in French sentences (method sections, notebooks)."""

from __future__ import annotations

from ..analysis.disclosure import Suppression
from ..base.fr import plural


def suppression_reasons(suppression: Suppression) -> list[str]:
    """Short French sentences on what was masked and why (method section of the brief)."""
    s, d = suppression.seuil, suppression.detail
    if suppression.n_masques == 0:
        return [f"Aucune cellule masquée : aucun effectif non nul n'est inférieur à {s} personnes."]
    why = [f"effectifs inférieurs à {s} personnes"]
    if d.get("secondaire"):
        why.append("et cellules complémentaires masquées pour qu'aucune ne puisse être recalculée")
    out = [f"{plural(suppression.n_masques, 'cellule masquée', 'cellules masquées')} : {', '.join(why)}."]
    if d.get("lignes"):
        out.append(f"{plural(d['lignes'], 'ligne entièrement masquée', 'lignes entièrement masquées')} "
                   f"(moins de {s} personnes dans le groupe et l'année).")
    if d.get("primaire"):
        out.append(f"{plural(d['primaire'], 'effectif masqué', 'effectifs masqués')} car compris entre 1 et "
                   f"{s - 1} personnes ; les zéros sont publiés.")
    if d.get("secondaire"):
        out.append(f"{plural(d['secondaire'], 'cellule complémentaire masquée', 'cellules complémentaires masquées')}"
                   " pour qu'aucun effectif masqué ne se déduise par somme ou différence.")
    if d.get("liees"):
        out.append(f"{plural(d['liees'], 'cellule masquée', 'cellules masquées')} en plus pour qu'aucune valeur "
                   "masquée ne se déduise des autres tableaux et notes de la même publication.")
    if d.get("derivees"):
        out.append(f"{plural(d['derivees'], 'taux, durée ou part masqué', 'taux, durées ou parts masqués')} "
                   "car calculés sur un effectif masqué ou trop faible.")
    return out


def nested_warning(pairs: list[tuple[str, str]]) -> list[str]:
    """French warnings for briefs of one batch whose perimeters are nested (``(outer, inner)`` identifiers)."""
    return [f"Attention : le périmètre de la note « {inner} » est inclus dans celui de la note « {outer} ». "
            "Les deux sont masquées ensemble (secret statistique sur toute la publication), ce qui peut masquer "
            "davantage de cellules ; publiées séparément, avec d'autres réglages, elles permettraient des "
            "soustractions." for outer, inner in pairs]
