"""The corpus of bad inputs real users produce, and the README that says what each one is told.

Regenerate the files and the README with ``python -m tests.data.invalides.corpus`` from the
project root. Each case: the file (or folder) to read, what is wrong, whether the input is
refused (``rejet``) or read with a warning (``accepte``), and a fragment of the French message.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
HEADER = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;heures_travaillees"
OK1 = "P1;A1;Asso;Narbonne;ACI;01/02/2023;30/06/2024;Embauche en CDI non aidé;1200"
OK2 = "P2;A2;Asso;Narbonne;ACI;15/03/2024;;;300"


@dataclass(frozen=True)
class Cas:
    nom: str  # file or folder name in this directory
    probleme: str  # what is wrong, in French
    attendu: str  # "rejet" or "accepte"
    message: str  # fragment of what the user is told
    ligne: int | None = None  # where, when the message names a row


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _row(**changes: str) -> str:
    fields = dict(zip(HEADER.split(";"), OK2.split(";"), strict=True))
    fields.update(changes)
    return ";".join(fields.values())


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _header_cells() -> list[str]:
    return HEADER.split(";")


def _edit_sheet(data: bytes, edit) -> bytes:
    """The workbook with its first sheet's XML passed through ``edit`` (what Excel or a program writes)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = edit(content.decode("utf-8")).encode("utf-8")
            dst.writestr(item, content)
    return out.getvalue()


def _site_by_formula(error: bool = False) -> bytes:
    """A site column built by a formula never computed (written by a program), or computed to #N/A."""
    rows = [_header_cells(), OK1.split(";"), OK2.split(";")]
    rows[1][3] = '=C2&" Narbonne"'
    book = _xlsx({"parcours": rows})
    if not error:
        return book
    return _edit_sheet(book, lambda xml: xml.replace('<c r="D2"><f>C2&amp;" Narbonne"</f><v />',
                                                     '<c r="D2" t="e"><f>VLOOKUP(C2,Feuil2!A:B,2,0)</f><v>#N/A</v>'))


CAS: list[Cas] = [
    Cas("vide_0_octet.csv", "fichier de 0 octet", "rejet", "fichier vide"),
    Cas("binaire.csv", "octets aléatoires nommés .csv", "rejet", "fichier binaire"),
    Cas("pdf_renomme.csv", "un PDF renommé en .csv", "rejet", "fichier binaire"),
    Cas("xlsx_renomme.csv", "un classeur Excel enregistré avec l'extension .csv", "accepte", ""),
    Cas("xlsx_tronque.xlsx", "classeur Excel coupé en cours de copie", "rejet", "classeur Excel illisible"),
    Cas("xlsx_sans_onglet_parcours.xlsx", "classeur sans onglet parcours", "rejet", "aucun onglet « parcours »"),
    Cas("xlsx_onglet_parcours_vide.xlsx", "onglet parcours avec l'en-tête seul", "rejet", "ne contient aucune ligne"),
    Cas("xlsx_ligne_de_titre.xlsx", "une ligne de titre au-dessus de l'en-tête", "accepte", ""),
    Cas("xlsx_dates_serie_et_texte.xlsx", "dates Excel, nombres de série et textes mêlés", "accepte", ""),
    Cas("xlsx_onglet_inconnu.xlsx", "un onglet « Feuil2 » en plus", "accepte", ""),
    Cas("encodage_mixte.csv", "lignes en UTF-8 et lignes en Windows-1252 dans le même fichier", "rejet",
        "encodage mixte"),
    Cas("encodage_utf16_tabulations.csv", "export « Texte Unicode » d'Excel (UTF-16, tabulations)", "accepte", ""),
    Cas("encodage_windows1252.csv", "export Windows-1252 (accents)", "accepte", ""),
    Cas("guillemet_non_ferme.csv", "un guillemet ouvert jamais fermé", "rejet", "guillemet"),
    Cas("ligne_de_titre.csv", "deux lignes de titre au-dessus de l'en-tête", "accepte", ""),
    Cas("ligne_vide_au_milieu.csv", "une ligne vide entre deux parcours", "accepte", ""),
    Cas("colonne_manquante.csv", "la colonne date_entree manque", "rejet", "colonne obligatoire absente"),
    Cas("colonne_renommee.csv", "« Date début contrat » au lieu de « Date d'entrée »", "rejet",
        "colonne obligatoire absente"),
    Cas("colonnes_en_double.csv", "deux colonnes « date d'entrée »", "rejet", "deux colonnes correspondent"),
    Cas("colonne_en_trop_nom.csv", "colonnes Nom et Prénom en plus", "accepte", ""),
    Cas("texte_dans_heures.csv", "« douze » dans les heures", "rejet", "nombre attendu", 3),
    Cas("nombre_avec_unite.csv", "« 35 € » dans les heures", "rejet", "nombre attendu", 3),
    Cas("heures_en_duree.csv", "heures écrites en durée (« 24:48 », « 19h06 »)", "accepte", ""),
    Cas("date_illisible.csv", "31/02/2024", "rejet", "date illisible", 3),
    Cas("date_au_format_americain.csv", "03/25/2024 (mois/jour)", "rejet", "date illisible", 3),
    Cas("dates_inversees.csv", "sortie avant l'entrée", "rejet", "antérieure à la date d'entrée", 3),
    Cas("date_dans_le_futur.csv", "entrée en 2031", "rejet", "dans le futur", 3),
    Cas("dates_serie_excel.csv", "dates en nombres de série Excel (45292)", "accepte", ""),
    Cas("sortie_sans_motif.csv", "date de sortie sans motif", "rejet", "pas le motif de sortie", 3),
    Cas("motif_sans_sortie.csv", "motif sans date de sortie", "rejet", "sans date de sortie", 3),
    Cas("motif_inconnu.csv", "motif de sortie inventé", "rejet", "motif de sortie inconnu", 3),
    Cas("dispositif_inconnu.csv", "dispositif « CHANTIER »", "rejet", "valeur non reconnue", 3),
    Cas("heures_negatives.csv", "heures négatives", "rejet", "négative", 3),
    Cas("heures_absurdes_total.csv", "50 000 heures sur trois mois", "rejet", "48 heures par semaine", 3),
    Cas("lignes_en_double.csv", "la même ligne deux fois", "rejet", "ligne en double", 3),
    Cas("id_parcours_en_double.csv", "deux parcours avec le même identifiant", "rejet", "identifiant en double", 3),
    Cas("parcours_qui_se_chevauchent.csv", "même personne, deux parcours ACI qui se chevauchent", "rejet",
        "chevauche", 3),
    Cas("structure_vide.csv", "structure non renseignée", "rejet", "valeur obligatoire manquante", 3),
    Cas("annee_naissance_absurde.csv", "année de naissance 1850", "rejet", "année de naissance", 3),
    Cas("sexe_inconnu.csv", "sexe « X »", "rejet", "sexe attendu", 3),
    Cas("oui_non_illisible.csv", "RSA « peut-être »", "rejet", "oui ou non attendu", 3),
    Cas("niveau_formation_inconnu.csv", "niveau de formation « 99 »", "rejet", "valeur non reconnue", 3),
    Cas("duree_inscription_illisible.csv", "durée d'inscription « longtemps »", "rejet", "durée d'inscription", 3),
    Cas("heures_mois_13", "onglet heures : mois 13", "rejet", "le mois doit être entre 1 et 12", 2),
    Cas("heures_mois_absurde", "onglet heures : 900 heures dans un mois", "rejet", "744", 2),
    Cas("heures_parcours_inconnu", "onglet heures : parcours absent de l'onglet parcours", "rejet",
        "parcours inconnu", 2),
    Cas("heures_sans_id_parcours", "onglet heures rempli mais pas de colonne id_parcours dans parcours", "rejet",
        "quand l'onglet heures est rempli"),
    Cas("heures_en_double", "onglet heures : le même mois deux fois", "rejet", "ligne en double", 2),
    Cas("dossier_vide", "dossier sans aucun fichier", "rejet", "aucun onglet « parcours »"),
    Cas("guillemets_doubles_et_virgule.csv", "nom entre guillemets avec guillemets doublés et virgule, "
        "séparateur ;", "accepte", ""),
    Cas("un_champ_de_trop_partout.csv", "chaque ligne a un champ de plus que l'en-tête", "rejet",
        "10 champs au lieu de 9", 2),
    Cas("trop_de_colonnes.csv", "3 000 colonnes", "rejet", "fichier trop volumineux"),
    Cas("encodage_utf16_tronque.csv", "export UTF-16 coupé au milieu d'un caractère", "rejet", "encodage UTF-16"),
    Cas("xlsx_formule_sans_valeur.xlsx", "site calculé par une formule jamais recalculée (classeur écrit par un "
        "programme)", "rejet", "formule sans valeur calculée", 2),
    Cas("xlsx_erreur_de_formule.xlsx", "site calculé par une formule qui donne #N/A", "rejet", "erreur #N/A", 2),
    Cas("xlsx_bombe.xlsx", "quelques kilo-octets qui se décompressent en 12 Mo de XML", "rejet",
        "fichier trop volumineux"),
    Cas("xlsx_encodage_inconnu.xlsx", "un onglet qui déclare un encodage de caractères inconnu", "rejet",
        "encodage de caractères inconnu"),
]


def _files() -> dict[str, bytes | dict[str, bytes]]:
    rnd = random.Random(7)
    pdf = b"%PDF-1.4\n" + bytes(rnd.randrange(256) for _ in range(600)) + b"\x00\n%%EOF\n"
    xlsx_ok = _xlsx({"parcours": [_header_cells(), OK1.split(";"), OK2.split(";")]})
    mixed = _csv(HEADER, OK1).replace("é".encode(), "é".encode("cp1252")) + _csv(
        _row(id_parcours="P3", site="Lézignan"))
    return {
        "vide_0_octet.csv": b"",
        "binaire.csv": bytes(rnd.randrange(256) for _ in range(2000)) + b"\x00",
        "pdf_renomme.csv": pdf,
        "xlsx_renomme.csv": xlsx_ok,
        "xlsx_tronque.xlsx": xlsx_ok[: len(xlsx_ok) // 2],
        "xlsx_sans_onglet_parcours.xlsx": _xlsx({"Feuil1": [["a", "b"], [1, 2]]}),
        "xlsx_onglet_parcours_vide.xlsx": _xlsx({"parcours": [_header_cells()]}),
        "xlsx_ligne_de_titre.xlsx": _xlsx({"parcours": [["Export de la structure, janvier 2025"], [],
                                                        _header_cells(), OK1.split(";")]}),
        "xlsx_dates_serie_et_texte.xlsx": _xlsx({"parcours": [
            _header_cells(), ["P1", "A1", "Asso", "Narbonne", "ACI", 45292, "30/06/2024", "Au chômage", 400],
            ["P2", "A2", "Asso", "Narbonne", "ACI", "2024-01-15", None, None, 20.5]]}),
        "xlsx_onglet_inconnu.xlsx": _xlsx({"parcours": [_header_cells(), OK1.split(";")], "Feuil2": [["x"]]}),
        "encodage_mixte.csv": mixed,
        "encodage_utf16_tabulations.csv": ("\n".join(line.replace(";", "\t") for line in (HEADER, OK1, OK2))
                                           + "\n").encode("utf-16"),
        "encodage_windows1252.csv": ("\n".join((HEADER, _row(site="Lézignan-Corbières"))) + "\n").encode("cp1252"),
        "guillemet_non_ferme.csv": _csv(HEADER, OK1, '"P2;A2;Asso;Narbonne;ACI;15/03/2024;;;300'),
        "ligne_de_titre.csv": _csv("Export des parcours", "Généré le 03/01/2025", HEADER, OK1, OK2),
        "ligne_vide_au_milieu.csv": _csv(HEADER, OK1, "", OK2),
        "colonne_manquante.csv": _csv(HEADER.replace("date_entree;", ""), OK1.replace("01/02/2023;", "")),
        "colonne_renommee.csv": _csv(HEADER.replace("date_entree", "Date début contrat"), OK1),
        "colonnes_en_double.csv": _csv(HEADER + ";Date d'entrée", OK1 + ";01/02/2023"),
        "colonne_en_trop_nom.csv": _csv(HEADER + ";Nom;Prénom", OK1 + ";Dupont;Jeanne"),
        "texte_dans_heures.csv": _csv(HEADER, OK1, _row(heures_travaillees="douze")),
        "nombre_avec_unite.csv": _csv(HEADER, OK1, _row(heures_travaillees="35 €")),
        "heures_en_duree.csv": _csv(HEADER, OK1.replace(";1200", ";1200:30"), _row(heures_travaillees="19h06")),
        "date_illisible.csv": _csv(HEADER, OK1, _row(date_entree="31/02/2024")),
        "date_au_format_americain.csv": _csv(HEADER, OK1, _row(date_entree="03/25/2024")),
        "dates_inversees.csv": _csv(HEADER, OK1, _row(date_entree="01/07/2024", date_sortie="01/01/2024",
                                                      motif_sortie="Au chômage")),
        "date_dans_le_futur.csv": _csv(HEADER, OK1, _row(date_entree="01/01/2031")),
        "dates_serie_excel.csv": _csv(HEADER, OK1, _row(date_entree="45292")),
        "sortie_sans_motif.csv": _csv(HEADER, OK1, _row(date_sortie="30/06/2024")),
        "motif_sans_sortie.csv": _csv(HEADER, OK1, _row(motif_sortie="Au chômage")),
        "motif_inconnu.csv": _csv(HEADER, OK1, _row(date_sortie="30/06/2024", motif_sortie="Parti en vacances")),
        "dispositif_inconnu.csv": _csv(HEADER, OK1, _row(dispositif="CHANTIER")),
        "heures_negatives.csv": _csv(HEADER, OK1, _row(heures_travaillees="-12")),
        "heures_absurdes_total.csv": _csv(HEADER, OK1, _row(date_entree="01/01/2024", date_sortie="31/03/2024",
                                                            motif_sortie="Au chômage",
                                                            heures_travaillees="50000")),
        "lignes_en_double.csv": _csv(HEADER, OK1, OK1.replace("P1;", "P9;")),
        "id_parcours_en_double.csv": _csv(HEADER, OK1, _row(id_parcours="P1")),
        "parcours_qui_se_chevauchent.csv": _csv(HEADER, OK1, _row(id_personne="A1", date_entree="01/03/2024")),
        "structure_vide.csv": _csv(HEADER, OK1, _row(structure="")),
        "annee_naissance_absurde.csv": _csv(HEADER + ";annee_naissance", OK1 + ";1985", OK2 + ";1850"),
        "sexe_inconnu.csv": _csv(HEADER + ";sexe", OK1 + ";F", OK2 + ";X"),
        "oui_non_illisible.csv": _csv(HEADER + ";beneficiaire_rsa", OK1 + ";oui", OK2 + ";peut-être"),
        "niveau_formation_inconnu.csv": _csv(HEADER + ";niveau_formation", OK1 + ";50", OK2 + ";99"),
        "duree_inscription_illisible.csv": _csv(HEADER + ";duree_inscription_ft", OK1 + ";12 à 23 mois",
                                                OK2 + ";longtemps"),
        "heures_mois_13": {"parcours.csv": _csv(HEADER, OK1),
                           "heures.csv": _csv("id_parcours;annee;mois;heures", "P1;2024;13;80")},
        "heures_mois_absurde": {"parcours.csv": _csv(HEADER, OK1),
                                "heures.csv": _csv("id_parcours;annee;mois;heures", "P1;2024;3;900")},
        "heures_parcours_inconnu": {"parcours.csv": _csv(HEADER, OK1),
                                    "heures.csv": _csv("id_parcours;annee;mois;heures", "P7;2024;3;80")},
        "heures_sans_id_parcours": {"parcours.csv": _csv(HEADER.replace("id_parcours;", ""),
                                                         OK1.replace("P1;", "")),
                                    "heures.csv": _csv("id_parcours;annee;mois;heures", "P1;2024;3;80")},
        "heures_en_double": {"parcours.csv": _csv(HEADER, OK1),
                             "heures.csv": _csv("id_parcours;annee;mois;heures", "P1;2024;3;80", "P1;2024;3;81")},
        "dossier_vide": {},
        "guillemets_doubles_et_virgule.csv": _csv(HEADER, '"A.M.I. ""Aude"", Carcassonne";A0;Asso;Narbonne;ACI;'
                                                  "01/02/2023;;;100", OK1, OK2),
        "un_champ_de_trop_partout.csv": _csv(HEADER, OK1 + ";x", OK2 + ";y"),
        "trop_de_colonnes.csv": _csv(HEADER + "".join(f";c{i}" for i in range(2_991)), OK1 + ";" * 2_991),
        "encodage_utf16_tronque.csv": ("\n".join(line.replace(";", "\t") for line in (HEADER, OK1)) + "\n")
        .encode("utf-16") + b"\x00\xd8",
        "xlsx_formule_sans_valeur.xlsx": _site_by_formula(),
        "xlsx_erreur_de_formule.xlsx": _site_by_formula(error=True),
        "xlsx_bombe.xlsx": _edit_sheet(xlsx_ok, lambda xml: xml.replace("<sheetData>", "<sheetData>" + " " * 12_000_000)),
        "xlsx_encodage_inconnu.xlsx": _edit_sheet(xlsx_ok, lambda xml: '<?xml version="1.0" encoding="x-inconnu"?>'
                                                  + xml),
    }


def build(directory: Path = HERE) -> None:
    """Write every case into ``directory`` (files byte for byte, folders with their CSVs)."""
    for name, content in _files().items():
        target = directory / name
        if isinstance(content, dict):
            target.mkdir(exist_ok=True)
            (target / ".gitkeep").write_bytes(b"") if not content else None
            for sub, data in content.items():
                (target / sub).write_bytes(data)
        else:
            target.write_bytes(content)


def write_readme(directory: Path = HERE) -> None:
    """The README lists every case with what the user is actually told (the reader's first message)."""
    import os

    os.environ.setdefault("IAE_IMPACT_CLE", "corpus-0123456789abcdef0123456789abcdef")
    from iae_impact.ingest import DonneesInvalides, read_dataset

    lines = ["# Corpus d'entrées invalides", "",
             "Les fichiers que les structures produisent vraiment, et ce que `iae-impact verifier` leur répond.",
             "Un test (`tests/test_corpus.py`) lit chaque cas : message en français qui situe le problème, code de",
             "sortie non nul quand l'entrée est inutilisable, aucune trace d'exception, rien d'écrit. Fichiers et",
             "README régénérés par `python -m tests.data.invalides.corpus` (depuis la racine du projet).", "",
             "| cas | problème | résultat | ce que l'utilisateur lit (premier message) |", "| --- | --- | --- | --- |"]
    for cas in CAS:
        try:
            ds = read_dataset(directory / cas.nom, pseudonymiser=False)
            told = str(ds.avertissements[0]) if ds.avertissements else "données valides"
            result = "acceptées"
        except DonneesInvalides as exc:
            told, result = str(exc.problemes[0]), "refusées (code 1)"
        lines.append(f"| `{cas.nom}` | {cas.probleme} | {result} | {told.replace('|', '/')} |")
    lines += ["", "Un très gros fichier (200 000 parcours) est fabriqué par le test lui-même, pour ne pas",
              "alourdir le dépôt : il doit être lu sans erreur."]
    (directory / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build()
    write_readme()
