"""French words of « L'argent public » (notebook 05 and the briefs): remarks on the aide au poste, the
assumptions of the avoided-cost scenarios with their sources, the networks' claim quoted as theirs,
and the sentences of a brief's section.

What the sentences hold to (issue 14): the aide au poste as a range when it is estimated (part modulée,
hours per ETP); the funding per person, per ETP and per sortie dynamique, each said for what it is;
avoided spending (RSA) and new receipts (contributions) apart, never added into one « coûts évités »;
only the additional exits where an impact estimate stands, otherwise gross amounts said to be gross in
the sentence itself; where the range stays wide, what makes it wide.
"""

from __future__ import annotations

import math

import pandas as pd

from ..analysis.money import MoneyFigures, clean_amount
from ..base.fr import format_eur, format_number, format_rate, round_eur
from ..rules.amounts import rsa_texts, smic_in_force
from ..rules.avoided_costs import PARAMETER_NAMES, SCENARIOS, modulation_range
from ..rules.dispositifs import dispositif_label, hours_per_etp_range
from .labels import perimeter_label

#: Above this ratio of the high to the low bound, the brief says what makes a range wide.
WIDE_RATIO = 3.0
NBSP = "\u00a0"


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
        return f"{text}{NBSP}€" + unite.removeprefix("euros")
    if unite.startswith("heures"):
        return f"{text} h" + unite.removeprefix("heures")
    return f"{text} {unite}"


def _smic_text(annee: int) -> str:
    rows = smic_in_force(annee)
    parts = [f"{format_number(v, 2)}{NBSP}€" + ("" if i == 0 else f" à partir du {d:%d/%m/%Y}")
             for i, (d, v, _t, _f) in enumerate(rows)]
    texts = " ; ".join(t for _d, _v, t, _f in rows)
    return f"{' puis '.join(parts)} ({texts})"


def assumptions_text(params: dict, couts: pd.DataFrame | None = None) -> list[str]:
    """Every assumption of the avoided-cost scenarios as a French sentence with its source (notebook 05).

    With ``couts`` (:func:`~iae_impact.analysis.money.avoided_costs`), also the observed share that replaced
    a parameter, and the RSA and SMIC amounts of the year."""
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
        if couts is not None and name == "part_rsa_sorties_emploi" and couts["origine_part_rsa"].iloc[0] == "donnees":
            text += (f" Remplacé ici par la part observée parmi les personnes salariées de l'année : "
                     f"{format_rate(couts.loc['central', 'part_rsa'])}.")
        out.append(text)
    if couts is not None:
        annee = int(couts["annee"].iloc[0])
        rsa = float(couts.loc["central", "rsa_mensuel_eur"])
        out.append(f"Montant du RSA : {format_number(rsa, 2)}{NBSP}€ par mois en moyenne en {annee} (montant "
                   "forfaitaire pour une personne seule, pondéré par les jours de validité ; data/reference/rsa.csv : "
                   f"{' ; '.join(rsa_texts(annee))}).")
        out.append(f"SMIC horaire brut en {annee} : {_smic_text(annee)} ; moyenne pondérée par les jours : "
                   f"{format_number(float(couts.loc['central', 'smic_horaire_eur']), 2)}{NBSP}€ "
                   "(data/reference/smic.csv).")
    out.append("Calcul : RSA non versé (dépense évitée) = personnes en emploi × part au RSA × mois × montant du RSA × "
               "part versée ; cotisations (recette nouvelle) = personnes en emploi × mois × SMIC × heures par mois × "
               "taux. Les deux ne s'additionnent pas. Le scénario bas prend toutes les valeurs basses, le haut toutes "
               "les hautes.")
    out.append("Personnes en emploi : là où un groupe de comparaison permet une estimation d'impact qui tient, les "
               "seules personnes en emploi du fait du parcours (impact estimé × sorties examinées) ; ailleurs, les "
               "sorties vers l'emploi, montants bruts (ce qui serait arrivé sans le parcours n'est pas déduit). La "
               "prime d'activité éventuellement versée après la reprise d'emploi n'est pas déduite.")
    return out


def networks_claim(params: dict) -> str:
    """The networks' return-on-investment claim, attributed to them and never reused as a result."""
    c = params["citation_reseaux"]
    return (f"Les réseaux ({c['auteurs']}) affirment : « {c['texte']} » — source : {' '.join(str(c['source']).split())}. "
            f"Statut : {c['statut']}. Ce chiffre est le leur : il n'est ni repris ni vérifié par ces calculs.")


# --------------------------------------------------------------------------- the brief's sentences


def eur_range(low: float | None, high: float | None, style: str = "entre") -> str:
    """« entre 13 940 et 15 350 € » (``style="de"``: « de 13 940 à 15 350 € »), « 13 950 € » when both round
    alike, « jusqu'à 8 300 € » from 0. The low bound is rounded down, the high one up."""
    if low is None or high is None:
        return "non publié"
    lo, hi = round_eur(low, "down"), round_eur(high, "up")
    if round_eur(low) == round_eur(high):
        return format_eur(low)
    if lo <= 0:
        return f"jusqu'à {format_number(hi)}{NBSP}€"
    if style == "de":
        return f"de {format_number(lo)} à {format_number(hi)}{NBSP}€"
    return f"entre {format_number(lo)} et {format_number(hi)}{NBSP}€"


def _persons(value: float) -> str:
    return format_number(value, 0 if float(value).is_integer() else 1)


def _aid_sentence(m: dict) -> str:
    a, source = m["annee"], m["source_aide_au_poste"]
    aide = m["aide_au_poste_eur"]
    if aide is None:
        if m["etp"] is None:
            return (f"En {a}, moins de {m['seuil_secret']} personnes ont travaillé sur ce périmètre : le montant de "
                    "l'aide au poste n'est pas publié (secret statistique).")
        return (f"En {a}, le montant de l'aide au poste n'est pas connu : pas de convention et aucun montant socle en "
                "vigueur dans les tables de référence.")
    etp = format_number(m["etp"], 1)
    low, high = m["modulation"]["bas"], m["modulation"]["haut"]
    modulation = f"plus une part modulée de {format_number(100 * low)} à {_modulation_text(high)} fixée par le préfet"
    hours = m["heures_par_etp"]
    hours_text = "" if hours["bas"] == hours["haut"] else (
        f", de {format_number(hours['bas'])} à {format_number(hours['haut'])} heures par ETP selon les sources")
    if source == "conventions":
        first = f"En {a}, l'aide au poste de l'État s'élève à {format_eur(aide['bas'])} selon les conventions ({etp} ETP réalisés)"
    elif source == "calcul":
        socle = "" if m["socle_eur"] is None else f" de {format_eur(m['socle_eur'])} par poste"
        first = (f"En {a}, l'aide au poste de l'État est estimée {eur_range(aide['bas'], aide['haut'])} "
                 f"({etp} ETP réalisés × montant socle{socle}, {modulation}{hours_text})")
    else:
        first = (f"En {a}, l'aide au poste versée par l'État est {eur_range(aide['bas'], aide['haut'])} (conventions "
                 f"pour une partie des postes, ETP réalisés × montant socle pour les autres, {modulation}{hours_text} ; "
                 f"{etp} ETP réalisés)")
    total = m["total_public_eur"]
    if m["autre_financement"]:
        amount = eur_range(total["bas"], total["haut"])
        verb = "se situe" if amount.startswith("entre") else "s'élève à"
        first += (f" ; avec le cofinancement du département et les autres financements connus, le financement "
                  f"public {verb} {amount}")
    return first + "."


def _ratio_sentence(m: dict) -> str | None:
    per_person, per_etp, per_sd = m["par_personne_eur"], m["par_etp_eur"], m["par_sortie_dynamique_eur"]
    if per_person is None:
        return None
    what, e, it = ("ce financement public", "", "il") if m["autre_financement"] else ("cette aide", "e", "elle")
    parts = [f"{eur_range(per_person['bas'], per_person['haut'], 'de')} par personne"]
    if per_etp is not None:
        parts.append(f"{eur_range(per_etp['bas'], per_etp['haut'], 'de')} par ETP")
    text = (f"Versé{e} pour les {format_number(m['personnes'])} personnes salariées de l'année, {what} représente "
            + " et ".join(parts))
    if per_sd is not None:
        text += (f" ; rapporté{e} aux {format_number(m['sorties_dynamiques'])} sorties dynamiques, "
                 f"{eur_range(per_sd['bas'], per_sd['haut'], 'de')} par sortie dynamique "
                 f"(un rapport, pas un coût par sortie : {it} finance aussi les personnes encore en parcours)")
    elif m["sorties_dynamiques"] == 0:
        text += " ; aucune sortie dynamique cette année"
    return text + "."


def _points(value: float) -> str:
    return format_number(100 * value, 0)


def _avoided_sentences(m: dict) -> list[str]:
    a = m["annee"]
    if m["rsa_evite_eur"] is None:
        return [f"Dépenses évitées et recettes nouvelles non estimées pour {a} : {m['couts_evites_non_estimes']}."]
    n, rsa, cot = m["personnes_emploi"], m["rsa_evite_eur"], m["cotisations_eur"]
    money = (f"{eur_range(rsa['bas'], rsa['haut'])} de RSA non versé (dépense évitée) et, à part, "
             f"{eur_range(cot['bas'], cot['haut'])} de cotisations sociales (recette nouvelle)")
    if m["base"] == "impact":
        est = m["impact"]
        sign = "+" if est["estimate"] >= 0 else ""
        zero = est["ci_bas"] <= 0
        who = (f"jusqu'à {_persons(n['haut'])}" if zero else f"entre {_persons(n['bas'])} et {_persons(n['haut'])}")
        text = (f"Selon l'impact estimé ({sign}{_points(est['estimate'])} points [{_points(est['ci_bas'])} ; "
                f"{_points(est['ci_haut'])}]), le parcours ajoute {who} personnes en emploi six mois après la sortie "
                f"sur les {format_number(m['sorties_examinees'])} sorties examinées de {a} : si cet emploi dure six "
                f"mois, {money}")
        out = [text + (" ; l'impact pouvant être nul, ces montants peuvent l'être aussi." if zero else ".")]
    else:
        e = m["sorties_emploi"]
        who = (f"les {_persons(e['bas'])} personnes sorties vers un emploi en {a}" if m["sorties_emploi_exactes"] else
               f"les personnes sorties vers un emploi en {a} (entre {_persons(e['bas'])} et {_persons(e['haut'])} "
               "selon les chiffres publiés)")
        out = [f"Si {who} le gardent six mois : {money}.",
               "Montants bruts : ils comptent aussi les personnes qui auraient trouvé un emploi sans le parcours "
               f"({m['sans_impact']})."]
    wide = _wide_text(m)
    if wide:
        out.append(wide)
    return out


def _wide_text(m: dict) -> str | None:
    """What makes a range wide (high bound at least :data:`WIDE_RATIO` times the low one), or None."""
    wide = [k for k in ("rsa_evite_eur", "cotisations_eur")
            if m[k]["bas"] <= 0 or m[k]["haut"] / m[k]["bas"] >= WIDE_RATIO]
    if not wide:
        return None
    n = m["personnes_emploi"]
    drivers = []
    if n["bas"] <= 0 or n["haut"] / n["bas"] >= 1.5:
        drivers.append("de l'intervalle de l'impact estimé" if m["base"] == "impact"
                       else "du nombre exact de sorties vers l'emploi, non publié (secret statistique)")
    hours = m["hypotheses_valeurs"]["heures_mensuelles"]
    if "cotisations_eur" in wide and hours["haut"] / hours["bas"] >= 1.5:
        drivers.append("de la durée du travail des emplois trouvés, inconnue (du mi-temps au temps plein)")
    if not drivers:
        return None
    return ("L'écart entre les bornes vient surtout " + " et ".join(drivers)
            + " : les sources disponibles ne permettent pas de le réduire.")


def assumptions_note(m: dict) -> str | None:
    """The assumptions a brief's sentences invoke, compactly: value and reliability (P primary source, S
    secondary, U unverified, Calc computed by the project); the sources are in data/reference."""
    h = m.get("hypotheses_valeurs")
    if not h:
        return None
    a = m["annee"]
    parts = []
    if m["aide_au_poste_eur"] is not None and m["source_aide_au_poste"] != "conventions":
        hours = m["heures_par_etp"]
        hours_text = (format_number(hours["bas"]) if hours["bas"] == hours["haut"]
                      else f"{format_number(hours['bas'])} à {format_number(hours['haut'])}")
        parts.append(f"socle de l'arrêté en vigueur [S], {hours_text} h par ETP ({h['source_heures']}), part "
                     f"modulée de {format_number(100 * m['modulation']['bas'])} à "
                     f"{_modulation_text(m['modulation']['haut'])} [S]")
    if m["rsa_evite_eur"] is not None:
        share = h["part_rsa"]
        share_text = (f"{format_rate(share['valeur'])} au RSA ({format_number(share['avec'])} des "
                      f"{format_number(share['sur'])} personnes salariées, données)"
                      if share["origine"] == "donnees" else
                      f"{format_rate(share['bas'])} à {format_rate(share['haut'])} au RSA [S]")
        versee = h["part_rsa_versee"]
        parts += [f"RSA {format_number(h['rsa_mensuel_eur'], 2)}{NBSP}€ par mois en {a} [P], versé à "
                  f"{format_number(100 * versee['bas'])} à {format_rate(versee['haut'])} (forfait logement) [Calc]",
                  share_text, f"SMIC {_smic_short(a)} [P]",
                  f"{format_number(h['heures_mensuelles']['bas'], 2)} à "
                  f"{format_number(h['heures_mensuelles']['haut'], 2)} h par mois [U]",
                  f"cotisations {format_number(100 * h['taux_cotisations']['bas'], 1)} à "
                  f"{format_rate(h['taux_cotisations']['haut'], 1)} du brut [S]",
                  f"{format_number(h['mois'])} mois d'emploi"]
    if not parts:
        return None
    return ("Hypothèses [fiabilité : P source primaire, S secondaire, U non vérifiée, Calc calcul] : " + " ; ".join(parts)
            + ". Sources : data/reference du projet iae-impact.")


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def _smic_short(annee: int) -> str:
    rows = smic_in_force(annee)
    return " puis ".join(f"{format_number(v, 2)}{NBSP}€" + ("" if i == 0 else f" à partir de {MONTHS[d.month - 1]}")
                         for i, (d, v, _t, _f) in enumerate(rows))


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
    if code == "impact_non_positif":
        return "l'impact estimé n'est pas positif : aucune personne en emploi du fait du parcours ne peut être comptée"
    if code == "erreur":
        return figures.erreur
    return None


def _range(values: dict | None, digits: int = 2, keys=("bas", "haut")) -> dict | None:
    return None if values is None else {k: clean_amount(values[k], digits) for k in keys}


def _assumption_values(figures: MoneyFigures) -> dict | None:
    couts = figures.couts
    if couts is None and figures.aide_bas is None:
        return None
    dispositifs = figures.dispositifs
    out: dict = {"source_heures": "annexes financières de l'État [P]" if all(
        d in ("ACI", "AI") for d in dispositifs) else "voir dispositifs.csv"}
    if couts is None:
        return out
    first = couts.iloc[0]
    share = {"origine": str(first["origine_part_rsa"]), "bas": float(couts.loc["bas", "part_rsa"]),
             "haut": float(couts.loc["haut", "part_rsa"]), "valeur": float(couts.loc["central", "part_rsa"])}
    if figures.part_rsa_observee is not None:
        share.update(avec=figures.part_rsa_observee[0], sur=figures.part_rsa_observee[1])
    out.update({
        "rsa_mensuel_eur": round(float(first["rsa_mensuel_eur"]), 2),
        "smic_horaire_eur": round(float(first["smic_horaire_eur"]), 4),
        "smic_en_vigueur_eur": [v for _d, v, _t, _f in smic_in_force(figures.annee)],
        "part_rsa": share, "mois": float(first["mois"]),
        "part_rsa_versee": _range(couts["part_rsa_versee"].to_dict(), 4),
        "heures_mensuelles": _range(couts["heures_mensuelles"].to_dict(), 2),
        "taux_cotisations": _range(couts["taux_cotisations"].to_dict(), 4),
    })
    return out


def money_section(figures: MoneyFigures, structure: str | None, sites: list[str] | None,
                  sans_impact: str | None = None) -> dict:
    """The « L'argent public » section of a brief (JSON-serialisable): the numbers of ``figures``, the
    sentences, the compact note of assumptions, every assumption with its source (notebook 05), the
    networks' claim quoted as theirs and the remarks on the aide au poste. ``sans_impact``: why no impact
    estimate counts the additional exits (said beside gross amounts)."""
    couts = figures.couts

    def per_scenario(column: str, digits: int = 2) -> dict | None:
        return None if couts is None else {s: clean_amount(couts.loc[s, column], digits) for s in SCENARIOS}

    low_mod, high_mod = modulation_range(figures.parametres)
    hours = [hours_per_etp_range(d) for d in figures.dispositifs]
    aid = None if figures.aide_bas is None else {"bas": figures.aide_bas, "haut": figures.aide_haut}
    total = None if figures.total_public_bas is None else {"bas": figures.total_public_bas,
                                                          "haut": figures.total_public_haut}
    result = {
        "annee": figures.annee,
        "perimetre": perimeter_label(structure, sites),
        "dispositifs": figures.dispositifs,
        "dispositifs_libelles": [dispositif_label(d) for d in figures.dispositifs],
        "seuil_secret": figures.seuil,
        "etp": figures.etp,
        "personnes": figures.personnes,
        "sorties_examinees": figures.sorties_examinees,
        "sorties_dynamiques": figures.sorties_dynamiques,
        "source_aide_au_poste": figures.source_aide_au_poste,
        "socle_eur": clean_amount(figures.socle_eur),
        "modulation": {"bas": low_mod, "haut": high_mod},
        "heures_par_etp": {"bas": min((h[1] for h in hours), default=math.nan),
                           "haut": max((h[2] for h in hours), default=math.nan)},
        "aide_au_poste_eur": aid,
        "cofinancement_departement_eur": figures.cofinancement_departement_eur,
        "autres_financements_eur": figures.autres_financements_eur,
        "autre_financement": bool(figures.cofinancement_departement_eur or figures.autres_financements_eur),
        "total_public_eur": total,
        "par_personne_eur": _range(figures.per(figures.personnes)),
        "par_etp_eur": _range(figures.per(figures.etp)),
        "par_sortie_dynamique_eur": _range(figures.per(figures.sorties_dynamiques)),
        "base": figures.base,
        "impact": None if figures.impact is None else {k: figures.impact[k] for k in ("estimate", "ci_bas", "ci_haut")},
        "sans_impact": sans_impact or "pas de groupe de comparaison pour ce périmètre",
        "sorties_emploi": _range(figures.sorties_emploi, 1, SCENARIOS),
        "sorties_emploi_exactes": figures.sorties_emploi_exactes,
        "personnes_emploi": per_scenario("personnes_emploi", 4),
        "rsa_evite_eur": per_scenario("rsa_evite_eur"),
        "cotisations_eur": per_scenario("cotisations_eur"),
        "couts_evites_non_estimes": not_estimated_text(figures),
        "hypotheses_valeurs": _assumption_values(figures),
        "hypotheses": assumptions_text(figures.parametres, couts),
        "citation_reseaux": networks_claim(figures.parametres),
        "remarques": aid_remarks(figures.aide),
        "fichier_parametres": figures.fichier_parametres,
    }
    sentences = [_aid_sentence(result)]
    shared = structure_convention_sentences(figures)
    if shared:  # a site's share of a convention covering its whole structure: said, in the data and the brief
        result["conventions_structure"] = [s for s in figures.aide.attrs["conventions_structure"]
                                           if s["annee"] == figures.annee]
        sentences += shared
    ratio = _ratio_sentence(result)
    if ratio:
        sentences.append(ratio)
    if aid is not None or result["rsa_evite_eur"] is not None:
        sentences += _avoided_sentences(result)
    result["phrases"] = sentences
    result["note"] = assumptions_note(result)
    return result


#: How each scenario's amount is rounded in notebook 05's table: as the bounds of the brief's range
#: (:func:`eur_range`: the low one down, the high one up), so that the table and the sentences give one range.
_SCENARIO_ROUNDING = {"bas": "down", "central": "nearest", "haut": "up"}


def scenario_table(section: dict) -> pd.DataFrame:
    """The scenarios of a money section (notebook 05): persons counted, RSA no longer paid, contributions, per
    scenario, French-formatted (the two amounts side by side, never added); the low and high amounts rounded as
    the bounds of the brief's sentence (:func:`eur_range`), so that both show the same range."""
    if section.get("personnes_emploi") is None:
        return pd.DataFrame({"Scénario": [], "Personnes en emploi": [], "RSA non versé (dépense évitée)": [],
                             "Cotisations (recette nouvelle)": []})
    return pd.DataFrame([{"Scénario": s, "Personnes en emploi": format_number(section["personnes_emploi"][s], 1),
                          "RSA non versé (dépense évitée)": format_eur(section["rsa_evite_eur"][s],
                                                                       _SCENARIO_ROUNDING[s]),
                          "Cotisations (recette nouvelle)": format_eur(section["cotisations_eur"][s],
                                                                       _SCENARIO_ROUNDING[s])}
                         for s in SCENARIOS])


def cost_table(sections: dict[str, dict | None]) -> pd.DataFrame:
    """Notebook 05's « coût public par résultat »: one row per structure, the ranges of its brief's money
    section (:func:`~iae_impact.report.context.brief_money`), written as the brief writes them (:func:`eur_range`)."""
    rows = []
    for name, section in sections.items():
        if section is None:
            continue

        def amount(key: str, sec: dict = section) -> str:
            value = sec.get(key)
            return "non publié" if value is None else eur_range(value["bas"], value["haut"], "de")

        rows.append({"Structure": name, "Année": str(section["annee"]), "Aide au poste": amount("aide_au_poste_eur"),
                     "Financement public connu": amount("total_public_eur"),
                     "Personnes": format_number(section["personnes"]),
                     "ETP": format_number(section["etp"], 1),
                     "Sorties dynamiques": format_number(section["sorties_dynamiques"]),
                     "Par personne": amount("par_personne_eur"), "Par ETP": amount("par_etp_eur"),
                     "Par sortie dynamique": amount("par_sortie_dynamique_eur")})
    return pd.DataFrame(rows)
