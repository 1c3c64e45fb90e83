# `make run` and `make test` set everything up on a machine with only Python 3.11 and make.
# Set-up is skipped when nothing changed (the stamp file is newer than pyproject.toml).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup index browser run test bench lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# the CPU build of torch first, so nothing pulls a CUDA build
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# the shipped index of the bundled article (the tests read it); a user's library lives in the user
# data folder, started as a copy of this one, and no make target touches it
index: setup
	QA_INDEX=index $(VENV)/bin/qa check

browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' for the browser tests"; fi; }

run: index
	$(PY) app.py

test: index browser
	$(PY) -m pytest

bench: index
	QA_INDEX=index $(PY) -m bench

lint: setup
	$(VENV)/bin/ruff check qa app.py tests bench
	$(VENV)/bin/mypy qa app.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/results
