"""An ASP fluxIAE extract (a folder of views) mapped to the project's data model, in one place.

The views (FLUXIAE §1–2; their text layout: :mod:`.fluxiae_views`) become the same raw sheets as a
structure's own export, then go through the same parsing, checks and pseudonymisation
(:func:`~iae_impact.data.ingest.read_dataset`):

- ``parcours``: ``fluxIAE_ContratMission`` grouped into parcours — an initial contract
  (``contrat_type_contrat`` = 0) and its renewals (> 0), per person, structure and measure, in hiring
  order (FLUXIAE §2.2): entry = the first hire, exit = the last contract's actual definitive exit
  (``contrat_date_sortie_definitive``, never the planned end), motive = the last contract's
  (``contrat_motif_sortie_id`` → ``fluxIAE_RefMotifSort``); the situation at entry (RSA, education level,
  France Travail registration, RQTH, prescriber) from the initial contract; sex, birth year, QPV and ZRR
  from ``fluxIAE_Salarie`` (only the year of the birth date is kept). ``salarie_id`` is ASP's person id
  **per structure**: one person who worked in two structures has two ids (FLUXIAE §2.1);
- ``heures``: ``fluxIAE_EtatMensuelIndiv`` hours (``emi_nb_heures_travail``) summed per parcours and month,
  over its contracts and annexes financières, counting only annexes whose state counts (VALIDE,
  PROVISOIRE, CLOTURE, FLUXIAE §6.B) and, when a month is stated in several versions, the last one;
- ``conventions``: ``fluxIAE_AnnexeFinanciere`` per structure, measure and year (the year its effect
  starts), counted states only: ETP, aide au poste (``af_montant_total_annuel``), département co-financing
  (``af_mt_cofinance``), planned exit rates and the annexe's number;
- ``sites``: one per ASP structure (a SIRET): structure = ``structure_denomination``, site = the commune
  of its administrative address;
- the motive → category table: ``fluxIAE_RefMotifSort`` and ``fluxIAE_RefCategorieSort`` when the
  extract has them; they win over the project's.

Measures that employ nobody (``FDI_DC``, a fund) or that the GIP sets aside (``ACIPA_DC``, ``EIPA_DC``)
are set aside with a warning naming how many rows, like contracts that end before they start. Codes
stay text (leading zeros). Names, NIR, addresses, telephone numbers and e-mails are never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.text import fold
from ..rules.exits import canonical_motive
from ..rules.tables import load_exit_categories
from ..rules.values import coded_value
from .fluxiae_views import View, read_view, view_of
from .limits import Limites
from .model import Probleme
from .raw import FichierIllisible, RawSheet

#: The views read, and the columns read from each (every other column is left unread).
COLUMNS = {
    "Structure": ["structure_id_siae", "structure_siret_actualise", "structure_denomination",
                  "structure_adresse_admin_commune", "structure_adresse_admin_code_insee",
                  "structure_date_modification"],
    "Salarie": ["salarie_id", "salarie_rci_libelle", "salarie_date_naissance", "salarie_adr_qpv_type",
                "salarie_adr_is_zrr", "salarie_date_modification"],
    "ContratMission": ["contrat_id_ctr", "contrat_id_pph", "contrat_id_structure", "contrat_mesure_disp_code",
                       "contrat_type_contrat", "contrat_date_embauche", "contrat_date_sortie_definitive",
                       "contrat_motif_sortie_id", "contrat_motif_sortie_code", "contrat_salarie_rsa",
                       "contrat_niveau_de_formation_code", "contrat_inscrit_pole_emploi",
                       "contrat_salarie_pe_duree_code", "contrat_salarie_rqth", "contrat_orienteur_code"],
    "EtatMensuelIndiv": ["emi_afi_id", "emi_sme_mois", "emi_sme_annee", "emi_esm_etat_code", "emi_sme_version",
                         "emi_pph_id", "emi_ctr_id", "emi_nb_heures_travail"],
    "AnnexeFinanciere": ["af_id_structure", "af_mesure_dispositif_code", "af_numero_annexe_financiere",
                         "af_numero_avenant_renouvellement", "af_numero_avenant_modification",
                         "af_id_annexe_financiere", "af_etat_annexe_financiere_code", "af_date_debut_effet",
                         "af_date_fin_effet", "af_etp_postes_insertion", "af_montant_total_annuel", "af_mt_cofinance",
                         "af_taux_prev_sorties_dynamiques", "af_taux_prev_sorties_durable"],
    "RefMotifSort": ["rms_id", "rms_code", "rms_libelle", "rcs_id"],
    "RefCategorieSort": ["rcs_id", "rcs_code", "rcs_libelle"],
}
REQUIRED = {
    "Structure": ("structure_id_siae", "structure_denomination"),
    "Salarie": ("salarie_id",),
    "ContratMission": ("contrat_id_ctr", "contrat_id_pph", "contrat_id_structure", "contrat_mesure_disp_code",
                       "contrat_date_embauche", "contrat_date_sortie_definitive"),
    "EtatMensuelIndiv": ("emi_ctr_id", "emi_sme_annee", "emi_sme_mois", "emi_nb_heures_travail"),
    "AnnexeFinanciere": ("af_id_structure", "af_mesure_dispositif_code", "af_id_annexe_financiere",
                         "af_etat_annexe_financiere_code", "af_date_debut_effet"),
    "RefMotifSort": ("rms_id", "rms_libelle", "rcs_id"),
    "RefCategorieSort": ("rcs_id", "rcs_libelle"),
}
#: Views without which there is nothing to read.
ESSENTIAL = ("ContratMission", "Structure")
#: States of an annexe financière whose hours and amounts count (FLUXIAE §6.B, as the GIP counts them).
AF_STATES_COUNTED = ("VALIDE", "PROVISOIRE", "CLOTURE")
#: States of a monthly statement (all counted, as the GIP does; the not yet validated ones are named).
EMI_STATES = ("VALIDE", "DEBLOQUE", "SAISI", "BROUILLON")


@dataclass
class FluxExtract:
    """What :func:`read_fluxiae` gives the reader: raw sheets, checksums, problems, warnings and the extract's
    own motive → category table (None when it has none)."""

    sheets: list[RawSheet] = field(default_factory=list)
    empreintes: dict[str, str] = field(default_factory=dict)
    problems: list[Probleme] = field(default_factory=list)
    warnings: list[Probleme] = field(default_factory=list)
    categories: pd.Series | None = None
    source_motifs: str | None = None


def is_fluxiae_folder(path: Path) -> bool:
    """True for a folder holding at least one fluxIAE view."""
    return path.is_dir() and any(view_of(p.name) for p in path.iterdir() if p.is_file())


def _files(folder: Path, out: FluxExtract) -> dict[str, Path]:
    """The file of each view read; several files of one view, or an unknown one, said."""
    found: dict[str, list[Path]] = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and not p.name.startswith("."):
            vue = view_of(p.name)
            found.setdefault(vue or "", []).append(p)
    others = [p.name for p in found.pop("", [])]
    if others:
        out.warnings.append(Probleme(folder.name, None, None, None, None, "fichiers ignorés dans un dossier "
                                     f"d'extrait fluxIAE (ce ne sont pas des vues) : {', '.join(others)}"))
    unread = sorted(v for v in found if v not in COLUMNS)
    if unread:
        out.warnings.append(Probleme(folder.name, None, None, None, None, "vues fluxIAE non lues (inutiles aux "
                                     f"indicateurs) : {', '.join(unread)}"))
    files = {}
    for vue in COLUMNS:
        paths = found.get(vue, [])
        if len(paths) > 1:
            out.problems.append(Probleme(folder.name, None, None, None, None, f"vue {vue} fournie {len(paths)} fois "
                                         f"({', '.join(p.name for p in paths)}) : gardez un seul extrait"))
        elif paths:
            files[vue] = paths[0]
    for vue in ESSENTIAL:
        if vue not in files and not any(p.message.startswith(f"vue {vue}") for p in out.problems):
            out.problems.append(Probleme(folder.name, None, None, None, None,
                                         f"vue fluxIAE_{vue} absente : elle est indispensable"))
    return files


def _read_views(files: dict[str, Path], limites: Limites, out: FluxExtract) -> dict[str, View]:
    import hashlib

    views = {}
    for vue, path in files.items():
        try:
            view = read_view(path, COLUMNS[vue], limites, REQUIRED[vue])
        except FichierIllisible as exc:
            out.problems.append(Probleme(path.name, None, None, None, None, str(exc)))
            continue
        out.empreintes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        out.problems += view.problems
        if view.ignored:
            out.warnings.append(Probleme(path.name, None, None, None, None,
                                         f"{len(view.ignored)} colonne(s) ni lue(s) ni recopiée(s) (les noms, NIR, "
                                         "adresses, téléphones et courriels ne le sont jamais) : "
                                         + ", ".join(view.ignored)))
        views[vue] = view
    return views


def read_fluxiae(folder: Path, limites: Limites | None = None) -> FluxExtract:
    """Read a folder of fluxIAE views into the raw sheets of the data model (see the module docstring)."""
    limites = limites or Limites.from_env()
    out = FluxExtract()
    files = _files(folder, out)
    views = _read_views(files, limites, out)
    if out.problems or not all(v in views for v in ESSENTIAL):
        return out
    _missing_views(folder, views, out)
    structures = _structures(views["Structure"], out)
    motives = _motives(views, out)
    parcours, contract_parcours = _parcours(views, structures, motives, out)
    out.sheets.append(parcours)
    if "EtatMensuelIndiv" in views:
        hours = _hours(views, contract_parcours, out)
        if hours is not None:
            out.sheets.append(hours)
    if "AnnexeFinanciere" in views:
        conventions = _conventions(views["AnnexeFinanciere"], structures, out)
        if conventions is not None:
            out.sheets.append(conventions)
    out.sheets.append(_sites(structures, views["Structure"].fichier))
    return out


def _missing_views(folder: Path, views: dict[str, View], out: FluxExtract) -> None:
    consequences = {
        "Salarie": "sexe, âge, QPV et ZRR inconnus",
        "EtatMensuelIndiv": "pas d'heures : ni personnes ayant travaillé, ni ETP, et les sorties d'AI et d'ETTI ne "
                            "peuvent pas être examinées",
        "AnnexeFinanciere": "ni conventions (aide au poste estimée), ni taux prévus, et les états des annexes "
                            "financières ne sont pas vérifiés (toutes les heures sont comptées)",
        "RefMotifSort": "les motifs de sortie ne sont que des codes : seuls ceux de la table du projet sont reconnus",
        "RefCategorieSort": "les catégories de sortie viennent de la table du projet (déduite, non vérifiée)",
    }
    for vue, consequence in consequences.items():
        if vue not in views:
            out.warnings.append(Probleme(folder.name, None, None, None, None,
                                         f"vue fluxIAE_{vue} absente : {consequence}"))


# --------------------------------------------------------------------------- structures and sites


def _structures(view: View, out: FluxExtract) -> pd.DataFrame:
    """One row per ASP structure id: its denomination (the structure) and its site (the commune of its
    administrative address; with the SIRET when two structures of one denomination share a commune)."""
    s = view.frame.reset_index()
    s = _latest_rows(s, "structure_id_siae", "structure_date_modification", view, out,
                     "{n} ligne(s) en double d'une même structure : la plus récemment modifiée est gardée (l'ASP "
                     "introduit parfois des doublons)").copy()
    commune = s["structure_adresse_admin_commune"].where(s["structure_adresse_admin_commune"].ne(""),
                                                         "SIRET " + s["structure_siret_actualise"])
    shared = pd.Series(list(zip(s["structure_denomination"], commune, strict=True))).duplicated(keep=False).to_numpy()
    s["site"] = np.where(shared, commune + " (SIRET " + s["structure_siret_actualise"] + ")", commune)
    return s.set_index("structure_id_siae")


def _sites(structures: pd.DataFrame, fichier: str) -> RawSheet:
    frame = pd.DataFrame({"site": structures["site"].to_numpy(),
                          "structure_adresse_admin_commune": structures["structure_adresse_admin_commune"].to_numpy(),
                          "structure_adresse_admin_code_insee":
                              structures["structure_adresse_admin_code_insee"].to_numpy()},
                         index=structures["ligne"].to_numpy()).drop_duplicates("site")
    return RawSheet(fichier, "sites", frame, header_line=None,
                    columns_map={"site": "site", "structure_adresse_admin_commune": "commune",
                                 "structure_adresse_admin_code_insee": "code_commune"})


def _latest_rows(frame: pd.DataFrame, key: str, modified: str, view: View, out: FluxExtract,
                 message: str) -> pd.DataFrame:
    """One row per ``key``: the most recently ``modified`` one; the rows left out are said (``message``
    with ``{n}``, their count), naming the view's file and the key column."""
    frame = frame.sort_values(modified, key=_date_key, ascending=False, kind="stable")
    repeated = frame[key].duplicated()
    if repeated.any():
        out.warnings.append(Probleme(view.fichier, None, None, key, None, message.format(n=int(repeated.sum()))))
    return frame[~repeated]


def _date_key(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates, format="%d/%m/%Y %H:%M:%S", errors="coerce").fillna(
        pd.to_datetime(dates, format="%d/%m/%Y", errors="coerce"))


# --------------------------------------------------------------------------- exit motives


@dataclass
class _Motives:
    """rms_id -> the label written in the parcours sheet; labels the extract adds to the project's."""

    label: dict[str, str]
    extra: dict[str, str]


def _motives(views: dict[str, View], out: FluxExtract) -> _Motives:
    """The extract's motive labels and, with RefCategorieSort, its motive → category table (it wins)."""
    if "RefMotifSort" not in views:
        return _Motives({}, {})
    rms = views["RefMotifSort"].frame
    label = {}
    for row in rms.itertuples(index=False):
        label[row.rms_id] = canonical_motive(row.rms_libelle) or row.rms_libelle
    if "RefCategorieSort" not in views:
        return _Motives(label, {})
    categories = _categories(views["RefCategorieSort"], out)
    mapping: dict[str, str] = {}
    fichier = views["RefMotifSort"].fichier
    for line, row in rms.iterrows():
        category = categories.get(row["rcs_id"])
        if category is None:
            out.problems.append(Probleme(fichier, None, int(line), "rcs_id", row["rcs_id"],
                                         "catégorie absente de fluxIAE_RefCategorieSort"))
            continue
        known = mapping.get(label[row["rms_id"]])
        if known is not None and known != category:
            out.problems.append(Probleme(fichier, None, int(line), "rcs_id", row["rcs_id"],
                                         f"motif « {label[row['rms_id']]} » rangé dans deux catégories ({known}, "
                                         f"{category})"))
        mapping[label[row["rms_id"]]] = category
    out.categories = pd.Series(mapping, dtype=object)
    out.source_motifs = f"{fichier} et {views['RefCategorieSort'].fichier} de l'extrait ASP"
    extra = {fold(text): text for text in mapping if canonical_motive(text) is None}
    return _Motives(label, extra)


def _categories(view: View, out: FluxExtract) -> dict[str, str]:
    """rcs_id -> ASP category label; a label outside the five categories is a problem."""
    known = {fold(c): c for c in load_exit_categories()["categorie"]}
    categories = {}
    for line, row in view.frame.iterrows():
        category = known.get(fold(row["rcs_libelle"]))
        if category is None:
            out.problems.append(Probleme(view.fichier, None, int(line), "rcs_libelle", row["rcs_libelle"],
                                         "catégorie de sortie inconnue (attendu : " + ", ".join(known.values()) + ")"))
            continue
        categories[row["rcs_id"]] = category
    return categories


# --------------------------------------------------------------------------- parcours


def _set_aside_measures(contracts: pd.DataFrame, fichier: str, column: str, out: FluxExtract) -> pd.DataFrame:
    """Rows whose measure is refused by the alias table (FDI_DC, ACIPA_DC, EIPA_DC) are set aside, said."""
    codes = contracts[column].unique()
    refused_codes = [c for c in codes if (coded_value("dispositif", c) or _NONE).effet == "refuse"]
    refused = contracts[column].isin(refused_codes)
    for code, n in contracts.loc[refused, column].value_counts().items():
        reason = coded_value("dispositif", code).remarque
        out.warnings.append(Probleme(fichier, None, None, column, code,
                                     f"{n} ligne(s) mises de côté, non comptées : {reason}"))
    return contracts[~refused]


class _NoSpelling:
    effet = ""


_NONE = _NoSpelling()


def _valid_contracts(view: View, out: FluxExtract) -> pd.DataFrame:
    contracts = _set_aside_measures(view.frame, view.fichier, "contrat_mesure_disp_code", out)
    start = pd.to_datetime(contracts["contrat_date_embauche"], format="%d/%m/%Y", errors="coerce")
    end = pd.to_datetime(contracts["contrat_date_sortie_definitive"], format="%d/%m/%Y", errors="coerce")
    backwards = (end < start).to_numpy()
    if backwards.any():
        lines = ", ".join(map(str, contracts.index[backwards][:10]))
        out.warnings.append(Probleme(view.fichier, None, None, "contrat_date_sortie_definitive", None,
                                     f"{int(backwards.sum())} contrat(s) qui finissent avant de commencer, mis de côté "
                                     f"(défaut connu des données ASP) : ligne(s) {lines}"))
    contracts = contracts[~backwards].copy()
    contracts["_debut"] = start[~backwards]
    contracts["_ligne"] = contracts.index
    return contracts


def _group_parcours(contracts: pd.DataFrame) -> pd.Series:
    """Each contract's parcours: its initial contract's id. A parcours is an initial contract
    (``contrat_type_contrat`` 0) and the renewals (> 0) that follow it, per person, structure and measure
    in hiring order; a renewal without an initial contract before it starts its own parcours."""
    ordered = contracts.sort_values(["contrat_id_pph", "contrat_id_structure", "contrat_mesure_disp_code", "_debut",
                                     "contrat_id_ctr"], kind="stable")
    first_of_group = pd.Series(False, index=ordered.index)
    for column in ("contrat_id_pph", "contrat_id_structure", "contrat_mesure_disp_code"):
        first_of_group |= ordered[column].ne(ordered[column].shift())
    initial = ordered["contrat_type_contrat"].isin(["0", ""])
    starts = (first_of_group | initial).to_numpy()
    parcours_id = ordered["contrat_id_ctr"].where(starts).ffill()
    return parcours_id.reindex(contracts.index)


def _parcours(views: dict[str, View], structures: pd.DataFrame, motives: _Motives,
              out: FluxExtract) -> tuple[RawSheet, pd.Series]:
    """The parcours sheet, and the parcours of every contract kept."""
    view = views["ContratMission"]
    contracts = _valid_contracts(view, out)
    contracts["_parcours"] = _group_parcours(contracts)
    ordered = contracts.sort_values(["_parcours", "_debut", "contrat_id_ctr"], kind="stable")
    first = ordered.groupby("_parcours", sort=False).head(1).set_index("_parcours")
    last = ordered.groupby("_parcours", sort=False).tail(1).set_index("_parcours")
    n_contracts, n_parcours = len(contracts), len(first)
    out.warnings.append(Probleme(view.fichier, "parcours", None, None, None,
                                 f"{n_contracts} contrat(s) regroupé(s) en {n_parcours} parcours (contrat initial et "
                                 "renouvellements) ; l'identifiant de personne de l'ASP (salarie_id) vaut pour une "
                                 "structure : une personne passée par deux structures y compte deux fois"))
    frame = pd.DataFrame({
        "contrat_id_ctr": first.index.to_numpy(),
        "contrat_id_pph": first["contrat_id_pph"].to_numpy(),
        "structure_denomination": first["contrat_id_structure"].map(structures["structure_denomination"]).to_numpy(),
        "structure_adresse_admin_commune": first["contrat_id_structure"].map(structures["site"]).to_numpy(),
        "contrat_mesure_disp_code": first["contrat_mesure_disp_code"].to_numpy(),
        "contrat_date_embauche": first["contrat_date_embauche"].to_numpy(),
        "contrat_date_sortie_definitive": last["contrat_date_sortie_definitive"].to_numpy(),
        "contrat_motif_sortie_id": _motive_cells(last, motives),
        **{c: first[c].to_numpy() for c in ("contrat_salarie_rsa", "contrat_niveau_de_formation_code",
                                            "contrat_salarie_rqth", "contrat_orienteur_code")},
        "contrat_salarie_pe_duree_code": _registration(first),
    }, index=first["_ligne"].to_numpy())
    frame = frame.fillna("")
    unknown = frame["structure_denomination"].eq("")
    if unknown.any():
        out.problems.append(Probleme(view.fichier, "parcours", None, "contrat_id_structure", None,
                                     f"{int(unknown.sum())} contrat(s) d'une structure absente de fluxIAE_Structure"))
    frame = _with_persons(frame, views.get("Salarie"), out)
    sheet = RawSheet(view.fichier, "parcours", frame, header_line=None, columns_map=PARCOURS_COLUMNS)
    sheet.extra_motives = motives.extra
    return sheet, contracts.set_index("contrat_id_ctr")["_parcours"]


def _motive_cells(last: pd.DataFrame, motives: _Motives) -> np.ndarray:
    """The motive of each parcours' last contract, as a label (RefMotifSort) or, without it, its code."""
    ids = last["contrat_motif_sortie_id"]
    if not motives.label:
        return last["contrat_motif_sortie_code"].where(last["contrat_motif_sortie_code"].ne(""), ids).to_numpy()
    labels = ids.map(motives.label)
    unknown = ids.ne("") & labels.isna()
    return labels.where(~unknown, "motif n° " + ids + " absent de fluxIAE_RefMotifSort").fillna("").to_numpy()


def _registration(first: pd.DataFrame) -> np.ndarray:
    """France Travail registration at entry: its duration code, « non » when not registered."""
    code = first["contrat_salarie_pe_duree_code"]
    not_registered = first["contrat_inscrit_pole_emploi"].str.lower().eq("false") & code.eq("")
    return code.where(~not_registered, "non").to_numpy()


def _with_persons(frame: pd.DataFrame, view: View | None, out: FluxExtract) -> pd.DataFrame:
    """Sex, birth year (the year only), QPV and ZRR of each parcours' person (``fluxIAE_Salarie``; a person
    given twice with different values: the most recently modified row, said)."""
    columns = ("salarie_rci_libelle", "salarie_date_naissance", "salarie_adr_qpv_type", "salarie_adr_is_zrr")
    if view is None:
        return frame.assign(**dict.fromkeys(columns, ""))
    persons = view.frame.drop_duplicates()  # exact duplicates are common (the GIP selects distinct rows)
    persons = _latest_rows(persons, "salarie_id", "salarie_date_modification", view, out,
                           "{n} personne(s) décrite(s) deux fois avec des valeurs différentes : la ligne modifiée "
                           "le plus récemment est gardée").set_index("salarie_id")
    persons = persons.assign(salarie_date_naissance=persons["salarie_date_naissance"].str[-4:])  # the year only
    for c in columns:
        frame[c] = frame["contrat_id_pph"].map(persons[c]).fillna("").to_numpy()
    return frame


#: Column of the parcours sheet built here -> column of the data model (messages name the view's column).
PARCOURS_COLUMNS = {
    "contrat_id_ctr": "id_parcours", "contrat_id_pph": "id_personne", "structure_denomination": "structure",
    "structure_adresse_admin_commune": "site", "contrat_mesure_disp_code": "dispositif",
    "contrat_date_embauche": "date_entree", "contrat_date_sortie_definitive": "date_sortie",
    "contrat_motif_sortie_id": "motif_sortie", "contrat_salarie_rsa": "beneficiaire_rsa",
    "contrat_niveau_de_formation_code": "niveau_formation", "contrat_salarie_pe_duree_code": "duree_inscription_ft",
    "contrat_salarie_rqth": "rqth", "contrat_orienteur_code": "orienteur", "salarie_rci_libelle": "sexe",
    "salarie_date_naissance": "annee_naissance", "salarie_adr_qpv_type": "residant_qpv",
    "salarie_adr_is_zrr": "residant_zrr",
}


# --------------------------------------------------------------------------- hours


def _counted_statements(view: View, views: dict[str, View], out: FluxExtract) -> pd.DataFrame:
    """Monthly statements whose annexe financière counts, the last version of each month."""
    emi = view.frame
    states = emi["emi_esm_etat_code"].value_counts()
    pending = {s: int(n) for s, n in states.items() if s != "VALIDE"}
    if pending:
        out.warnings.append(Probleme(view.fichier, "heures", None, "emi_esm_etat_code", None, "lignes d'heures "
                                     "comptées bien que non validées (comme le fait le GIP de l'inclusion) : "
                                     + ", ".join(f"{s or 'vide'} {n}" for s, n in sorted(pending.items()))))
    if "AnnexeFinanciere" in views:
        af = views["AnnexeFinanciere"].frame
        state = pd.Series(af["af_etat_annexe_financiere_code"].to_numpy(), index=af["af_id_annexe_financiere"])
        state = state[~state.index.duplicated()]
        of_line = emi["emi_afi_id"].map(state).fillna("annexe absente de fluxIAE_AnnexeFinanciere")
        left = ~of_line.isin(AF_STATES_COUNTED)
        for s, n in of_line[left].value_counts().items():
            out.warnings.append(Probleme(view.fichier, "heures", None, "emi_afi_id", s, f"{n} ligne(s) d'heures non "
                                         "comptées : l'état de leur annexe financière ne compte pas (seuls "
                                         + ", ".join(AF_STATES_COUNTED) + " comptent)"))
        emi = emi[~left]
    version = pd.to_numeric(emi["emi_sme_version"], errors="coerce").fillna(0)
    latest = version.groupby([emi[c] for c in ("emi_ctr_id", "emi_afi_id", "emi_sme_annee", "emi_sme_mois")],
                             sort=False).transform("max")
    older = (version < latest).to_numpy()
    if older.any():
        out.warnings.append(Probleme(view.fichier, "heures", None, "emi_sme_version", None,
                                     f"{int(older.sum())} ligne(s) d'une version antérieure d'un même état mensuel "
                                     "non comptées (la dernière version l'est)"))
    return emi[~older]


def _hours(views: dict[str, View], contract_parcours: pd.Series, out: FluxExtract) -> RawSheet | None:
    """Hours per parcours and month, summed over its contracts and annexes financières."""
    view = views["EtatMensuelIndiv"]
    emi = _counted_statements(view, views, out)
    aside = emi["emi_ctr_id"].isin(set(views["ContratMission"].frame["contrat_id_ctr"])) & \
        ~emi["emi_ctr_id"].isin(contract_parcours.index)
    if aside.any():
        out.warnings.append(Probleme(view.fichier, "heures", None, "emi_ctr_id", None,
                                     f"{int(aside.sum())} ligne(s) d'heures de contrats mis de côté, non comptées"))
        emi = emi[~aside]
    hours = pd.to_numeric(emi["emi_nb_heures_travail"].str.replace(",", ".", regex=False), errors="coerce")
    unreadable = hours.isna() & emi["emi_nb_heures_travail"].ne("")
    parcours = emi["emi_ctr_id"].map(contract_parcours)
    frame = pd.DataFrame({"emi_ctr_id": parcours.fillna(emi["emi_ctr_id"]).to_numpy(),
                          "emi_sme_annee": emi["emi_sme_annee"].to_numpy(), "emi_sme_mois": emi["emi_sme_mois"].to_numpy(),
                          "heures": hours.fillna(0.0).to_numpy(), "ligne": emi.index.to_numpy(),
                          "texte": emi["emi_nb_heures_travail"].to_numpy(), "illisible": unreadable.to_numpy()})
    grouped = frame.groupby(["emi_ctr_id", "emi_sme_annee", "emi_sme_mois"], sort=False)
    out_frame = grouped.agg(emi_nb_heures_travail=("heures", "sum"), ligne=("ligne", "min"),
                            illisible=("illisible", "any"), texte=("texte", "first")).reset_index()
    cells = np.where(out_frame["illisible"], out_frame["texte"], out_frame["emi_nb_heures_travail"].map(repr))
    sheet = pd.DataFrame({"emi_ctr_id": out_frame["emi_ctr_id"].to_numpy(),
                          "emi_sme_annee": out_frame["emi_sme_annee"].to_numpy(),
                          "emi_sme_mois": out_frame["emi_sme_mois"].to_numpy(),
                          "emi_nb_heures_travail": cells}, index=out_frame["ligne"].to_numpy())
    out.warnings.append(Probleme(view.fichier, "heures", None, None, None,
                                 f"{len(emi)} ligne(s) d'états mensuels comptées, regroupées en {len(sheet)} mois de "
                                 "parcours (sommées sur leurs contrats et leurs annexes financières)"))
    return RawSheet(view.fichier, "heures", sheet.sort_index(), header_line=None,
                    columns_map={"emi_ctr_id": "id_parcours", "emi_sme_annee": "annee", "emi_sme_mois": "mois",
                                 "emi_nb_heures_travail": "heures"})


# --------------------------------------------------------------------------- conventions


def _conventions(view: View, structures: pd.DataFrame, out: FluxExtract) -> RawSheet | None:
    """Conventions per structure, measure and year, from the annexes financières whose state counts."""
    af = _set_aside_measures(view.frame, view.fichier, "af_mesure_dispositif_code", out)
    af = af[af["af_etat_annexe_financiere_code"].isin(AF_STATES_COUNTED)]
    af = af[~af["af_id_annexe_financiere"].duplicated()]  # an annexe's rows repeat (FLUXIAE §2.6)
    if af.empty:
        return None
    start = pd.to_datetime(af["af_date_debut_effet"], format="%d/%m/%Y", errors="coerce")
    end = pd.to_datetime(af["af_date_fin_effet"], format="%d/%m/%Y", errors="coerce")
    year = start.dt.year
    year_end = start + pd.offsets.YearEnd(0)
    end = end.fillna(year_end)
    days = ((end.where(end <= year_end, year_end) - start).dt.days + 1).clip(lower=0)  # the year's days only
    share = days / np.where(start.dt.is_leap_year, 366, 365)
    number = af["af_numero_annexe_financiere"] + "A" + af["af_numero_avenant_renouvellement"].replace("", "0") + \
        "M" + af["af_numero_avenant_modification"].replace("", "0")
    table = pd.DataFrame({
        "af_id_structure": af["af_id_structure"], "af_mesure_dispositif_code": af["af_mesure_dispositif_code"],
        "annee": year, "debut": start, "ligne": af.index,
        "etp": _number(af["af_etp_postes_insertion"]) * share,
        "aide": _number(af["af_montant_total_annuel"]), "cofinancement": _number(af["af_mt_cofinance"]),
        "numero": number, "dyn": af["af_taux_prev_sorties_dynamiques"], "durable": af["af_taux_prev_sorties_durable"],
    }).dropna(subset=["annee"])
    rows = []
    for (structure, measure, annee), group in table.groupby(["af_id_structure", "af_mesure_dispositif_code", "annee"]):
        latest = group.sort_values("debut").iloc[-1]  # the year's last annexe gives the number and planned rates
        rows.append({"ligne": int(group["ligne"].min()),
                     "structure_denomination": structures["structure_denomination"].get(structure, ""),
                     "structure_adresse_admin_commune": structures["site"].get(structure, ""),
                     "af_mesure_dispositif_code": measure, "annee": str(int(annee)),
                     "af_etp_postes_insertion": _sum_text(group["etp"]),
                     "af_montant_total_annuel": _sum_text(group["aide"]),
                     "af_mt_cofinance": _sum_text(group["cofinancement"]),
                     "af_numero_annexe_financiere": latest["numero"],
                     "af_taux_prev_sorties_dynamiques": latest["dyn"], "af_taux_prev_sorties_durable": latest["durable"]})
    frame = pd.DataFrame(rows).set_index("ligne")
    return RawSheet(view.fichier, "conventions", frame, header_line=None, columns_map=CONVENTION_COLUMNS)


def _number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")


def _sum_text(values: pd.Series) -> str:
    """A sum as text for the raw sheet ("" when every value is unknown)."""
    return "" if values.isna().all() else repr(float(values.sum()))


#: Column of the conventions sheet built here -> column of the data model.
CONVENTION_COLUMNS = {
    "structure_denomination": "structure", "structure_adresse_admin_commune": "site",
    "af_mesure_dispositif_code": "dispositif", "annee": "annee", "af_etp_postes_insertion": "etp_conventionnes",
    "af_montant_total_annuel": "aide_au_poste_eur", "af_mt_cofinance": "cofinancement_departement_eur",
    "af_numero_annexe_financiere": "numero_annexe_financiere",
    "af_taux_prev_sorties_dynamiques": "taux_prevu_sorties_dynamiques",
    "af_taux_prev_sorties_durable": "taux_prevu_emploi_durable",
}
