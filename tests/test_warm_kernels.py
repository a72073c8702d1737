"""Warm kernels (issue 16.1): a brief rendered on a kernel that ran others is the brief a fresh kernel renders
(every demo brief, in both orders); the state a brief leaves behind is gone before the next; a kernel killed
mid-brief is replaced and the brief retried once, then it fails alone."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from iae_impact.base.paths import DEMO_DIR, NOTEBOOKS_DIR, PROJECT_ROOT
from iae_impact.run import batch, runner, warm
from iae_impact.run.batch import load_config, run_notes
from tests.traps import brief_with_trap

pytestmark = pytest.mark.slow  # real kernels and briefs

DEFAULT_CONFIG = PROJECT_ROOT / "config" / "notes.yaml"


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _undated(html: str) -> str:
    return re.sub(r"générée le \d{2}/\d{2}/\d{4}", "générée le …", html)


def _demo_config(tmp_path: Path, reverse: bool) -> Path:
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    data["donnees"] = str(DEMO_DIR)
    if reverse:
        data["notes"] = data["notes"][::-1]
    path = tmp_path / ("a_rebours.yaml" if reverse else "dans_l_ordre.yaml")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_every_demo_brief_rendered_warm_in_either_order_is_the_fresh_one(tmp_path):
    ids = [n.id for n in load_config(DEFAULT_CONFIG).notes]
    runs = {
        "neufs": run_notes(_demo_config(tmp_path, False), tmp_path / "neufs", jobs=2, noyaux_neufs=True,
                           say=lambda _m: None),
        # one warm kernel (--jobs 1) takes every brief: A then B, and B then A
        "chaud": run_notes(_demo_config(tmp_path, False), tmp_path / "chaud", jobs=1, say=lambda _m: None),
        "chaud_a_rebours": run_notes(_demo_config(tmp_path, True), tmp_path / "chaud_a_rebours", jobs=1,
                                     say=lambda _m: None),
    }
    for name, results in runs.items():
        assert sorted(r.id for r in results if r.ok) == sorted(ids), (name, [r.message for r in results])
    fresh = tmp_path / "neufs"
    for name in ("chaud", "chaud_a_rebours"):
        for note_id in ids:
            built, reference = tmp_path / name / note_id, fresh / note_id
            assert (built / "resume.json").read_bytes() == (reference / "resume.json").read_bytes(), (name, note_id)
            assert _undated((built / "note.html").read_text(encoding="utf-8")) == _undated(
                (reference / "note.html").read_text(encoding="utf-8")), (name, note_id)
            assert _undated(_pdf_text(built / "note.pdf")) == _undated(_pdf_text(reference / "note.pdf")), (name,
                                                                                                              note_id)
        run = json.loads((tmp_path / name / ids[0] / "run.json").read_text(encoding="utf-8"))
        assert run["noyau_chaud"] is True
    assert json.loads((fresh / ids[0] / "run.json").read_text(encoding="utf-8"))["noyau_chaud"] is False


PROBE = """import json, os, sys, warnings
import matplotlib, matplotlib.pyplot as plt, numpy as np
from iae_impact.rules import tables
etat = {
    "noms": sorted(k for k in globals() if not k.startswith("_")),
    "compteur": get_ipython().execution_count,
    "figures": len(plt.get_fignums()),
    "rc": {k: str(v) for k, v in matplotlib.rcParams.items() if k != "backend"},
    "filtres": len(warnings.filters),
    "dossier": os.getcwd(),
    "environnement": "IAE_POLLUTION" in os.environ,
    "precision": np.get_printoptions()["precision"],
    "chemins": list(sys.path),
    "categories": tables.load_exit_categories()["sortie_dynamique"].tolist(),
}
json.dump(etat, open(os.path.join(sortie, "etat.json"), "w"))"""

POLLUTION = """plt.figure()
matplotlib.rcParams["font.size"] = 3
warnings.simplefilter("ignore")
os.chdir("/")
os.environ["IAE_POLLUTION"] = "1"
np.set_printoptions(precision=2)
sys.path.append("/nulle-part")
tables.load_exit_categories()["sortie_dynamique"] = False
variable_laissee = 1"""


def _probe_notebooks(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook(metadata=nbformat.read(NOTEBOOKS_DIR / "10_note_elus.ipynb",
                                                         as_version=4).metadata)
    nb.cells = [nbformat.v4.new_code_cell('sortie = "."', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(PROBE), nbformat.v4.new_code_cell(POLLUTION)]
    folder = tmp_path / "carnets"
    folder.mkdir()
    nbformat.write(nb, folder / "sonde.ipynb")
    return folder


def test_what_a_brief_leaves_in_a_warm_kernel_is_gone_before_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "NOTEBOOKS_DIR", _probe_notebooks(tmp_path))
    states = []
    for i, fresh in enumerate([True, False, False, False]):
        sortie = tmp_path / f"sortie{i}"
        sortie.mkdir()
        if fresh:
            runner.execute("sonde", {"sortie": str(sortie)}, tmp_path / f"sonde{i}.ipynb")
        else:
            warm.execute_warm("sonde", {"sortie": str(sortie)}, tmp_path / f"sonde{i}.ipynb",
                              warm.kernel_for_this_thread("sonde"), timeout=120)
        states.append(json.loads((sortie / "etat.json").read_text(encoding="utf-8")))
    try:
        assert warm.kernel_for_this_thread("sonde").briefs == 3  # one kernel ran the three warm ones
    finally:
        warm.close_kernels()
    assert states[0]["figures"] == 0 and not states[0]["environnement"] and states[0]["dossier"] == str(PROJECT_ROOT)
    assert "variable_laissee" not in states[0]["noms"] and not all(states[0]["categories"])
    for state in states[1:]:
        assert state == states[0]


def _lethal_notebooks(tmp_path: Path) -> Path:
    """The real brief with a cell that kills its kernel: always for « meurt », the first time only for
    « meurt-une-fois » (each attempt counted in a file)."""
    return brief_with_trap(tmp_path,
        "import os, pathlib\n"
        f"_essais = pathlib.Path({str(tmp_path)!r}) / ('essais-' + id_note)\n"
        "if id_note.startswith('meurt'):\n"
        "    with open(_essais, 'a') as _f:\n        _f.write('x')\n"
        "    if id_note == 'meurt' or len(_essais.read_text()) == 1:\n"
        "        os.kill(os.getpid(), 9)")


def test_a_warm_kernel_killed_mid_brief_is_replaced_and_the_brief_retried_once(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "NOTEBOOKS_DIR", _lethal_notebooks(tmp_path))  # the worker is forked after
    note = {"annee": 2024, "structure": "AMIE (fictif)", "destinataire": {"qualite": "Député"}, "demandes": ["x"]}
    config = tmp_path / "notes.yaml"
    config.write_text(yaml.safe_dump({"donnees": str(DEMO_DIR), "notes": [
        {"id": i, **note} for i in ("meurt-une-fois", "meurt", "bonne")]}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    results = {r.id: r for r in run_notes(config, out, jobs=1, say=lambda _m: None)}  # one worker, one kernel
    assert results["meurt-une-fois"].ok, results["meurt-une-fois"].message
    assert (tmp_path / "essais-meurt-une-fois").read_text() == "xx"  # killed, then done on a new kernel
    assert not results["meurt"].ok and (tmp_path / "essais-meurt").read_text() == "xx"  # retried once only
    assert "noyau du carnet s'est arrêté brutalement" in results["meurt"].message
    assert "relancée une fois sur un nouveau noyau" in results["meurt"].message
    assert results["bonne"].ok  # the brief after it, on yet another kernel
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["bonne", "meurt-une-fois"]
    assert batch.KERNEL_TIMEOUT_S >= 60  # (the timeout path: tests/test_faults.py)
