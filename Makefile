# 护童助手 — every set-up step, from a fresh clone.
#   make run    install, build, train if stale, start the stack, open a terminal chat
#   make test   the whole test suite
# Every target is idempotent: a second run does only what changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Configuration: the documented defaults, then the deployer's .env on top, and a variable set in the
# environment (RASA_PORT=5999 make up) above both: make's own assignments would otherwise override it.
CONFIG_NAMES := $(shell sed -n 's/^\([A-Z][A-Z0-9_]*\)=.*/\1/p' .env.example .env 2>/dev/null)
$(foreach name,$(CONFIG_NAMES),$(if $(filter environment,$(origin $(name))),$(eval FROM_ENVIRONMENT_$(name) := $(value $(name)))))
include .env.example
-include .env
$(foreach name,$(CONFIG_NAMES),$(if $(filter-out undefined,$(origin FROM_ENVIRONMENT_$(name))),$(eval $(name) := $(FROM_ENVIRONMENT_$(name)))))
# Rasa's HTTP API token has no published default: when neither the environment nor .env sets one, a random
# one is generated once into .env (created owner-only) on the first make run.
ifeq ($(strip $(RASA_API_TOKEN)),)
RASA_API_TOKEN := $(shell umask 077; token=$$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40); \
  printf '\n# Generated on first run (make): the token of Rasa'"'"'s HTTP API. Replace it if you like.\nRASA_API_TOKEN=%s\n' \
  "$$token" >> .env && chmod 600 .env && echo "$$token")
endif
export

RASA_VENV := .venv-rasa
APP_VENV := .venv
APP_PY := $(APP_VENV)/bin/python
RASA := PYTHONPATH=$(CURDIR) $(RASA_VENV)/bin/rasa
MODEL := models/hutong.tar.gz

# Python 3.10 for Rasa 3.6 (it does not run on 3.11): on PATH, else any pyenv build.
PYTHON310 ?= $(firstword $(foreach p,$(shell command -v python3.10 2>/dev/null) $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10),$(if $(shell $(p) -c 'import sys; print(sys.version_info[:2] == (3, 10))' 2>/dev/null | grep -x True),$(p))))
PYTHON311 ?= $(firstword $(foreach p,$(shell command -v python3.11 2>/dev/null) $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11 /usr/local/bin/python3.11 /usr/bin/python3.11),$(if $(shell $(p) -c 'import sys; print(sys.version_info[:2] == (3, 11))' 2>/dev/null | grep -x True),$(p))))

TRAINING_SOURCES := config.yml $(shell find bot/domain bot/stories bot/rules nlu/data nlu/danger nlu/jieba nlu/components -type f \( -name '*.yml' -o -name '*.txt' -o -name '*.py' \) 2>/dev/null)

.PHONY: help admin install services run up down restart-rasa train index test test-unit test-records test-rasa test-e2e validate eval eval-all bench bench-records bench-danger bench-documents bench-fuzz clean

help:
	@echo "make run      install everything, build and train if stale, start the stack, open a chat"
	@echo "make test     the whole test suite"
	@echo "make up/down  start/stop the stack in the background (Rasa :$(RASA_PORT), actions :$(ACTION_PORT), staff desk :$(DESK_PORT))"
	@echo "make admin ADMIN=name  an administrator's account for the staff desk (asks for the password)"
	@echo "make train    train the Rasa model if its sources changed"
	@echo "make eval FILE=../shared/eval/dev.yml   ask the running bot an eval file"
	@echo "make eval-all  the project's own evaluation (policy, routing, danger, calm, unknown): tune and test halves"
	@echo "make bench    latency and memory figures (both relays included)"
	@echo "make bench-danger / bench-documents   the danger assessor offline / two unseen documents added and asked"
	@echo "make bench-records   1,000 submissions against PostgreSQL: saved, refused, lost, time added"
	@echo "make bench-fuzz      10,000 hostile inputs: server errors, liveness, slots set by injection"

# ---- runtimes -------------------------------------------------------------------------------

$(RASA_VENV)/.installed: requirements/rasa.txt requirements/rasa.lock
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "需要 Python 3.10 来运行 Rasa 3.6 (Rasa needs Python 3.10)."; \
	  echo "Install it, e.g. 'pyenv install 3.10' or your distribution's python3.10 package, or set PYTHON310=/path/to/python3.10."; \
	  exit 1; fi
	test -x $(RASA_VENV)/bin/python || $(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/rasa.txt -c requirements/rasa.lock
	touch $@

$(APP_VENV)/.installed: pyproject.toml requirements/app.lock
	@if [ -z "$(PYTHON311)" ]; then \
	  echo "需要 Python 3.11 (the app runtime needs Python 3.11). Install it or set PYTHON311=/path/to/python3.11."; \
	  exit 1; fi
	test -x $(APP_PY) || $(PYTHON311) -m venv $(APP_VENV)
	$(APP_VENV)/bin/pip install --quiet --disable-pip-version-check -c requirements/app.lock -e ".[dev,st]"
	touch $@

install: $(RASA_VENV)/.installed $(APP_VENV)/.installed

# The PostgreSQL server the tests start (tests/services/postgres.py), and Debian's chromium with a CJK font
# for the staff desk's browser tests (tests/services/browser.py): apt-get installs them if missing.
services: $(APP_VENV)/.installed
	$(APP_PY) -m tests.services.postgres install
	$(APP_PY) -m tests.services.browser install

# ---- build ----------------------------------------------------------------------------------

index: $(APP_VENV)/.installed
	$(APP_PY) -m knowledge build

$(MODEL): $(RASA_VENV)/.installed $(TRAINING_SOURCES)
	@mkdir -p models var
	$(RASA) train --config config.yml --domain bot/domain --data nlu/data bot/stories bot/rules \
	  --out models --fixed-model-name hutong
	touch $@

train: $(MODEL)

# ---- the stack ------------------------------------------------------------------------------

up: install index $(MODEL)
	$(APP_PY) -m bot.stack up

down:
	@if [ -x $(APP_PY) ]; then $(APP_PY) -m bot.stack down; fi

restart-rasa: $(APP_VENV)/.installed
	$(APP_PY) -m bot.stack restart-rasa

run: up
	$(APP_PY) -m bot.chat

admin: $(APP_VENV)/.installed
	@test -n "$(ADMIN)" || { echo "usage: make admin ADMIN=name"; exit 2; }
	$(APP_PY) -m desk create-admin $(ADMIN)

eval: up
	@test -n "$(FILE)" || { echo "usage: make eval FILE=../shared/eval/dev.yml"; exit 2; }
	$(APP_PY) $(CURDIR)/../shared/eval/run_eval.py $(FILE) --url http://127.0.0.1:$(RASA_PORT)  # token: RASA_API_TOKEN, exported

# Every case of tests/eval and of the danger bank, against the running bot; per kind and half.
eval-all: up
	$(APP_PY) -m bench.bot_eval

bench: up
	$(APP_PY) -m bench.retrieval
	$(APP_PY) -m bench.latency
	$(APP_PY) -m bench.relay
	$(APP_PY) -m bench.wecom
	$(APP_PY) -m bench.masking
	$(APP_PY) -m bench.desk

# The danger assessor offline (rasa runtime): test-half figures; --compare for the classifier choice.
bench-danger: $(RASA_VENV)/.installed
	PYTHONPATH=$(CURDIR) $(RASA_VENV)/bin/python -m bench.danger_model --compare

# Two documents the knowledge base has never seen, added with `knowledge add`, then asked about.
bench-documents: $(APP_VENV)/.installed
	$(APP_PY) -m bench.held_out

# 10,000 hostile inputs through Rasa's REST and relay channels: server errors, liveness, injected slots.
bench-fuzz: up
	$(APP_PY) -m bench.fuzz --count 10000

# 1,000 submissions through a fresh action server against PostgreSQL, duplicates injected.
bench-records: services
	$(APP_PY) -m bench.submissions

# ---- tests ----------------------------------------------------------------------------------

validate: $(RASA_VENV)/.installed
	$(RASA) data validate --config config.yml --domain bot/domain --data nlu/data bot/stories bot/rules --fail-on-warnings

test-unit: $(APP_VENV)/.installed index
	$(APP_PY) -m pytest tests/unit tests/desk

test-rasa: validate $(MODEL)
	@mkdir -p var/results
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out var/results/core

# The records tests run twice each: on SQLite and on a real PostgreSQL server on loopback.
test-records: services
	$(APP_PY) -m pytest tests/records tests/services

test-e2e: install services index $(MODEL)
	$(APP_PY) -m pytest tests/e2e

test: test-unit test-records test-rasa test-e2e

# The value a setting has for make (e.g. make -s config-RASA_PORT): which of environment, .env, defaults won.
config-%:
	@echo '$($*)'

clean: down
	rm -rf var models
