"""Short French labels shared by the notebooks and the briefs."""

from __future__ import annotations

from collections.abc import Sequence


def perimeter_label(structure: str | None, sites: Sequence[str] | None) -> str:
    """« Structure — site, site », « site, site », « Structure », or « Ensemble des structures »."""
    if sites and structure:
        return f"{structure} — {', '.join(sites)}"
    if sites:
        return ", ".join(sites)
    return structure or "Ensemble des structures"


#: French column headers of every table a notebook shows: the one mapping (:func:`column_label`). A column
#: absent from it is named by :func:`column_label`'s rules (``part_``, ``_ic_bas``…), never by its code name.
COLUMN_LABELS = {
    "structure": "Structure", "site": "Site", "dispositif": "Dispositif", "annee": "Année", "action": "Action",
    "personnes": "Personnes", "entrees": "Entrées", "heures": "Heures", "etp": "ETP",
    "sorties": "Sorties", "sorties_examinees": "Sorties examinées", "sorties_dynamiques": "Sorties dynamiques",
    "emploi_durable": "Emploi durable", "emploi_transition": "Emploi de transition",
    "sorties_positives": "Sorties positives",
    "taux_sorties_dynamiques": "Taux de sorties dynamiques", "taux_emploi_durable": "Taux d'emploi durable",
    "taux_emploi_transition": "Taux d'emploi de transition", "taux_sorties_positives": "Taux de sorties positives",
    "ic_95": "IC 95 %", "ic_bas": "IC 95 % bas", "ic_haut": "IC 95 % haut",
    "fichier": "Fichier", "onglet": "Onglet", "lignes_lues": "Lignes lues", "lignes_acceptees": "Acceptées",
    "lignes_rejetees": "Rejetées", "lignes_vides_ignorees": "Vides ignorées", "colonne": "Colonne",
    "obligatoire": "Obligatoire", "lignes": "Lignes", "renseignees": "Renseignées", "taux_renseigne": "Part renseignée",
    "parcours": "Parcours", "premiere_entree": "Première entrée", "derniere_entree": "Dernière entrée",
    "en_cours": "En cours",
    "femmes": "Femmes", "moins_26_ans": "Moins de 26 ans", "50_ans_et_plus": "50 ans et plus", "rsa": "RSA",
    "de_longue_duree": "Chômage de longue durée", "niveau_infra_bac": "Niveau inférieur au bac", "qpv": "QPV",
    "zrr": "ZRR", "rqth": "RQTH",
    "montant_socle_eur": "Montant socle (€)", "source": "Source", "etp_conventionnes": "ETP conventionnés",
    "aide_au_poste_eur": "Aide au poste (€)", "cofinancement_departement_eur": "Cofinancement du département (€)",
    "autres_financements_eur": "Autres financements (€)", "total_public_eur": "Financement public (€)",
    "par_etp": "Par ETP (€)", "par_personne": "Par personne (€)", "par_sortie_dynamique": "Par sortie dynamique (€)",
    "par_emploi_durable": "Par emploi durable (€)",
    "effectif": "Effectif", "observees": "Observées", "attendues": "Attendues", "taux_observe": "Taux observé",
    "taux_attendu": "Taux attendu", "rapport_observe_attendu": "Observé / attendu", "taux_ajuste": "Taux ajusté",
    "position": "Position", "perimetre": "Périmètre", "issue": "Issue", "periode": "Période",
    "effet_site": "Effet site", "rapport_de_cotes": "Rapport de cotes", "p_valeur": "p", "note": "Note",
    "groupe": "Groupe", "n": "n", "mediane": "Médiane", "taux_hors_0_1_0_9": "Hors de [0,1 ; 0,9]",
    "variante": "Variante", "methode": "Méthode", "estimation": "Estimation (points)", "intervalle": "IC 95 % (points)",
    "n_traites": "Traités", "n_temoins": "Témoins", "sortie_dynamique": "Sortie dynamique",
    "taux_prevu": "Taux prévu", "taux_realise": "Taux réalisé", "numero_annexe_financiere": "Annexe financière",
    "ecrite": "règle écrite", "gip": "règle du GIP",
}


def column_label(name: str) -> str:
    """The French header of column ``name``: :data:`COLUMN_LABELS`, else by its form — ``part_femmes`` « Femmes
    (part) », ``x_n`` « n (x) », ``x_ic_bas`` « IC 95 % bas », ``x_<variante>`` « X (règle …) » — else the
    name with spaces (« taux_x » → « Taux x »); a header already written for a reader is kept."""
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    if not name.replace("_", "").isalnum() or name != name.lower():
        return name  # already a header (« Estimateur », « Intervalle à 95 % »)
    for suffix in ("_ic_95", "_ic_bas", "_ic_haut"):
        if name.endswith(suffix):
            return COLUMN_LABELS[suffix[1:]]
    if name.startswith("part_"):
        base = name.removeprefix("part_")
        known = base.endswith("_n")
        base = base[:-2] if known else base
        label = COLUMN_LABELS.get(base, base.replace("_", " ").capitalize())
        return f"n ({label})" if known else f"{label} (part)"
    head, _, tail = name.rpartition("_")
    if head and tail in ("ecrite", "gip"):  # a column of one variant of the exit rule
        return f"{column_label(head)} ({COLUMN_LABELS[tail]})"
    return name.replace("_", " ").capitalize()
