"""Issue 15.6: every notebook in a real JupyterLab (the ``lab`` extra, the project's server config, as ``make lab``
starts it) opened in Chromium, all cells run: no error, no warning box, the charts drawn; saved, the notebook is
unchanged and ``git status`` too.

JupyterLab is installed into the environment when it is missing (the ``lab`` extra's requirement, ≈ 15 s): it
is not part of the run environment. Its settings, workspaces and runtime files go to a temporary folder; the
server and its kernels are stopped at the end. The test fails (never skips) when Chromium or the network for
that installation is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from contextlib import suppress
from pathlib import Path

import pytest

from iae_impact.base.paths import EXPLORATIONS_DIR, NOTEBOOKS_DIR, PROJECT_ROOT
from iae_impact.run.lab import LAB_CONFIG
from tests.test_browser import browser  # noqa: F401 - the shared Chromium fixture

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.notebook]

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
#: Code that draws: a notebook holding it must show at least one chart.
DRAWS = re.compile(r"\bplt\.|\bcharts\.(plot|funnel)|show_figure|_figure\(")
TOKEN = "iae-impact-test-jupyterlab"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: JupyterLab settings of the session (in its temporary settings folder): JupyterLab's defaults, but no news
#: fetched from the Internet and no toast asking about it over the page.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}
DONE = """() => {
  const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
  const idle = document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle';
  const failed = document.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
  return idle && prompts.length > 0 && !prompts.some(p => p.textContent.includes('*'))
         && (failed !== null || prompts.every(p => /\\[\\d+\\]/.test(p.textContent)));
}"""
#: The kernel is connected and idle, as the status bar says it (« Python 3 (ipykernel) | Idle »).
KERNEL_IDLE = """() => [...document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')]
  .some(e => /\\| Idle$/.test(e.textContent.trim()))"""
STARTED = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
  .some(p => /[*\\d]/.test(p.textContent))"""
SEEN = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const texts = sel => [...panel.querySelectorAll(sel)].map(e => e.innerText.slice(0, 600));
  return {
    prompts: [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim()),
    stderr: texts('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'),
    images: [...panel.querySelectorAll('.jp-OutputArea-output img')].map(i => ({ok: i.complete && i.naturalWidth > 0})),
  };
}"""


def _ensure_jupyterlab() -> float:
    """Install the ``lab`` extra's requirements when JupyterLab is missing; return the seconds it took."""
    if importlib.util.find_spec("jupyterlab") is not None:
        return 0.0
    lab = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["lab"]
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *lab], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"Installation de JupyterLab (extra « lab ») impossible : {done.stderr[-2000:]}", pytrace=False)
    return time.monotonic() - start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, path: str, method: str = "GET"):
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def _git_status() -> list[str]:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True).stdout.splitlines()


def _stop(server: subprocess.Popen, base: str) -> None:
    """Shut the server down through its API (it stops its kernels), then make sure it is gone."""
    with suppress(OSError):
        _api(base, "/api/shutdown", "POST")
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with suppress(OSError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab started as ``make lab`` starts it (project config, notebooks/), headless on a free port."""
    installed_in = _ensure_jupyterlab()
    home = tmp_path_factory.mktemp("jupyterlab")
    for name, values in SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(values), encoding="utf-8")
    shell = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}  # as a researcher's shell
    env = {**shell, "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_DATA_DIR": str(home / "data"),
           "IPYTHONDIR": str(home / "ipython")}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    status = _git_status()
    checkpoints = {_checkpoint(p) for p in NOTEBOOKS if _checkpoint(p).exists()}
    log = (home / "server.log").open("w", encoding="utf-8")
    start = time.monotonic()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("jupyter")), "lab", f"--config={LAB_CONFIG}", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}", "--ServerApp.allow_root=True", str(NOTEBOOKS_DIR)],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            if server.poll() is not None or time.monotonic() - start > 120:
                pytest.fail("JupyterLab n'a pas démarré :\n" + (home / "server.log").read_text()[-3000:], pytrace=False)
            with suppress(OSError):
                _api(base, "/api/status")
                break
            time.sleep(0.3)
        yield {"base": base, "status": status, "installed_in": installed_in, "started_in": time.monotonic() - start}
        assert _api(base, "/api/kernels") == []  # each test stopped its kernel
    finally:
        _stop(server, base)
        log.close()
        _remove_new_checkpoints(NOTEBOOKS, checkpoints)
    assert server.returncode is not None
    assert _git_status() == status  # no workspace, settings or checkpoint file landed in the repository


def _run_all_cells(page) -> None:
    """Run > Run All Cells; again while no cell has started (a click before the kernel is connected is lost)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(5):
        page.click('.lm-MenuBar-itemLabel:text-is("Run")')
        page.click('.lm-Menu-itemLabel:text-is("Run All Cells")')
        with suppress(PlaywrightTimeout):
            page.wait_for_function(STARTED, timeout=15_000, polling=250)
            return
    pytest.fail("JupyterLab n'a lancé aucune cellule (menu Run > Run All Cells)", pytrace=False)


def _run_in_lab(browser, lab: dict, notebook: Path, api_path: str | None = None) -> dict:  # noqa: F811
    """Open ``notebook`` (at ``api_path`` from the server's root, notebooks/) in JupyterLab, run all its cells and
    save it; return what the page showed."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{lab['base']}/lab/tree/{api_path or notebook.name}?token={TOKEN}&reset", wait_until="load",
                  timeout=90_000)
        page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=90_000)
        page.wait_for_function(KERNEL_IDLE, timeout=90_000, polling=250)
        start = time.monotonic()
        _run_all_cells(page)
        page.wait_for_function(DONE, timeout=240_000, polling=250)
        seen = page.evaluate(SEEN) | {"ran_in": time.monotonic() - start}
        with page.expect_response(lambda r: "/api/contents/" in r.url and r.request.method == "PUT", timeout=30_000):
            page.keyboard.press("Control+s")
        page.wait_for_selector(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-dirty", state="detached", timeout=30_000)
        return seen
    finally:
        context.close()
        for session in _api(lab["base"], "/api/sessions"):
            _api(lab["base"], f"/api/sessions/{session['id']}", "DELETE")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_jupyterlab_and_its_save_leaves_git_clean(browser, lab, notebook):  # noqa: F811
    committed = {p: p.read_bytes() for p in NOTEBOOKS}
    try:
        seen = _run_in_lab(browser, lab, notebook)
        changed = [p.name for p in NOTEBOOKS if p.read_bytes() != committed[p]]
        status = _git_status()
    finally:
        for path, content in committed.items():  # a failed test leaves the notebooks as they were
            if path.read_bytes() != content:
                path.write_bytes(content)
    print(f"{notebook.stem} : exécuté en {seen['ran_in']:.1f} s (serveur prêt en {lab['started_in']:.1f} s, "
          f"JupyterLab installé en {lab['installed_in']:.1f} s)")
    code = [c for c in json.loads(committed[notebook])["cells"] if c["cell_type"] == "code"]
    assert len(seen["prompts"]) == len(code)
    assert seen["stderr"] == []  # neither an error nor a warning box
    not_run = [i for i, (p, c) in enumerate(zip(seen["prompts"], code, strict=True))
               if "".join(c["source"]).strip() and not re.fullmatch(r"\[\d+\]:", p)]
    assert not_run == []
    assert all(image["ok"] for image in seen["images"])
    if any(DRAWS.search("".join(c["source"])) for c in code):
        assert seen["images"], f"{notebook.name} draws charts but none is shown"
    assert changed == []  # saved by JupyterLab, the notebook is its committed file, byte for byte
    assert status == lab["status"]


def _checkpoint(notebook: Path) -> Path:
    """Where Jupyter server keeps the checkpoint of ``notebook`` (ignored by git: ``.ipynb_checkpoints/``)."""
    return notebook.parent / ".ipynb_checkpoints" / f"{notebook.stem}-checkpoint.ipynb"


def _remove_new_checkpoints(notebooks: list[Path], existed: set[Path]) -> None:
    """Remove the checkpoints the session wrote that were not there before it (and their folder, left empty)."""
    for notebook in notebooks:
        if _checkpoint(notebook) not in existed:
            _checkpoint(notebook).unlink(missing_ok=True)
            with suppress(OSError):
                _checkpoint(notebook).parent.rmdir()  # only when empty


def test_an_exploration_keeps_its_outputs_and_its_warning_and_error_boxes_are_seen(browser, lab):  # noqa: F811
    """The other side: a notebook of notebooks/explorations/ is saved with its outputs; this JupyterLab shows a
    warning and an error where the test above looks for them; its kernels have one BLAS thread."""
    import nbformat

    created = not EXPLORATIONS_DIR.exists()
    EXPLORATIONS_DIR.mkdir(exist_ok=True)
    path = EXPLORATIONS_DIR / f"essai-test-{os.getpid()}.ipynb"
    cells = ['import os\n\nprint(os.environ.get("OMP_NUM_THREADS"), os.environ.get("OPENBLAS_NUM_THREADS"))',
             'import warnings\n\nwarnings.warn("attention", FutureWarning)',
             "import matplotlib.pyplot as plt\n\nplt.plot([1, 2, 3]);", "1 / 0"]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells],
                                            metadata={"kernelspec": KERNELSPEC}), path)
    try:
        seen = _run_in_lab(browser, lab, path, f"{EXPLORATIONS_DIR.name}/{path.name}")
        saved = nbformat.read(path, as_version=4)
    finally:
        path.unlink(missing_ok=True)
        _remove_new_checkpoints([path], set())
        if created:
            with suppress(OSError):
                EXPLORATIONS_DIR.rmdir()
    assert len(seen["stderr"]) == 2
    assert "FutureWarning" in seen["stderr"][0] and "ZeroDivisionError" in seen["stderr"][1]
    assert len(seen["images"]) == 1 and seen["images"][0]["ok"]
    assert [c.execution_count for c in saved.cells] == [1, 2, 3, 4]
    assert saved.cells[0].outputs[0].text == "1 1\n"  # BLAS pinned by the project's config, before any import
    assert [(o.output_type, o.name) for o in saved.cells[1].outputs] == [("stream", "stderr")]
    assert "image/png" in saved.cells[2].outputs[-1].data
    assert saved.cells[3].outputs[0].output_type == "error"
