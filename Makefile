# Quick start: `make run` (the app with demo data at http://127.0.0.1:8000/) and `make test`.
# Needs only Python >= 3.11 and make; without DATABASE_URL an embedded PostgreSQL is used.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench stop-db clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) scripts/dev.py run

# ARGS passes options to pytest, e.g. `make test ARGS="tests/accounts -x"`.
test: $(STAMP)
	$(PY) scripts/dev.py test $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# The performance ratios of QUALITY.md that exist so far (bench/README.md); results in bench/results/.
# Builds the data tiers S and M (databases bench_s, bench_m; tier L by hand: bench/tiers.py --tier L).
# Every script runs even when an earlier one misses a target; the lists need the tiers built.
bench: $(STAMP)
	@status=0; \
	$(PY) bench/agreement_pdf.py || status=1; \
	if $(PY) bench/tiers.py; then \
		$(PY) bench/lists.py || status=1; \
		$(PY) bench/sweeps.py || status=1; \
		$(PY) bench/partner_inbox.py || status=1; \
	else status=1; fi; \
	exit $$status

stop-db: $(STAMP)
	$(PY) -c "from pathlib import Path; from yaoyao_mediation import embedded_db; embedded_db.stop(Path('.').resolve())"

clean:
	rm -rf $(VENV) build *.egg-info
