"""Synthetic ASP fluxIAE views, written from the documented layout (FLUXIAE §1.2, §2) and from the same
records as a template export, so that both must give the same indicators.

The records are the demo's salaried parcours (``data/demo/fictif``), made what an ASP extract can hold:
one ASP structure (a SIRET) per site, one person id per person and structure, the profile the views
carry (sex, birth year, QPV, ZRR per person; RSA, education level, France Travail registration, RQTH,
prescriber per contract). Each parcours becomes an initial contract and, for some, one or two renewals;
its monthly hours become monthly statements on the contract of the month (split between two contracts
the month a renewal starts); each structure, measure and year gets an annexe financière carrying the
demo's convention amounts and a planned exit rate.

Written the way real extracts come: a ``DEB…`` first line and a ``FIN<n>`` last line on some views, a BOM
on one, a raw newline inside a free-text field, a gzipped view, names, NIR, addresses, telephone numbers
and e-mails in columns never read, an annexe in a state that does not count, a fund (``FDI_DC``), a
superseded version of a monthly statement, statements not yet validated.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iae_impact.base.paths import DEMO_DIR, REFERENCE_DIR
from iae_impact.rules.exits import canonical_motive

DATE = "%d/%m/%Y"
STAMP = "15032025_093000"
#: Text values of the PII columns: they must never reach a dataset or an output.
PII = {"salarie_nom_usage": "DUPONT-PII", "salarie_prenom": "CAMILLE-PII", "salarie_nir": "2850575123456",
       "salarie_adr_libelle_voie": "RUE DES SECRETS-PII", "salarie_adr_mail": "camille.pii@exemple.fr",
       "salarie_telephone": "0600000042"}
ORIENTEURS = {"France Travail": "03", "Mission locale": "01", "Conseil départemental": "05", "SPIP": "09",
              "Candidature spontanée": "07"}
DUREES = {"non inscrit": "0", "moins de 6 mois": "1", "6 à 11 mois": "2", "12 à 23 mois": "3", "24 mois et plus": "4"}


@dataclass
class Records:
    """The same records, ready to be written both ways."""

    structures: pd.DataFrame  # structure_id_siae, denomination, site, siret, code_insee
    persons: pd.DataFrame  # salarie_id, sexe, annee_naissance, qpv, zrr
    parcours: pd.DataFrame  # template columns + structure_id_siae
    contracts: pd.DataFrame
    hours: pd.DataFrame  # id_parcours, annee, mois, heures, contrat
    annexes: pd.DataFrame
    motives: pd.DataFrame
    categories: pd.DataFrame


def _demo(name: str) -> pd.DataFrame:
    return pd.read_csv(DEMO_DIR / f"{name}_FICTIF.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _structures(parcours: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    pairs = parcours[["structure", "site"]].drop_duplicates().sort_values(["structure", "site"]).reset_index(drop=True)
    code = dict(zip(sites["site"], sites["code_commune"], strict=True))
    return pd.DataFrame({"structure_id_siae": [str(9100 + i) for i in range(len(pairs))],
                         "denomination": pairs["structure"], "site": pairs["site"],
                         "siret": [f"{41234567800010 + 7 * i}" for i in range(len(pairs))],
                         "code_insee": pairs["site"].map(code).fillna("31555")})


def _persons(parcours: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One ASP person per (person, structure), with the profile of their latest parcours there; the parcours
    carry that person's id and profile (what the views can hold)."""
    keys = parcours[["id_personne", "structure_id_siae"]].drop_duplicates().reset_index(drop=True)
    keys["salarie_id"] = [str(300000 + i) for i in range(len(keys))]
    parcours = parcours.merge(keys, on=["id_personne", "structure_id_siae"])
    latest = parcours.sort_values("date_entree_d").groupby("salarie_id").tail(1).set_index("salarie_id")
    persons = latest[["sexe", "annee_naissance", "residant_qpv", "residant_zrr"]].reset_index()
    for column in ("sexe", "annee_naissance", "residant_qpv", "residant_zrr"):
        parcours[column] = parcours["salarie_id"].map(persons.set_index("salarie_id")[column])
    parcours["id_personne"] = parcours["salarie_id"]
    return persons, parcours


def _contracts(parcours: pd.DataFrame) -> pd.DataFrame:
    """Each parcours as an initial contract and 0, 1 or 2 renewals."""
    rows, next_id = [], 700000
    for i, p in enumerate(parcours.itertuples(index=False)):
        start, end = p.date_entree_d, p.date_sortie_d
        last = end if pd.notna(end) else pd.Timestamp("2025-12-31")
        pieces = 3 if i % 5 == 0 else 2 if i % 3 == 0 else 1
        span = (last - start).days
        if span < 60 * pieces:
            pieces = 1
        cuts = [start + pd.Timedelta(days=span * k // pieces) for k in range(pieces)]
        for k, begin in enumerate(cuts):
            final = k == pieces - 1
            rows.append({"contrat_id_ctr": str(next_id), "parcours": p.id_parcours, "type": str(k),
                         "debut": begin, "fin_prevue": (cuts[k + 1] - pd.Timedelta(days=1)) if not final else last,
                         "sortie": end if final else pd.NaT, "motif": p.motif_sortie if final else "",
                         "salarie_id": p.salarie_id, "structure_id_siae": p.structure_id_siae,
                         "mesure": f"{p.dispositif}_DC", "rsa": p.beneficiaire_rsa, "niveau": p.niveau_formation,
                         "duree": p.duree_inscription_ft, "rqth": p.rqth, "orienteur": p.orienteur})
            next_id += 1
    return pd.DataFrame(rows)


def build_records() -> Records:
    """The demo's salaried parcours as the records both the template and the views are written from."""
    parcours = _demo("parcours")
    parcours = parcours[parcours["dispositif"].ne("ACCOMPAGNEMENT")].copy()  # no ASP measure
    parcours["date_entree_d"] = pd.to_datetime(parcours["date_entree"], format=DATE)
    parcours["date_sortie_d"] = pd.to_datetime(parcours["date_sortie"], format=DATE, errors="coerce")
    parcours["motif_sortie"] = parcours["motif_sortie"].map(lambda m: canonical_motive(m) if m else "")
    structures = _structures(parcours, _demo("sites"))
    parcours = parcours.merge(structures.rename(columns={"denomination": "structure"})[
        ["structure", "site", "structure_id_siae"]], on=["structure", "site"])
    persons, parcours = _persons(parcours)
    parcours["orienteur"] = parcours["orienteur"].map(ORIENTEURS).fillna("")
    contracts = _contracts(parcours)
    initial = contracts[contracts["type"].eq("0")].set_index("parcours")["contrat_id_ctr"]
    contracts["parcours_id"] = contracts["parcours"].map(initial)
    hours = _hours(_demo("heures"), contracts)
    parcours["id_parcours"] = parcours["id_parcours"].map(initial)
    motives, categories = _motive_tables()
    annexes = _annexes(hours, contracts, structures, _demo("conventions"))
    return Records(structures, persons, parcours, contracts, hours, annexes, motives, categories)


def _hours(heures: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    """Monthly hours on the contract of the month; split 40/60 between two contracts the month a renewal starts."""
    heures = heures.merge(contracts[["parcours"]].drop_duplicates(), left_on="id_parcours", right_on="parcours")
    by_parcours = {k: g.sort_values("debut") for k, g in contracts.groupby("parcours")}
    rows = []
    for h in heures.itertuples(index=False):
        month = pd.Timestamp(year=int(h.annee), month=int(h.mois), day=1)
        cs = by_parcours[h.id_parcours]
        active = cs[cs["debut"] <= month + pd.offsets.MonthEnd(0)]
        current = active.iloc[-1] if len(active) else cs.iloc[0]
        value = float(h.heures.replace(",", "."))
        renewed = len(active) > 1 and current["debut"] > month
        if renewed:
            previous = active.iloc[-2]
            rows.append({"contrat": previous["contrat_id_ctr"], "annee": h.annee, "mois": h.mois, "heures": value * 0.4})
            rows.append({"contrat": current["contrat_id_ctr"], "annee": h.annee, "mois": h.mois, "heures": value * 0.6})
        else:
            rows.append({"contrat": current["contrat_id_ctr"], "annee": h.annee, "mois": h.mois, "heures": value})
    out = pd.DataFrame(rows)
    out["id_parcours"] = out["contrat"].map(contracts.set_index("contrat_id_ctr")["parcours_id"])
    return out


def _motive_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    categories = pd.read_csv(REFERENCE_DIR / "categories_sortie.csv", dtype=str, keep_default_na=False)
    categories = pd.DataFrame({"rcs_id": [str(40 + i) for i in range(len(categories))],
                               "rcs_code": [c or str(i + 1) for i, c in enumerate(categories["code_rcs"])],
                               "rcs_libelle": categories["categorie"]})
    motifs = pd.read_csv(REFERENCE_DIR / "motifs_sortie.csv", dtype=str, keep_default_na=False)
    rcs = dict(zip(categories["rcs_libelle"], categories["rcs_id"], strict=True))
    motives = pd.DataFrame({"rms_id": [str(200 + i) for i in range(len(motifs))],
                            "rms_code": [c or str(60 + i) for i, c in enumerate(motifs["code_asp"])],
                            "rms_libelle": motifs["libelle"], "rcs_id": motifs["categorie"].map(rcs)})
    return motives, categories


def _annexes(hours: pd.DataFrame, contracts: pd.DataFrame, structures: pd.DataFrame,
             conventions: pd.DataFrame) -> pd.DataFrame:
    """One annexe financière per structure, measure and year with hours, carrying the demo's convention of that
    site and year, and a planned exit rate from 2022 on."""
    of_contract = contracts.set_index("contrat_id_ctr")[["structure_id_siae", "mesure"]]
    used = hours.join(of_contract, on="contrat")[["structure_id_siae", "mesure", "annee"]].drop_duplicates()
    site = structures.set_index("structure_id_siae")
    conv = conventions.set_index(["structure", "site", "annee"])
    rows = []
    for i, u in enumerate(used.sort_values(["structure_id_siae", "mesure", "annee"]).itertuples(index=False)):
        key = (site.at[u.structure_id_siae, "denomination"], site.at[u.structure_id_siae, "site"], u.annee)
        c = conv.loc[key] if key in conv.index else None
        year = int(u.annee)
        rows.append({"af_id": str(50000 + i), "structure_id_siae": u.structure_id_siae, "mesure": u.mesure,
                     "annee": year, "numero": f"{u.mesure[:-3]}011{year % 100:02d}{i:04d}",
                     "etat": "CLOTURE" if year < 2024 else "VALIDE",
                     "etp": "" if c is None else c["etp_conventionnes"].replace(",", "."),
                     "montant": "" if c is None else c["aide_au_poste_eur"].replace(",", "."),
                     "cofinance": "" if c is None else c["cofinancement_departement_eur"].replace(",", "."),
                     "taux_dyn": "55.00" if year >= 2022 else "", "taux_durable": "22.00" if year >= 2022 else ""})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- writing the template


def write_template(records: Records, folder: Path) -> Path:
    """The records as a structure's own export (the project's template, ``;``-separated CSV)."""
    folder.mkdir(parents=True, exist_ok=True)
    p = records.parcours
    columns = ["id_parcours", "id_personne", "structure", "site", "dispositif", "date_entree", "date_sortie",
               "motif_sortie", "sexe", "annee_naissance", "niveau_formation", "beneficiaire_rsa",
               "duree_inscription_ft", "residant_qpv", "residant_zrr", "rqth", "orienteur"]
    p[columns].to_csv(folder / "parcours.csv", sep=";", index=False)
    h = records.hours.groupby(["id_parcours", "annee", "mois"], sort=False)["heures"].sum().reset_index()
    h["heures"] = h["heures"].map(repr)
    h.to_csv(folder / "heures.csv", sep=";", index=False)
    s = records.structures.set_index("structure_id_siae")
    a = records.annexes[records.annexes["etat"].isin(["VALIDE", "CLOTURE"])]
    a = a[a["montant"].ne("") | a["taux_dyn"].ne("")]
    conv = pd.DataFrame({"structure": a["structure_id_siae"].map(s["denomination"]), "site": a["structure_id_siae"].map(s["site"]),
                         "dispositif": a["mesure"].str[:-3], "annee": a["annee"], "etp_conventionnes": a["etp"],
                         "aide_au_poste_eur": a["montant"], "cofinancement_departement_eur": a["cofinance"],
                         "numero_annexe_financiere": a["numero"] + "A0M0",
                         "taux_prevu_sorties_dynamiques": a["taux_dyn"], "taux_prevu_emploi_durable": a["taux_durable"]})
    conv.to_csv(folder / "conventions.csv", sep=";", index=False)
    pd.DataFrame({"site": s["site"], "commune": s["site"], "code_commune": s["code_insee"]}).to_csv(
        folder / "sites.csv", sep=";", index=False)
    return folder


# --------------------------------------------------------------------------- writing the views


def _view(header: list[str], rows: list[list[str]], *, deb: str | None = None, fin: bool = False) -> str:
    lines = []
    if deb is not None:
        lines.append(f"DEB{deb}" + "|" * (len(header) - 1))
    lines.append("|".join(header))
    lines += ["|".join(r) for r in rows]
    if fin:
        lines.append(f"FIN{len(rows)}" + "|" * (len(header) - 1))
    return "\n".join(lines) + "\n"


def _write(folder: Path, view: str, text: str, *, bom: bool = False, gz: bool = False) -> Path:
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    path = folder / (f"fluxIAE_{view}_{STAMP}.csv" + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def _fmt(date) -> str:
    return "" if pd.isna(date) else pd.Timestamp(date).strftime(DATE)


def write_views(records: Records, folder: Path) -> Path:
    """The records as an ASP fluxIAE extract."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_structure(records, folder)
    _write_salarie(records, folder)
    _write_contracts(records, folder)
    _write_emi(records, folder)
    _write_annexes(records, folder)
    _write(folder, "RefMotifSort", _view(["rms_id", "rms_code", "rms_libelle", "rcs_id", "rms_date_debut_effet"],
                                         [[*r, "01/01/2021"] for r in records.motives.itertuples(index=False)]))
    _write(folder, "RefCategorieSort", _view(["rcs_id", "rcs_code", "rcs_libelle"],
                                             [list(r) for r in records.categories.itertuples(index=False)]))
    return folder


def _write_structure(records: Records, folder: Path) -> None:
    header = ["structure_date_creation", "structure_date_modification", "structure_id_siae", "structure_siret_signature",
              "structure_siret_actualise", "structure_denomination", "structure_adresse_admin_commune",
              "structure_adresse_admin_code_insee", "structure_adresse_admin_telephone",
              "structure_adresse_mail_corresp_technique"]
    rows = [["01/01/2014 10:00:00", "02/02/2024 10:00:00", s.structure_id_siae, s.siret, s.siret, s.denomination,
             s.site, s.code_insee, "0561000000", "contact.pii@exemple.fr"]
            for s in records.structures.itertuples(index=False)]
    _write(folder, "Structure", _view(header, rows, deb="Structure07022025_063004", fin=True))


def _write_salarie(records: Records, folder: Path) -> None:
    header = ["salarie_id", "salarie_rci_libelle", "salarie_nom_usage", "salarie_prenom", "salarie_date_naissance",
              "salarie_nir", "salarie_adr_libelle_voie", "salarie_adr_mail", "salarie_telephone", "salarie_adr_qpv_type",
              "salarie_adr_is_zrr", "salarie_date_modification"]
    sexe, qpv, zrr = {"F": "MME", "M": "M."}, {"oui": "QP", "non": "NQP"}, {"oui": "true", "non": "false"}
    rows = []
    for i, p in enumerate(records.persons.itertuples(index=False)):
        street = PII["salarie_adr_libelle_voie"] + ("\n" if i == 3 else "")  # a raw newline inside a field
        rows.append([p.salarie_id, sexe.get(p.sexe, ""), PII["salarie_nom_usage"], PII["salarie_prenom"],
                     f"15/06/{p.annee_naissance}" if p.annee_naissance else "", PII["salarie_nir"], street,
                     PII["salarie_adr_mail"], PII["salarie_telephone"], qpv.get(p.residant_qpv, ""),
                     zrr.get(p.residant_zrr, ""), "01/03/2025"])
    _write(folder, "Salarie", _view(header, rows), bom=True)


def _write_contracts(records: Records, folder: Path) -> None:
    header = ["contrat_id_ctr", "contrat_id_pph", "contrat_id_structure", "contrat_mesure_disp_id",
              "contrat_mesure_disp_code", "contrat_type_contrat", "contrat_date_embauche", "contrat_date_fin_contrat",
              "contrat_date_sortie_definitive", "contrat_motif_sortie_id", "contrat_salarie_rsa",
              "contrat_niveau_de_formation_code", "contrat_inscrit_pole_emploi", "contrat_salarie_pe_duree_code",
              "contrat_salarie_rqth", "contrat_orienteur_code", "contrat_numero_ide"]
    rms = dict(zip(records.motives["rms_libelle"], records.motives["rms_id"], strict=True))
    yes_no = {"oui": "true", "non": "false"}
    rows = []
    for i, c in enumerate(records.contracts.itertuples(index=False)):
        rsa = {"oui": "OUI-M" if i % 2 else "OUI-NM", "non": "NON"}.get(c.rsa, "")
        registered = "" if not c.duree else ("false" if c.duree == "non inscrit" else "true")
        duree = "" if c.duree in ("", "non inscrit") else DUREES[c.duree]
        rows.append([c.contrat_id_ctr, c.salarie_id, c.structure_id_siae, "3", c.mesure, c.type, _fmt(c.debut),
                     _fmt(c.fin_prevue), _fmt(c.sortie), rms.get(c.motif, ""), rsa, c.niveau, registered, duree,
                     yes_no.get(c.rqth, ""), c.orienteur, "1234567A"])
    rows.append(["799999", "300000", records.structures["structure_id_siae"].iloc[0], "9", "FDI_DC", "0",
                 "01/02/2024", "", "", "", "", "", "", "", "", "", ""])  # a fund: set aside
    _write(folder, "ContratMission", _view(header, rows, deb="ContratMission07022025_063004", fin=True))


def _write_emi(records: Records, folder: Path) -> None:
    header = ["emi_date_creation", "emi_date_modification", "emi_afi_id", "emi_sme_mois", "emi_sme_annee",
              "emi_esm_etat_id", "emi_esm_etat_code", "emi_sme_version", "emi_date_validation", "emi_pph_id",
              "emi_ctr_id", "emi_nb_heures_travail", "emi_nb_mission"]
    of_contract = records.contracts.set_index("contrat_id_ctr")
    af = records.annexes.set_index(["structure_id_siae", "mesure", "annee"])["af_id"]
    rows = []
    for i, h in enumerate(records.hours.itertuples(index=False)):
        c = of_contract.loc[h.contrat]
        afi = af[(c["structure_id_siae"], c["mesure"], int(h.annee))]
        state = "SAISI" if i % 97 == 0 else "VALIDE"
        if i % 211 == 0:  # a superseded version of the same statement, with other hours: not counted
            rows.append(["", "", afi, h.mois, h.annee, "1", "VALIDE", "1", "", c["salarie_id"], h.contrat, "999", ""])
        rows.append(["05/01/2025", "", afi, h.mois, h.annee, "1", state, "2", "", c["salarie_id"], h.contrat,
                     repr(h.heures), "0"])
    _write(folder, "EtatMensuelIndiv", _view(header, rows, deb="EtatMensuelIndiv07022025_063004", fin=True), gz=True)


def _write_annexes(records: Records, folder: Path) -> None:
    header = ["af_id_structure", "af_numero_convention", "af_mesure_dispositif_id", "af_mesure_dispositif_code",
              "af_numero_annexe_financiere", "af_numero_avenant_renouvellement", "af_numero_avenant_modification",
              "af_id_annexe_financiere", "af_etat_annexe_financiere_code", "af_date_debut_effet", "af_date_fin_effet",
              "af_etp_postes_insertion", "af_montant_total_annuel", "af_mt_cofinance", "af_taux_prev_sorties_dynamiques",
              "af_taux_prev_sorties_durable", "af_nb_banques numeric"]
    rows = [[a.structure_id_siae, "", "1", a.mesure, a.numero, "0", "0", a.af_id, a.etat, f"01/01/{a.annee}",
             f"31/12/{a.annee}", a.etp, a.montant, a.cofinance, a.taux_dyn, a.taux_durable, ""]
            for a in records.annexes.itertuples(index=False)]
    first = records.annexes.iloc[0]
    rows.append([first.structure_id_siae, "", "1", first.mesure, first.numero, "0", "1", "59998", "HISTORISE",
                 f"01/01/{first.annee}", f"31/12/{first.annee}", "99", "9999999", "", "", "", ""])  # does not count
    rows.append([first.structure_id_siae, "", "9", "FDI_DC", "FDI011240001", "0", "0", "59999", "VALIDE",
                 "01/01/2024", "31/12/2024", "0", "23439", "", "", "", ""])  # a fund, not an employing measure
    _write(folder, "AnnexeFinanciere", _view(header, rows, deb="AnnexeFinanciere07022025_063004", fin=True))


def as_text(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.name.endswith(".gz") else data).decode("utf-8-sig")


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(as_text(path)), delimiter="|"))
