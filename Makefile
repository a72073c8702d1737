# Thin aliases over the `iae-impact` command. Every target sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installe
JOBS   ?= 2
# One BLAS thread per process: importing iae_impact pins it (lib/iae_impact/base/threads.py), kernels inherit it.

.DEFAULT_GOAL := help
.PHONY: help setup notes indicateurs test test-rapide lint lab demo bench clean

help: ## Liste des commandes
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## Crée .venv, installe le projet et les paquets système manquants
	@bash scripts/installer-systeme.sh

# System packages first (WeasyPrint's libraries, fonts, poppler-utils, chromium): a quick
# dpkg check when they are present, so every target that needs the venv also gets them.
$(STAMP): pyproject.toml scripts/installer-systeme.sh
	bash scripts/installer-systeme.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	mkdir -p data/raw  # where your own files go: ignored by git, never committed
	touch $(STAMP)

notes: $(STAMP) ## Toutes les notes de plaidoyer (HTML, PDF) de config/notes.yaml dans reports/notes
	$(BIN)/iae-impact notes --config config/notes.yaml --out reports/notes

indicateurs: $(STAMP) ## Indicateurs et carnets exécutés sur les données de démonstration (fictives)
	$(BIN)/iae-impact indicateurs data/demo/fictif --out reports/indicateurs
	$(BIN)/iae-impact carnets --out reports/carnets

test: lint ## Tous les tests (style, couches, unitaires, propriétés, carnets avec nbval, navigateur, PDF)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax

test-rapide: $(STAMP) ## Les tests rapides (< 1 min) : ni carnets, ni navigateur, ni lots de notes
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile -m "not slow and not notebook and not browser"

lint: $(STAMP) ## Vérifie le style du code et des carnets (ruff) et le sens des imports entre couches
	$(BIN)/ruff check lib tests bench notebooks
	$(BIN)/lint-imports --no-cache

demo: $(STAMP) ## Régénère les données fictives de data/demo/ (graine fixe)
	$(BIN)/iae-impact demo

bench: $(STAMP) ## Banc d'essai (issues 6 et 16) : mesures dans reports/bench/resultats.json (≈ 70 min, réseau de 300 structures compris)
	@$(BIN)/python -c "import duckdb, pyinstrument" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run.py

# The project's config (config/jupyterlab/) saves the notebooks of notebooks/ without outputs: git status stays
# clean. notebooks/explorations/ (ignored by git) is the researcher's own: outputs kept.
lab: $(STAMP) ## Ouvre JupyterLab (extra « lab » installé à la demande) ; vos carnets à vous : notebooks/explorations/
	@$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[lab]'
	mkdir -p notebooks/explorations
	$(BIN)/jupyter lab --config=config/jupyterlab/jupyter_server_config.py notebooks

clean: ## Supprime les sorties générées (reports/)
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
