# ipcity: two commands.
#   make run   set everything up and serve http://127.0.0.1:8000 with the Celery worker and beat, all
#              under supervisord (ipcity/supervisord.conf), with a private redis-server as broker
#   make test  set everything up (plus development packages and Chromium) and run the whole suite
# Both work on a fresh machine: they create .venv, install the project and the OS packages
# it needs (when missing and running as root), compile translations and migrate.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# pip >= 25 applies PIP_CONSTRAINT only to runtime packages: build environments (xstatic-bootstrap
# needs setuptools<81 to build) take PIP_BUILD_CONSTRAINT.
PIP := PIP_CONSTRAINT=$(CURDIR)/constraints.txt PIP_BUILD_CONSTRAINT=$(CURDIR)/constraints.txt PIP_DISABLE_PIP_VERSION_CHECK=1 $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

# Debian packages: CJK fonts and HarfBuzz subsetting for WeasyPrint PDFs (without
# libharfbuzz-subset0 a CJK page takes ~8 s), Pango for WeasyPrint, gettext for translations.
# redis-server is the one-machine broker, result backend and cache (ipcity/embedded_redis.py).
RUN_DEBS := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext redis-server
# Tests also drive a real browser (Debian's Chromium, never a downloaded one), read PDFs, and open every exported
# workbook in LibreOffice Calc (headless, without GUI libraries) and print it to PDF, as officials' desktops would;
# Carlito has the metrics of Calibri, the workbooks' default font, so columns come out as wide as in Excel and WPS.
TEST_DEBS := $(RUN_DEBS) chromium poppler-utils libreoffice-calc-nogui fonts-crosextra-carlito

.PHONY: run test setup setup-test os-packages os-packages-test messages migrate demo clean

run: setup
	@export DEBUG=$${DEBUG:-true}; \
	$(PY) manage.py migrate --noinput || exit 1; \
	CELERY_TASK_ALWAYS_EAGER=true $(PY) manage.py load_demo || exit 1; \
	echo ""; \
	echo "ipcity is starting on http://$(HOST):$(PORT)/  (supervisord restarts any process that dies; Ctrl-C stops them all)"; \
	echo ""; \
	IPCITY_HOST=$(HOST) IPCITY_PORT=$(PORT) exec $(PY) -m ipcity.supervise

# Two test processes (pytest-xdist) on this 2-core machine; PYTEST_WORKERS=0 runs them in one.
PYTEST_WORKERS ?= 2
test: setup-test
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

setup: os-packages $(VENV)/.installed-run messages
	@mkdir -p var

setup-test: os-packages-test $(VENV)/.installed-dev messages
	@mkdir -p var

os-packages:
	@$(call ensure_debs,$(RUN_DEBS))

os-packages-test:
	@$(call ensure_debs,$(TEST_DEBS))

define ensure_debs
missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = "0" ]; then \
    echo "Installing OS packages:$$missing"; \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
  else \
    echo "Missing OS packages:$$missing -- install them (sudo apt-get install$$missing) or run as root." >&2; exit 1; \
  fi; \
fi
endef

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) install --quiet --upgrade "pip>=24"
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) install --quiet --upgrade "pip>=24"
	$(PIP) install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

# Compiled catalogs are build products (not committed): msgfmt comes from Debian's gettext.
messages:
	@for po in locale/*/LC_MESSAGES/*.po; do \
	  [ -e "$$po" ] || continue; mo="$${po%.po}.mo"; \
	  if [ ! -e "$$mo" ] || [ "$$po" -nt "$$mo" ]; then msgfmt --check-format -o "$$mo" "$$po" || exit 1; fi; \
	done

migrate: setup
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py load_demo

clean:
	rm -rf $(VENV) var/ipcity.sqlite3* var/redis var/static var/supervisor*
