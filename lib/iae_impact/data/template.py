"""The Excel template users fill, generated from the schema (:mod:`iae_impact.schema`).

Nothing here lists columns by hand: sheets, headers, comments, the documentation
table, the ``listes`` sheet and the drop-down validations all come from
:func:`schema.sheet_schemas` and :func:`schema.column_specs`, so the template cannot
drift from what :func:`iae_impact.ingest.read_dataset` accepts. Everything the user
reads is French.
"""

from __future__ import annotations

import os
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..base.outputs import atomic_path
from ..base.paths import resolve
from . import schema

DOC_SHEET = "documentation"
LISTS_SHEET = "listes"
#: Last row carrying formats and validations (row 1 is the header).
LAST_ROW = 5000
CODED_KINDS = (schema.CODE, schema.MOTIF, schema.SEXE, schema.BOOLEEN, schema.DUREE_FT)
KIND_LABELS = {
    schema.TEXTE: "texte", schema.CODE: "code", schema.DATE: "date", schema.ENTIER: "nombre entier",
    schema.DECIMAL: "nombre décimal", schema.BOOLEEN: "oui/non", schema.MOTIF: "motif de sortie",
    schema.SEXE: "sexe", schema.DUREE_FT: "durée d'inscription",
}  # fmt: skip
DATE_FORMAT = "DD/MM/YYYY"
#: Identifiers and codes typed as text keep their zeros ("0012", "01"). Set as a column style: free to read,
#: unlike 5,000 formatted cells per column.
TEXT_KINDS = (schema.TEXTE, schema.CODE)
DOC_COLUMNS = {  # header -> width
    "onglet": 14, "colonne": 28, "obligatoire": 12, "type": 18, "description": 60, "exemple": 24,
    "valeurs acceptées": 40, "variantes d'en-tête acceptées": 48,
}  # fmt: skip
INTRO = (
    "Modèle de saisie iae-impact : les données d'une structure d'insertion par l'activité économique (SIAE).",
    "Un onglet par type de données, une ligne par enregistrement, à partir de la ligne 2 ; ne renommez pas les "
    "onglets. Les en-têtes peuvent aussi s'écrire comme dans la colonne « variantes d'en-tête acceptées ».",
    "Seul l'onglet « parcours » est obligatoire : laissez vides les autres onglets s'ils ne vous concernent pas.",
    "Les identifiants des personnes et des parcours sont remplacés par un code chiffré (pseudonymisation) avant "
    "toute écriture. Ce classeur, lui, contient des données personnelles : gardez-le dans la structure.",
    "Dates au format jj/mm/aaaa (ou dates Excel) ; la virgule décimale est acceptée (ex. 1200,5).",
    "« obligatoire » : la colonne doit être présente (en-tête en couleur dans les onglets) ; la description dit "
    "si une cellule peut rester vide. Les listes de valeurs sont dans l'onglet « listes ».",
    "Les onglets « documentation » et « listes » ne sont pas lus.",
)
BOLD = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", start_color="FCE4D6")
#: Workbook property (``keywords``) marking a template written here: Excel and LibreOffice keep it on save.
TEMPLATE_MARK = "iae-impact:modele"


def write_template(path: str | os.PathLike[str], remplacer: bool = False) -> Path:
    """Write the empty template to ``path`` (``.xlsx``) atomically and return its absolute path.

    Relative paths are taken from the project root, like every path of the project. An existing file
    is replaced only when it is a template written here and still holds no data row, or with
    ``remplacer``; otherwise ValueError (French).
    """
    target = resolve(path)
    if target.suffix.lower() != ".xlsx":
        raise ValueError(f"Le modèle doit être un fichier Excel .xlsx (chemin reçu : « {target} »).")
    if not remplacer and (target.exists() or target.is_symlink()):
        reason = _not_replaceable(target)
        if reason:
            raise ValueError(f"{target} existe déjà et {reason} : il n'a pas été remplacé. Choisissez un autre nom, "
                             "ou ajoutez --remplacer pour l'écraser.")
    workbook = _build_workbook()
    with atomic_path(target, suffix=".tmp") as tmp:
        workbook.save(tmp)
    return target


def _not_replaceable(target: Path) -> str | None:
    """Why ``target`` may not be overwritten (a file the user wrote or filled), or None."""
    if target.is_symlink() or not target.is_file():
        return "n'est pas un fichier ordinaire"
    try:
        workbook = load_workbook(target, read_only=True)
    except Exception:  # noqa: BLE001 - whatever openpyxl cannot open is not our template
        return "n'est pas un classeur Excel lisible"
    try:
        if workbook.properties.keywords != TEMPLATE_MARK:
            return "n'est pas un modèle écrit par iae-impact modele"
        for ws in workbook.worksheets:
            if ws.title in (DOC_SHEET, LISTS_SHEET):
                continue
            for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
                if any(v is not None and str(v).strip() for v in row):
                    return f"contient des données (onglet « {ws.title} », ligne {number})"
    finally:
        workbook.close()
    return None


def _build_workbook() -> Workbook:
    specs = {sheet: schema.column_specs(sheet) for sheet in schema.sheet_schemas()}
    workbook = Workbook()
    workbook.properties.creator = "iae-impact"
    workbook.properties.keywords = TEMPLATE_MARK
    _write_documentation(workbook.active, specs)
    data_sheets = {sheet: workbook.create_sheet(sheet) for sheet in specs}
    list_refs = _write_lists(workbook.create_sheet(LISTS_SHEET), specs)
    for sheet, ws in data_sheets.items():
        _write_data_sheet(ws, specs[sheet], list_refs)
    return workbook


def _write_documentation(ws: Worksheet, specs: dict[str, list[schema.ColumnSpec]]) -> None:
    ws.title = DOC_SHEET
    ws.append([INTRO[0]])
    ws["A1"].font = Font(bold=True, size=14)
    for line in INTRO[1:]:
        ws.append([line])
    ws.append([])
    for sheet, sch in schema.sheet_schemas().items():
        status = "obligatoire" if sch.metadata["obligatoire"] else "facultatif"
        ws.append([f"Onglet « {sheet} » ({status}) : {sch.description}"])
    ws.append([])
    ws.append(list(DOC_COLUMNS))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = BOLD
    for sheet, columns in specs.items():
        for spec in columns:
            ws.append([sheet, spec.name, "oui" if spec.required else "non", KIND_LABELS[spec.kind],
                       spec.description, spec.example, _accepted_values(spec), " ; ".join(spec.alias)])
    for col, width in enumerate(DOC_COLUMNS.values(), 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for row in ws.iter_rows(min_row=header_row + 1, min_col=5, max_col=len(DOC_COLUMNS)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(DOC_COLUMNS))}{ws.max_row}"


def _accepted_values(spec: schema.ColumnSpec) -> str:
    values = _list_values(spec)
    if spec.kind == schema.MOTIF:
        return f"{len(values)} libellés (onglet « listes ») ; codes ASP et anciens libellés aussi acceptés"
    if values:
        return ", ".join(values) if len(values) <= 12 else "voir l'onglet « listes »"
    return {schema.DATE: "jj/mm/aaaa", schema.DECIMAL: "virgule ou point décimal"}.get(spec.kind, "")


def _list_values(spec: schema.ColumnSpec) -> tuple[str, ...]:
    if spec.kind not in CODED_KINDS:
        return ()
    return schema.BOOLEENS if spec.kind == schema.BOOLEEN else tuple(spec.values or ())


def _write_lists(ws: Worksheet, specs: dict[str, list[schema.ColumnSpec]]) -> dict[tuple[str, ...], str]:
    """One column per distinct list of values; returns values -> absolute range on this sheet."""
    refs: dict[tuple[str, ...], str] = {}
    for spec in (s for columns in specs.values() for s in columns):
        values = _list_values(spec)
        if not values or values in refs:
            continue
        col = len(refs) + 1
        letter = get_column_letter(col)
        ws.cell(1, col, "oui / non" if spec.kind == schema.BOOLEEN else spec.name).font = BOLD
        for row, value in enumerate(values, 2):
            ws.cell(row, col, value).number_format = "@"
        ws.column_dimensions[letter].width = min(max(len(v) for v in (*values, spec.name)) + 2, 80)
        refs[values] = f"{ws.title}!${letter}$2:${letter}${len(values) + 1}"
    ws.freeze_panes = "A2"
    return refs


def _write_data_sheet(ws: Worksheet, specs: list[schema.ColumnSpec], list_refs: dict[tuple[str, ...], str]) -> None:
    for col, spec in enumerate(specs, 1):
        letter = get_column_letter(col)
        cell = ws.cell(1, col, spec.name)
        cell.font = BOLD
        if spec.required:
            cell.fill = REQUIRED_FILL
        status = "Colonne obligatoire" if spec.required else "Colonne facultative"
        cell.comment = Comment(f"{spec.description}\n{status}. Exemple : {spec.example}", "iae-impact",
                               width=320, height=140)
        ws.column_dimensions[letter].width = min(max(len(spec.name), len(spec.example), 10) + 4, 40)
        if spec.kind in TEXT_KINDS:
            ws.column_dimensions[letter].number_format = "@"
        elif spec.kind == schema.DATE:
            for row in range(2, LAST_ROW + 1):
                ws.cell(row, col).number_format = DATE_FORMAT
        values = _list_values(spec)
        if values:
            validation = _validation(spec, list_refs[values])
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(specs))}1"


def _validation(spec: schema.ColumnSpec, ref: str) -> DataValidation:
    """Drop-down list; a motive outside the list only warns: codes and older labels are accepted too."""
    if spec.kind == schema.MOTIF:
        style, error = "warning", ("Ce motif n'est pas dans la liste (onglet « listes »). Un code ASP ou un ancien "
                                   "libellé est aussi accepté : vérifiez-le avant de confirmer.")
    elif spec.kind == schema.BOOLEEN:
        style, error = "stop", "Répondez « oui » ou « non »."
    else:
        style, error = "stop", "Choisissez une valeur de la liste déroulante (onglet « listes »)."
    # OOXML stores formulas without the leading "=" that Excel shows; Excel caps the title at 32 characters.
    return DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True, errorStyle=style,
                          errorTitle="Valeur non reconnue", error=error)
