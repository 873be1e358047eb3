# Benchmarks (docs/benchmarks.md). Each target loads its own PostgreSQL database, then measures.
#   make bench-smoke   10,000 cases, the whole table of figures in under a minute
#   make bench         1,000,000 cases (~300k people, ~200k enrollments), the peers loaded beside
#                      them (stock Django admin; django-helpdesk in its own virtualenv), then the
#                      full suite with the peers interleaved
#   make bench-10m     10,000,000 cases into lanben_bench10m (~28 GB; refuses when the disk is short)
# Override the server or the databases with PG=… BENCH_DB=… SMOKE_DB=… HELPDESK_VENV=… HELPDESK_DB=…

PG ?= postgres://postgres@127.0.0.1:5432
BENCH_DB ?= lanben_bench
SMOKE_DB ?= lanben_bench_smoke
BROKER ?= redis://127.0.0.1:6379/6
PYTHON ?= .venv/bin/python
CASES ?= 1000000
HELPDESK_VENV ?= $(abspath ..)/bench-peers/helpdesk-venv
HELPDESK_DB ?= peer_helpdesk
BENCH_PORT ?= 8106
BENCH_HELPDESK_PORT ?= 8121
RUN_ENV = DATABASE_URL=$(PG)/$(BENCH_DB) CELERY_BROKER_URL=$(BROKER) BENCH_PORT=$(BENCH_PORT) \
	BENCH_HELPDESK_PORT=$(BENCH_HELPDESK_PORT)

.PHONY: bench bench-smoke bench-generate bench-peers bench-run bench-10m

define prepare
	psql "$(PG)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(1)'" | grep -q 1 \
		|| psql "$(PG)/postgres" -qc "CREATE DATABASE $(1)"
	DATABASE_URL=$(PG)/$(1) CELERY_BROKER_URL=$(BROKER) $(PYTHON) manage.py migrate -v0
endef

bench-smoke:
	$(call prepare,$(SMOKE_DB))
	DATABASE_URL=$(PG)/$(SMOKE_DB) CELERY_BROKER_URL=$(BROKER) $(PYTHON) bench/generate.py --cases 10000
	DATABASE_URL=$(PG)/$(SMOKE_DB) CELERY_BROKER_URL=$(BROKER) $(PYTHON) bench/run.py --repeat 3 --seconds 2 \
		--json var/bench/smoke.json || true

bench-generate:
	$(call prepare,$(BENCH_DB))
	DATABASE_URL=$(PG)/$(BENCH_DB) CELERY_BROKER_URL=$(BROKER) $(PYTHON) bench/generate.py --cases $(CASES)

# django-helpdesk (latest from PyPI) in $(HELPDESK_VENV), its database loaded from $(BENCH_DB)'s cases.
bench-peers:
	PG=$(PG) HELPDESK_VENV=$(HELPDESK_VENV) HELPDESK_DB=$(HELPDESK_DB) PROJECT_DB=$(BENCH_DB) \
		bench/peers/helpdesk_setup.sh

bench-run:
	$(RUN_ENV) $(PYTHON) bench/run.py --repeat 10 --seconds 10 --rounds 3 \
		--helpdesk-venv=$(HELPDESK_VENV) --helpdesk-db=$(PG)/$(HELPDESK_DB) --json var/bench/$(BENCH_DB).json $(RUN_FLAGS)

bench: bench-generate bench-peers bench-run

bench-10m:
	$(MAKE) bench-generate BENCH_DB=lanben_bench10m CASES=10000000
	$(MAKE) bench-run BENCH_DB=lanben_bench10m HELPDESK_VENV= RUN_FLAGS=--no-stock-admin  # the peers at 1M only

# Translations. The desk's own words are Chinese in the source (the msgids); locale/en translates them,
# locale/zh_Hans translates the third-party apps' English words (config/i18n.py), so its Chinese msgids
# are dropped again after extraction. The .mo files are committed beside the .po files.
.PHONY: messages
MESSAGES_IGNORE = --ignore=.venv --ignore=var --ignore=node_modules --ignore=bench
ZH_PO = locale/zh_Hans/LC_MESSAGES
messages:
	$(PYTHON) manage.py makemessages -l zh_Hans -d django $(MESSAGES_IGNORE)
	$(PYTHON) manage.py makemessages -l zh_Hans -d djangojs $(MESSAGES_IGNORE)
	for domain in django djangojs; do LC_ALL=C.UTF-8 msggrep --invert-match --msgid --extended-regexp \
		--regexp='[一-龥]' -o $(ZH_PO)/$$domain.po $(ZH_PO)/$$domain.po; done
	$(PYTHON) manage.py makemessages -l en -d django $(MESSAGES_IGNORE) --ignore=tests --ignore=demo --no-obsolete
	$(PYTHON) manage.py compilemessages -l zh_Hans -l en $(MESSAGES_IGNORE)
