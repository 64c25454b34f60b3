# Every target sets itself up on a fresh machine (Python 3.11 + Node 20) and skips set-up when
# nothing changed: .venv is rebuilt only when a requirements file changes, node_modules only
# when package-lock.json does.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
CDK := node_modules/.bin/cdk
# checkov, the outside template scanner of the security gate, lives in a virtualenv of its own:
# its pins clash with ours (packaging<24 against pytest's >=24).
CHECKOV_VERSION := 3.3.30
CHECKOV := .cache/tools/checkov/bin/checkov
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup scanner chromium test lint format synth local local-deploy local-diff local-destroy demo tweets bootstrap deploy diff destroy bench clean

setup: $(VENV)/.installed node_modules/.installed

# uv installs the pinned set in seconds where pip takes about two minutes (README, "Set-up").
$(VENV)/.installed: requirements.txt requirements-dev.txt lambdas/requirements.txt lambdas/images/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements-dev.txt
	$(PY) -c "import aws_cdk" # unpack the jsii runtime once, outside any timed step
	touch $@

scanner: $(CHECKOV)

# Order-only: a change of our requirements does not touch checkov's own virtualenv.
$(CHECKOV): | $(VENV)/.installed
	$(VENV)/bin/uv venv --quiet --python $(PYTHON) .cache/tools/checkov
	$(VENV)/bin/uv pip install --quiet --python .cache/tools/checkov/bin/python checkov==$(CHECKOV_VERSION)
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests (tests/browser) drive Debian's Chromium: a test tool's own browser download
# fails on these machines. Installed once, when missing and we are root; without it those tests
# skip, or fail under CI=true. The stamp is written only once chromium is there. Debian's AWS
# CLI v2 (/usr/bin/aws) comes with it: the logs test runs `aws logs tail`, a v2 command (PyPI
# has only v1), against the local cloud.
chromium: .cache/chromium.installed

.cache/chromium.installed:
	(command -v chromium >/dev/null && test -x /usr/bin/aws) || [ "$$(id -u)" != 0 ] || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium awscli)
	if command -v chromium >/dev/null; then mkdir -p $(@D) && touch $@; \
	else echo "No chromium, and installing it needs root: the browser tests skip (fail if CI=true)"; fi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: setup scanner chromium lint
	$(PY) -m pytest

# cdk.out is emptied first: templates of stacks the stage does not have must not be linted.
synth: setup scanner
	rm -rf cdk.out
	$(CDK) synth --quiet $(CDK_ARGS)
	$(VENV)/bin/cfn-lint   # settings and the documented ignore list: .cfnlintrc.yaml
	$(CHECKOV) --framework cloudformation --skip-download --quiet --compact \
	  $$(printf -- '--file %s ' cdk.out/*.template.json)

# The architectures on this machine: no AWS account, no Docker (localcloud/). Watch mode is on:
# edits to lambdas/ and stacks/ reload (WATCH=0 turns it off).
local: setup
	$(PY) -m localcloud $(if $(filter 0,$(WATCH)),--no-watch) $(LOCAL_ARGS)

# The CDK CLI against the running local cloud (make local, in another terminal), as
# make deploy/diff/destroy against AWS. Refuses to run with real AWS credentials in the
# environment (python -m localcloud cdk --allow-real-credentials ... to override).
local-deploy: setup
	$(PY) -m localcloud cdk deploy --all --require-approval never $(CDK_ARGS)

local-diff: setup
	$(PY) -m localcloud cdk diff $(CDK_ARGS)

local-destroy: setup
	$(PY) -m localcloud cdk destroy --all --force $(CDK_ARGS)

# Every architecture exercised once on the local cloud; exit 0 when all behaved (demo/).
demo: setup
	$(PY) -m demo

# Synthetic tweets into the stream processing stack of a running `make local` (or, with
# OUTPUTS=cdk-outputs.json STACK=StreamProcessing-prod, a deployed one). RATE=0: as fast as taken.
N ?= 1000
RATE ?= 0
tweets: setup
	$(PY) -m demo.stream_load --count $(N) --rate $(RATE) \
	  $(if $(OUTPUTS),--outputs $(OUTPUTS)) $(if $(STACK),--stack $(STACK))

bootstrap: setup
	$(CDK) bootstrap $(CDK_ARGS)

deploy: setup
	$(CDK) deploy --all $(CDK_ARGS)

diff: setup
	$(CDK) diff $(CDK_ARGS)

destroy: setup
	$(CDK) destroy --all $(CDK_ARGS)

bench: setup
	$(PY) bench/synth.py
	$(PY) bench/cold_start.py
	$(PY) bench/local_latency.py
	$(PY) bench/web.py
	$(PY) bench/registrations.py
	$(PY) bench/cloudwatch_overhead.py
	$(PY) bench/events.py
	$(PY) bench/stream.py
	$(PY) bench/image.py

clean:
	rm -rf cdk.out .cache .pytest_cache .mypy_cache .ruff_cache local-outputs.json
