# Benchmarks (docs/benchmarks.md). Each target loads its own PostgreSQL database, then measures.
#   make bench-smoke   10,000 cases, the whole table of figures in under a minute
#   make bench         1,000,000 cases (~300k people, ~200k enrollments), then the full suite
# Override the server or the databases with PG=… BENCH_DB=… SMOKE_DB=…

PG ?= postgres://postgres@127.0.0.1:5432
BENCH_DB ?= lanben_bench
SMOKE_DB ?= lanben_bench_smoke
BROKER ?= redis://127.0.0.1:6379/6
PYTHON ?= .venv/bin/python
CASES ?= 1000000

.PHONY: bench bench-smoke bench-generate bench-run

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

bench-run:
	DATABASE_URL=$(PG)/$(BENCH_DB) CELERY_BROKER_URL=$(BROKER) $(PYTHON) bench/run.py --repeat 20 --seconds 10 \
		--json var/bench/$(BENCH_DB).json

bench: bench-generate bench-run
