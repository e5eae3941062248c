# The two commands a fresh machine needs: `make demo` and `make test`.
# Each creates .venv and installs the project into it when missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
# labs selftested at once (each on a private emulator), and the labs whose sample cohort is
# autograded (every lab's selftest already proves it gradable; a cohort per lab adds minutes)
DEMO_WORKERS ?= 2
DEMO_COHORT_LABS ?= p1_w04_landing_zone p4_w15_dns_failover
DEMO_COURSE ?= .demo/course
DEMO_RUBRIC ?= .demo/rubric
LAB_PORT ?= 8888
# Jupyter refuses to run as root without this flag (containers, CI machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
PYTEST_WORKERS ?= auto
# checkov (static analysis of a portfolio's IaC) pins boto3/botocore below what moto needs, so
# it lives in its own environment; grader finds it on PATH.
TOOLS ?= .tools
TOOLS_BIN := $(CURDIR)/$(TOOLS)/bin
TOOLS_STAMP := $(TOOLS)/.installed
CHECKOV_SPEC ?= checkov>=3.2,<4
export PATH := $(BIN):$(TOOLS_BIN):$(PATH)

.PHONY: install demo rubric-demo test lab build lint selftest clean

install: $(STAMP) $(TOOLS_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(TOOLS_STAMP): Makefile
	@test -x $(TOOLS_BIN)/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS_BIN)/python -m pip install --quiet '$(CHECKOV_SPEC)'
	@touch $(TOOLS_STAMP)

# Main job: labs built, every lab selftested (DEMO_WORKERS at a time, each on a private
# emulator; table printed); then a generated cohort of DEMO_COHORT_LABS (solutions, blanks,
# partial and hostile submissions) autograded in parallel, each worker with its own emulator,
# and exported as CSV; then the portfolio rubric step.
demo: $(STAMP) $(TOOLS_STAMP)
	@set -e; \
	grader build; \
	grader selftest --workers $(DEMO_WORKERS); \
	rm -rf $(DEMO_COURSE); \
	grader cohort $(DEMO_COHORT_LABS) --course $(DEMO_COURSE); \
	for lab in $$(ls $(DEMO_COURSE)/source); do \
		echo; echo "== autograde $$lab (sample cohort) =="; \
		grader autograde $$lab --course $(DEMO_COURSE) --cell-timeout 20 --notebook-timeout 120; \
		grader export $$lab --course $(DEMO_COURSE) --output $(DEMO_COURSE)/$$lab.csv; \
	done
	@$(MAKE) --no-print-directory rubric-demo

# The portfolio rubric on the sample cohort (five synthetic portfolios, weak to exemplary):
# scored with every collector (checkov from .tools) into .demo/rubric/scores, with per-learner
# HTML reports, the cohort CSV and summary in .demo/rubric/scores/reports (index.html).
rubric-demo: $(STAMP) $(TOOLS_STAMP)
	@set -e; \
	echo; echo "== portfolio rubric (sample cohort) =="; \
	rm -rf $(DEMO_RUBRIC); \
	grader portfolios --out $(DEMO_RUBRIC)/portfolios > /dev/null; \
	grader score $(DEMO_RUBRIC)/portfolios/*/ --rubric rubrics/portfolio.yaml \
		--reviews $(DEMO_RUBRIC)/portfolios/reviews.yaml --out $(DEMO_RUBRIC)/scores

test: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

# JupyterLab on labs/ with the emulator up (stop it afterwards with `labkit down`).
lab: $(STAMP)
	labkit up
	jupyter lab --ServerApp.root_dir=$(CURDIR)/labs --ServerApp.ip=127.0.0.1 \
		--ServerApp.port=$(LAB_PORT) $(ALLOW_ROOT)

build: $(STAMP)
	grader build

lint: $(STAMP)
	grader lint
	$(BIN)/ruff check labkit grader tests solutions

selftest: $(STAMP) $(TOOLS_STAMP)
	grader selftest

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache *.egg-info
