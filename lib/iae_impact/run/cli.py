"""The ``iae-impact`` command (messages in French)."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from ..analysis.release import linked_suppression
from ..base.errors import ParametresInvalides
from ..base.outputs import atomic_directory, write_atomic_text, write_json, write_table
from ..base.paths import REPORTS_DIR, resolve, user_path
from ..data.demo import write_demo
from ..data.ingest import read_dataset
from ..data.model import DonneesInvalides
from ..data.pseudonym import KeyError_
from ..data.schema import publishable_grouping
from ..data.template import write_template
from ..rules.exits import default_exit_rule, exit_rule, exit_rule_variants
from ..rules.secrecy import DEFAULT_THRESHOLD
from .batch import DEFAULT_CONFIG, run_notes
from .notes_config import weak_threshold_message
from .params import notebook_model, output_folder, validate_parameters
from .runner import run_notebook

#: Standard tables written by ``indicateurs``: file stem -> grouping columns.
STANDARD_TABLES = {
    "indicateurs_ensemble": [],
    "indicateurs_structure": ["structure"],
    "indicateurs_site": ["structure", "site"],
    "indicateurs_dispositif": ["structure", "dispositif"],
    "indicateurs_site_dispositif": ["structure", "site", "dispositif"],
}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _read(path: str, pseudonymiser: bool = True):
    _say(f"Lecture et validation de {path}…")
    dataset = read_dataset(user_path(path), pseudonymiser=pseudonymiser)
    for b in dataset.bilan:
        _say(f"  {b.fichier} / {b.feuille} : {b.lignes_lues} lignes lues, {b.lignes_acceptees} acceptées, "
             f"{b.lignes_rejetees} rejetées")
    for w in dataset.avertissements:
        _say(f"  avertissement — {w}")
    return dataset


def cmd_verifier(args: argparse.Namespace) -> int:
    dataset = _read(args.chemin, pseudonymiser=False)
    n = len(dataset.parcours)
    _say(f"Données valides : {n} parcours. Aucun fichier n'a été écrit.")
    return 0


def cmd_indicateurs(args: argparse.Namespace) -> int:
    par = publishable_grouping(args.par) if args.par else []  # before reading: a refused --par costs nothing
    regle = exit_rule(args.regle)
    weak = weak_threshold_message(args.seuil_secret)
    if weak:
        _say(f"avertissement — {weak}.")
    dataset = _read(args.chemin)
    tables = dict(STANDARD_TABLES)
    if par:
        tables["indicateurs_" + "_".join(par)] = par
    out = _out(args.out, "indicateurs")
    masked: dict[str, int] = {}
    # One release: every table masked with the others (secret statistique on linked tables)
    release = linked_suppression(dataset, args.seuil_secret, groupings=[par] if par else [],
                                 inclure_non_salaries=args.non_salaries, regle=regle)
    with atomic_directory(out) as tmp:
        for i, (stem, by) in enumerate(tables.items(), start=1):
            _say(f"[{i}/{len(tables)}] {stem}")
            suppression = release.grouped(by, inclure_non_salaries=args.non_salaries)
            masked[stem] = suppression.n_masques
            write_table(suppression.table, tmp, stem)
        write_json(tmp / "bilan.json", {
            "seuil_secret": args.seuil_secret,
            "regle_sorties": {"variante": regle, "libelle": exit_rule_variants()[regle]},
            "cellules_masquees": masked,
            "source": dataset.source,
            "empreinte_donnees": dataset.empreinte,
            "fichiers": dataset.empreintes,
            "bilan": [{**b.__dict__, "lignes_acceptees": b.lignes_acceptees} for b in dataset.bilan],
            "avertissements": [str(w) for w in dataset.avertissements],
        })
    _say(f"Indicateurs écrits dans {out} ({len(tables)} tableaux, en CSV, CSV « français » et parquet ; "
         f"{sum(masked.values())} cellules masquées, secret statistique à {args.seuil_secret} personnes).")
    return 0


def cmd_modele(args: argparse.Namespace) -> int:
    path = write_template(user_path(args.fichier), remplacer=args.remplacer)
    _say(f"Modèle écrit : {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    paths = write_demo(user_path(args.out)) if args.out else write_demo()
    _say(f"Données fictives écrites : {', '.join(str(p) for p in paths)}")
    return 0


def cmd_carnets(args: argparse.Namespace) -> int:
    from papermill.exceptions import PapermillExecutionError  # papermill is loaded only to run notebooks

    names = args.noms or ["01_donnees", "02_indicateurs"]
    runs = carnets_runs(names, args)  # every notebook's parameters checked before any runs
    failed = 0
    for i, (name, parameters, out) in enumerate(runs, start=1):
        start = time.perf_counter()
        _say(f"[{i}/{len(runs)}] exécution du carnet {name}…")
        try:
            path = run_notebook(name, parameters, out)
        except PapermillExecutionError as exc:
            failed += 1
            _say(f"      échec à la cellule {exc.exec_count} : {exc.ename} : {exc.evalue}")
            continue
        if args.html:
            from ..report.export import notebook_page  # nbconvert is loaded only to export

            write_atomic_text(path.with_suffix(".html"), notebook_page(path))
        _say(f"      {path}{' (et sa page HTML)' if args.html else ''} ({time.perf_counter() - start:.1f} s)")
    if failed:
        _say(f"{failed} carnet(s) en échec sur {len(names)}.")
    return 1 if failed else 0


def carnets_runs(names: Sequence[str], args: argparse.Namespace) -> list[tuple[str, dict, Path]]:
    """``(notebook, parameters, output folder)`` of each notebook of ``iae-impact carnets``, validated.

    ``-p NOM VALEUR`` and ``-y YAML`` (papermill's conventions; text read as the notebook reads it) give each
    notebook the parameters it declares; a name no chosen notebook declares is refused. Without ``--out``, a
    notebook run with its default parameters writes into ``reports/carnets`` (``10_note_elus``:
    ``reports/carnets/note``), any other run into a sub-folder named from its parameters; the executed
    notebook goes beside its summaries. ParametresInvalides (exit 2) before anything runs.
    """
    given = carnets_parameters(args.parametre or [], args.yaml or [])
    if args.donnees:
        given["donnees"] = str(user_path(args.donnees))
    models = {name: notebook_model(name) for name in names}
    unknown = sorted(set(given) - {f for m in models.values() for f in m.model_fields})
    if unknown:
        known = sorted({f for m in models.values() for f in m.model_fields} - {"sortie"})
        raise ParametresInvalides(f"paramètre(s) inconnu(s) de {', '.join(names)} : {', '.join(unknown)} "
                                  f"(connus : {', '.join(known)})")
    runs = []
    for name, model in models.items():
        values = {k: v for k, v in given.items() if k in model.model_fields}
        if args.out:
            values["sortie"] = str(user_path(args.out))
        validated = validate_parameters(name, values)
        folder = output_folder(validated)
        runs.append((name, {**values, "sortie": folder}, resolve(folder)))
    return runs


def carnets_parameters(pairs: Sequence[Sequence[str]], documents: Sequence[str]) -> dict:
    """``-y`` YAML documents (mappings), then ``-p`` pairs (the last value of a name wins, as in papermill)."""
    values: dict = {}
    for text in documents:
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ParametresInvalides(f"-y : YAML illisible ({exc.problem or exc})") from None
        if not isinstance(loaded, dict):
            raise ParametresInvalides(f"-y : un dictionnaire YAML est attendu (ex. : -y 'annees: [2023, 2024]'), "
                                      f"pas « {text} »")
        values.update({str(k): v for k, v in loaded.items()})
    values.update({name: value for name, value in pairs})
    return values


def cmd_notes(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    config = user_path(args.config) if args.config else resolve(DEFAULT_CONFIG)
    out = _out(args.out, "notes")
    results = run_notes(config, out, jobs=args.jobs, scheduler=args.scheduler, say=_say, remplacer=args.remplacer,
                        noyaux_neufs=args.noyaux_neufs)
    failed = [r for r in results if not r.ok]
    _say(f"{len(results) - len(failed)} note(s) produite(s) sur {len(results)} en "
         f"{time.perf_counter() - start:.1f} s ; index : {out / 'index.html'}")
    if failed:  # the table of failures, last, whatever the size of the batch
        _say(f"Notes en échec ({len(failed)}) :")
    for r in failed:
        _say(f"  ÉCHEC {r.id} — {r.message}")
    return 1 if failed else 0


def _out(given: str | None, default: str) -> Path:
    """An output folder: the one the user gave, from the current folder; else the project's ``reports/<default>``."""
    return user_path(given) if given else REPORTS_DIR / default


def _jobs(text: str) -> int:
    """``--jobs``: a whole number of kernels, at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"« {text} » : le nombre de noyaux en parallèle est un entier d'au moins 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iae-impact",
        description="Indicateurs d'insertion des SIAE à partir des données de parcours.",
    )
    parser.add_argument("--debug", action="store_true", help="affiche la trace complète en cas d'erreur")
    sub = parser.add_subparsers(dest="commande", required=True, metavar="COMMANDE")

    p = sub.add_parser("verifier", help="vérifie un classeur ou un dossier de CSV sans rien écrire")
    p.add_argument("chemin", help="classeur XLSX ou dossier de fichiers CSV")
    p.set_defaults(func=cmd_verifier)

    p = sub.add_parser("indicateurs", help="calcule les indicateurs et les écrit (CSV, CSV français, parquet)")
    p.add_argument("chemin", help="classeur XLSX ou dossier de fichiers CSV")
    p.add_argument("--out", default=None, help="dossier de sortie (défaut : reports/indicateurs du projet)")
    p.add_argument("--par", nargs="+", metavar="COLONNE",
                   help="regroupement supplémentaire (ex. : site action) ; seules les colonnes publiables sont "
                        "acceptées (lieux, dispositif, action : la liste est donnée en cas de refus)")
    p.add_argument("--non-salaries", action="store_true",
                   help="inclut les programmes non salariés (accompagnement) dans les tableaux")
    p.add_argument("--seuil-secret", type=int, default=DEFAULT_THRESHOLD, metavar="N",
                   help="masque toute cellule de moins de N personnes, avec secret secondaire (défaut : 5)")
    p.add_argument("--regle", default=None, metavar="VARIANTE",
                   help="variante de la règle d'examen des sorties (data/reference/regles_sortie.csv) : "
                        + ", ".join(f"{k} = {v}" for k, v in exit_rule_variants().items()) + " ; défaut : "
                        + default_exit_rule())
    p.set_defaults(func=cmd_indicateurs)

    p = sub.add_parser("modele", help="écrit le classeur Excel à remplir")
    p.add_argument("fichier", help="chemin du fichier .xlsx à écrire")
    p.add_argument("--remplacer", action="store_true",
                   help="remplace le fichier même s'il contient des données ou n'est pas un modèle d'iae-impact")
    p.set_defaults(func=cmd_modele)

    p = sub.add_parser("demo", help="régénère les données fictives de démonstration (graine fixe)")
    p.add_argument("--out", help="dossier de sortie (défaut : data/demo/fictif du projet)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("notes", help="produit toutes les notes de plaidoyer (HTML et PDF) d'un fichier de configuration")
    p.add_argument("--config", default=None, help="configuration (défaut : config/notes.yaml du projet) ; ses chemins "
                   "relatifs partent du dossier de la configuration")
    p.add_argument("--out", default=None, help="dossier de sortie (défaut : reports/notes du projet)")
    p.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="noyaux en parallèle, au moins 1 (défaut : un par cœur, jamais plus que de notes)")
    p.add_argument("--scheduler", default=None, metavar="ADRESSE",
                   help="adresse d'un ordonnanceur Dask (ex. tcp://127.0.0.1:8786) au lieu des processus locaux")
    p.add_argument("--remplacer", action="store_true",
                   help="remplace les dossiers de notes et index.html de --out même s'ils n'ont pas été écrits par "
                        "iae-impact (les autres fichiers ne sont jamais touchés)")
    p.add_argument("--noyaux-neufs", action="store_true",
                   help="un noyau neuf par note (plus lent) au lieu d'un noyau gardé chaud par processus, remis à "
                        "zéro avant chaque note")
    p.set_defaults(func=cmd_notes)

    p = sub.add_parser("carnets", help="exécute les carnets paramétrés (papermill)")
    p.add_argument("noms", nargs="*", help="carnets à exécuter (défaut : 01_donnees 02_indicateurs)")
    p.add_argument("--donnees", default=None, help="données (défaut : la démonstration fictive du projet)")
    p.add_argument("--out", default=None, help="dossier de sortie (défaut : reports/carnets du projet, ou un "
                   "sous-dossier nommé d'après les paramètres quand ils ne sont pas ceux par défaut)")
    p.add_argument("-p", "--parametre", nargs=2, action="append", metavar=("NOM", "VALEUR"),
                   help="paramètre d'un carnet, comme papermill (ex. : -p annees '[2023, 2024]' ; répétable)")
    p.add_argument("-y", "--yaml", action="append", metavar="YAML",
                   help="paramètres en YAML, comme papermill (ex. : -y 'annees: [2023, 2024]')")
    p.add_argument("--html", action="store_true",
                   help="écrit aussi chaque carnet exécuté en page HTML autonome (code compris, rien chargé "
                        "d'Internet : lisible hors ligne)")
    p.set_defaults(func=cmd_carnets)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DonneesInvalides as exc:
        _say(exc.report())
        return 1
    except (ValueError, KeyError_, FileNotFoundError, PermissionError) as exc:
        if args.debug:
            raise
        _say(f"Erreur : {exc}")
        return 2
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the interpreter's exit short
        _say("Interrompu : aucun fichier partiel n'a été laissé.")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
