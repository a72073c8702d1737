# Thin aliases over the `iae-impact` command. Every target sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installe
JOBS   ?= 2
# One BLAS thread per kernel: on a 2-core machine oversubscription costs 10x.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

.DEFAULT_GOAL := help
.PHONY: help setup indicateurs test lint lab demo clean

help: ## Liste des commandes
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## Crée .venv et installe le projet (une seule fois)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

indicateurs: $(STAMP) ## Indicateurs et carnets exécutés sur les données de démonstration (fictives)
	$(BIN)/iae-impact indicateurs data/demo/fictif --out reports/indicateurs
	$(BIN)/iae-impact carnets --out reports/carnets

test: $(STAMP) ## Tous les tests (unitaires, propriétés, carnets avec nbval)
	$(BIN)/ruff check lib tests
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax

lint: $(STAMP) ## Vérifie le style du code
	$(BIN)/ruff check lib tests notebooks

demo: $(STAMP) ## Régénère les données fictives de data/demo/ (graine fixe)
	$(BIN)/iae-impact demo

lab: $(STAMP) ## Ouvre JupyterLab (installe l'extra « lab » à la demande)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks

clean: ## Supprime les sorties générées (reports/)
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
