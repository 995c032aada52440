# Everyday commands. Run them inside an activated virtual environment.
.PHONY: help install test lint docs serve

help:
	@echo "make install  install the project with test and docs extras (editable)"
	@echo "make test     run the test suite"
	@echo "make lint     ruff check, ruff format --check, lint-imports"
	@echo "make docs     build the docs site into site/ (strict)"
	@echo "make serve    start the sandbox and the mock provider"

install:
	pip install -e '.[test,docs]'

test:
	python -m pytest

lint:
	ruff check .
	ruff format --check .
	lint-imports

docs:
	NO_MKDOCS_2_WARNING=1 mkdocs build --strict

serve:
	oauth-sandbox
