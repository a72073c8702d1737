"""French words of « L'argent public » (notebook 05 and the briefs): remarks on the aide au poste, the
assumptions of the avoided-cost scenarios with their sources, the networks' claim quoted as theirs,
and the two sentences of a brief's section."""

from __future__ import annotations

import math

import pandas as pd

from ..analysis.money import MoneyFigures, clean_amount
from ..base.fr import format_eur, format_number, format_rate, round_eur
from ..rules.amounts import rsa_texts
from ..rules.avoided_costs import PARAMETER_NAMES, SCENARIOS
from .labels import perimeter_label

#: Which parameter each observed share replaces (keys of the ``couts`` frame).
OBSERVED_PARAMETERS = {"part_rsa": "part_rsa_sorties_emploi", "part_en_emploi": "part_en_emploi_6_mois"}


def _modulation_text(modulation: float) -> str:
    return format_rate(modulation, 1 if modulation * 100 % 1 else 0)


def aid_remarks(table: pd.DataFrame) -> list[str]:
    """French remarks on an :func:`~iae_impact.analysis.money.aide_au_poste` table: programmes left out,
    how the aid was estimated, years without an amount."""
    notes = []
    excluded = table.attrs.get("non_salaries_exclus") or []
    modulation = float(table.attrs.get("modulation", 0.0))
    if excluded:
        notes.append(f"Programmes non salariés exclus ({', '.join(excluded)}) : ils ne reçoivent pas d'aide au poste.")
    if table["source"].isin(["calcul", "mixte"]).any():
        part = f" + part modulée de {_modulation_text(modulation)}" if modulation else " (part modulée non comptée)"
        notes.append("Sans convention, aide au poste estimée = ETP réalisés × montant socle en vigueur"
                     f"{part} ; montants socle : data/reference/aide_au_poste.csv, moyenne pondérée par les jours "
                     "de validité de chaque montant dans l'année.")
    for shared in table.attrs.get("conventions_structure") or []:
        if shared["part_perimetre"] < 1:
            notes.append(structure_convention_text(shared))
    years = table.attrs.get("annees_inconnues") or []
    if years:
        notes.append("Aide au poste inconnue pour " + ", ".join(map(str, years))
                     + " : aucun montant socle en vigueur au 1er janvier dans data/reference/aide_au_poste.csv "
                     "et pas de convention.")
    return notes


def _format_value(value: float, unite: str) -> str:
    if unite.startswith("proportion"):
        return format_rate(value, 0 if round(value * 100, 6) % 1 == 0 else 1)
    decimals = 0 if float(value).is_integer() else 2
    text = format_number(value, decimals)
    if unite.startswith("euros"):
        return f"{text}\u00a0€" + unite.removeprefix("euros")
    if unite.startswith("heures"):
        return f"{text} h" + unite.removeprefix("heures")
    return f"{text} {unite}"


def assumptions_text(params: dict, couts: pd.DataFrame | None = None) -> list[str]:
    """Every assumption of the avoided-cost scenarios as a French sentence with its source.

    With ``couts`` (the output of :func:`~iae_impact.analysis.money.avoided_costs`), also the observed shares that replaced a
    parameter, the RSA amount of the year and the contributions per month of employment.
    """
    out = []
    for name in PARAMETER_NAMES:
        p = params["parametres"][name]
        unite = str(p["unite"])
        if p["bas"] == p["central"] == p["haut"]:
            values = f"{_format_value(p['central'], unite)} dans les trois scénarios"
        else:
            values = (f"{_format_value(p['central'], unite)} (scénario bas : {_format_value(p['bas'], unite)} ; "
                      f"haut : {_format_value(p['haut'], unite)})")
        text = f"{p['libelle']} : {values}. Source : {' '.join(str(p['source']).split())} [fiabilité {p['fiabilite']}]."
        key = next((k for k, param in OBSERVED_PARAMETERS.items() if param == name), None)
        if couts is not None and key is not None:
            row = couts.loc["central"]
            known = int(row[f"renseignees_{key}"])
            if row[f"origine_{key}"] == "donnees":
                text += (f" Remplacé ici par la part observée dans les données : {format_rate(row[key])} sur "
                         f"{format_number(known)} sorties vers l'emploi renseignées (scénarios bas et haut : "
                         f"intervalle de confiance à 95 %, {format_rate(couts.loc['bas', key])} à "
                         f"{format_rate(couts.loc['haut', key])}).")
            elif not bool(row["sorties_emploi_exact"]):
                text += (" Valeur de repli utilisée : le nombre exact de sorties vers l'emploi n'est pas publié "
                         "(secret statistique).")
            else:
                text += (" Valeur de repli utilisée : les données individuelles ne suffisent pas "
                         f"({format_number(known)} sorties vers l'emploi renseignées, ou effectifs trop faibles "
                         "pour être publiés).")
        out.append(text)
    if couts is not None:
        annee = int(couts["annee"].iloc[0])
        rsa = float(couts.loc["central", "rsa_mensuel_eur"])
        out.append(f"Montant du RSA : {format_number(rsa, 2)}\u00a0€ par mois en moyenne en {annee} (montant forfaitaire "
                   "pour une personne seule, pondéré par les jours de validité ; data/reference/rsa.csv : "
                   f"{' ; '.join(rsa_texts(annee))}).")
        per_month = [format_number(couts.loc[s, "cotisations_mensuelles_eur"]) for s in SCENARIOS]
        out.append(f"Cotisations par mois d'emploi (SMIC horaire × heures par mois × taux) : {per_month[0]}\u00a0€ "
                   f"(bas), {per_month[1]}\u00a0€ (central), {per_month[2]}\u00a0€ (haut).")
        what = "sorties examinées en emploi durable ou en emploi de transition, motif déclaré à la sortie"
        if bool(couts["sorties_emploi_exact"].iloc[0]):
            out.append(f"Sorties vers l'emploi en {annee} : {format_number(couts.loc['central', 'sorties_emploi'])} "
                       f"({what}).")
        else:
            out.append(f"Sorties vers l'emploi en {annee} ({what}) : nombre exact non publié (secret statistique) ; "
                       f"le scénario bas en retient {format_number(couts.loc['bas', 'sorties_emploi'])}, les seules "
                       f"publiées, le haut {format_number(couts.loc['haut', 'sorties_emploi'])}, le plus grand nombre "
                       "compatible avec les sorties dynamiques publiées, le central "
                       f"{format_number(couts.loc['central', 'sorties_emploi'], 1)}, leur moyenne.")
    else:
        out.append("Montant du RSA : montant forfaitaire pour une personne seule en vigueur pendant l'année de "
                   "sortie (data/reference/rsa.csv), moyenne pondérée par les jours de validité.")
    out.append("Calcul : RSA évité = sorties vers l'emploi × part au RSA × part encore en emploi × mois × montant "
               "du RSA × part versée ; cotisations = sorties vers l'emploi × part encore en emploi × mois × "
               "cotisations par mois. Le scénario bas prend toutes les valeurs basses, le haut toutes les hautes.")
    out.append("Montants bruts : ni ce qui serait arrivé sans le parcours (effet propre, estimé à part), ni la "
               "prime d'activité éventuellement versée après la reprise d'emploi ne sont déduits. Un ordre de "
               "grandeur, pas un résultat mesuré.")
    return out


def networks_claim(params: dict) -> str:
    """The networks' return-on-investment claim, attributed to them and never reused as a result."""
    c = params["citation_reseaux"]
    return (f"Les réseaux ({c['auteurs']}) affirment : « {c['texte']} » — source : {' '.join(str(c['source']).split())}. "
            f"Statut : {c['statut']}. Ce chiffre est le leur : il n'est ni repris ni vérifié par ces calculs.")


def _times(ratio: float) -> str:
    """A ratio to the aide au poste with two significant digits below 1: 0,0082 -> « 0,008 », 0,28 -> « 0,28 »."""
    if ratio >= 1 or ratio == 0:
        return format_number(ratio, 1)
    decimals = max(2, 1 - int(math.floor(math.log10(ratio))))
    return format_number(ratio, decimals).rstrip("0")


def _sentences(m: dict, sorties_dynamiques: int, sd_hidden: bool, seuil: int) -> list[str]:
    a = m["annee"]
    aide = m["aide_au_poste_eur"]
    if aide is None:
        if m["etp"] is None:
            first = (f"En {a}, moins de {seuil} personnes ont travaillé sur ce périmètre : le montant de l'aide au "
                     "poste n'est pas publié (secret statistique).")
        else:
            first = (f"En {a}, le montant de l'aide au poste n'est pas connu : pas de convention et aucun montant "
                     "socle en vigueur dans les tables de référence.")
    else:
        etp = format_number(m["etp"], 1)
        amount = format_eur(aide)
        modulated = (f" + part modulée de {format_rate(m['modulation'], 1 if m['modulation'] * 100 % 1 else 0)}"
                     if m["modulation"] else "")
        if m["source_aide_au_poste"] == "conventions":
            first = f"En {a}, l'aide au poste versée par l'État s'élève à {amount} selon les conventions ({etp} ETP réalisés)"
        elif m["source_aide_au_poste"] == "calcul":
            first = (f"En {a}, l'aide au poste versée par l'État est estimée à {amount} ({etp} ETP réalisés × "
                     f"montant socle en vigueur{modulated})")
        else:
            first = (f"En {a}, l'aide au poste versée par l'État est de {amount} (conventions pour une partie des "
                     f"postes, estimation ETP réalisés × montant socle pour les autres ; {etp} ETP)")
        other = any(m[c] for c in ("cofinancement_departement_eur", "autres_financements_eur"))
        what = "de financement public connu (État, département, autres)" if other else "d'aide au poste"
        if m["cout_public_par_sortie_dynamique_eur"] is not None:
            first += f", soit {format_eur(m['cout_public_par_sortie_dynamique_eur'])} {what} par sortie dynamique."
        elif sd_hidden:
            first += " ; le coût par sortie dynamique n'est pas publié (trop peu de sorties, secret statistique)."
        elif sorties_dynamiques == 0:
            first += " ; aucune sortie dynamique cette année."
        else:
            first += "."
    couts = m["couts_evites_eur"]
    if couts is None:
        second = f"Les coûts évités ne sont pas estimés pour {a} : {m['couts_evites_non_estimes']}."
    else:
        low, high = round_eur(couts["bas"], "down"), round_eur(couts["haut"], "up")
        second = (f"Selon des hypothèses explicites (RSA non versé et cotisations sociales des personnes sorties vers "
                  f"l'emploi), les coûts évités se situeraient entre {format_number(low)} et {format_number(high)}\u00a0€")
        ratio = m["ratio_aide_au_poste"]
        if ratio and ratio["bas"] is not None and ratio["haut"] is not None:
            second += (f", soit entre {_times(ratio['bas'])} et {_times(ratio['haut'])} fois "
                       "l'aide au poste")
        second += " : un ordre de grandeur, pas un résultat mesuré."
    return [first, second]




def structure_convention_text(shared: dict) -> str:
    """How a perimeter's aid was taken from a convention covering its whole structure (empty site)."""
    amount = "" if shared["aide_au_poste_eur"] is None else f" ({format_eur(shared['aide_au_poste_eur'])} d'aide au poste)"
    if shared["part_perimetre"] <= 0:
        return (f"La convention {shared['dispositif']} {shared['annee']} de {shared['structure']} couvre toute la "
                f"structure{amount} : ce périmètre n'a pas d'ETP réalisés cette année, il n'en reçoit aucune part.")
    return (f"La convention {shared['dispositif']} {shared['annee']} de {shared['structure']} couvre toute la "
            f"structure{amount} : ce périmètre en reçoit {format_rate(shared['part_perimetre'], 1)}, sa part des ETP "
            "réalisés par la structure cette année ; chaque euro n'est compté qu'une fois.")


def structure_convention_sentences(figures: MoneyFigures) -> list[str]:
    """The brief's sentence when its aid is a share of a convention covering the whole structure."""
    attrs = figures.aide.attrs if figures.aide is not None else {}
    return [structure_convention_text(s) for s in attrs.get("conventions_structure") or []
            if s["annee"] == figures.annee and s["part_perimetre"] < 1]


def not_estimated_text(figures: MoneyFigures) -> str | None:
    """Why the avoided costs are not estimated, in French (None when they are)."""
    code = figures.non_estimes
    if code == "secret_personnes":
        return f"moins de {figures.seuil} personnes sur ce périmètre en {figures.annee} (secret statistique)"
    if code == "secret_sorties":
        return "trop peu de sorties pour publier un montant (secret statistique)"
    if code == "aucune_sortie_emploi":
        return f"aucune sortie vers l'emploi en {figures.annee}"
    if code == "erreur":
        return figures.erreur
    return None


def money_section(figures: MoneyFigures, structure: str | None, sites: list[str] | None) -> dict:
    """The « L'argent public » section of a brief (JSON-serialisable): the numbers of ``figures``, the
    two sentences (avoided costs only ever as « entre X et Y € »), the assumptions with their sources,
    the networks' claim quoted as theirs and the remarks on the aide au poste."""
    couts = figures.couts

    def per_scenario(column: str, digits: int = 2) -> dict | None:
        return None if couts is None else {s: clean_amount(couts.loc[s, column], digits) for s in SCENARIOS}

    result = {
        "annee": figures.annee,
        "perimetre": perimeter_label(structure, sites),
        "dispositifs": figures.dispositifs,
        "modulation": figures.modulation,
        "etp": figures.etp,
        "aide_au_poste_eur": figures.aide_au_poste_eur,
        "source_aide_au_poste": figures.source_aide_au_poste,
        "cofinancement_departement_eur": figures.cofinancement_departement_eur,
        "autres_financements_eur": figures.autres_financements_eur,
        "total_public_eur": figures.total_public_eur,
        "cout_public_par_sortie_dynamique_eur": figures.cout_public_par_sortie_dynamique_eur,
        "couts_evites_eur": per_scenario("total_eur"),
        "ratio_aide_au_poste": per_scenario("ratio_aide_au_poste", 4),
        "couts_evites_non_estimes": not_estimated_text(figures),
        "sorties_emploi": per_scenario("sorties_emploi", 1),
        "sorties_emploi_exact": None if couts is None else bool(couts["sorties_emploi_exact"].iloc[0]),
        "hypotheses": assumptions_text(figures.parametres, couts),
        "citation_reseaux": networks_claim(figures.parametres),
        "remarques": aid_remarks(figures.aide),
        "fichier_parametres": figures.fichier_parametres,
    }
    result["phrases"] = _sentences(result, figures.sorties_dynamiques, figures.sorties_dynamiques_masquees,
                                   figures.seuil)
    shared = structure_convention_sentences(figures)
    if shared:  # a site's share of a convention covering its whole structure: said, in the data and the brief
        result["conventions_structure"] = [s for s in figures.aide.attrs["conventions_structure"]
                                           if s["annee"] == figures.annee]
        result["phrases"] += shared
    return result
