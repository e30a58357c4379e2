# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

STAGE  ?= dev

.PHONY: help venv test unit lint web browser font demo dev bench package deploy lock clean

# The web console (web/console): npm packages pinned by package-lock.json, installed again only when the lock
# changes (the stamp), built by Vite into web/console/dist (not committed; `make web` rebuilds it when a
# source changes). Node and npm come from the machine.
WEB       := web/console
NPM_STAMP := $(WEB)/node_modules/.lock-stamp
WEB_SRC   := $(shell find $(WEB)/src $(WEB)/public -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.js
# The employee sidebar (web/sidebar, issue 19): a second Vite app with the console's conventions, served under
# /sidebar/ beside /console/; built the same way into web/sidebar/dist.
SIDEBAR      := web/sidebar
SIDEBAR_NPM  := $(SIDEBAR)/node_modules/.lock-stamp
SIDEBAR_SRC  := $(shell find $(SIDEBAR)/src $(SIDEBAR)/public -type f 2>/dev/null) $(SIDEBAR)/index.html \
                $(SIDEBAR)/vite.config.js
# The customers' landing pages (web/landing, issue 21): a third Vite app (one HTML entry per page: store.html),
# served under /landing/; built the same way into web/landing/dist.
LANDING      := web/landing
LANDING_NPM  := $(LANDING)/node_modules/.lock-stamp
LANDING_SRC  := $(shell find $(LANDING)/src $(LANDING)/public -type f 2>/dev/null) $(wildcard $(LANDING)/*.html) \
                $(LANDING)/vite.config.js
# The browser tests' Chromium, from Debian (Playwright drives /usr/bin/chromium; its own download does not
# work here), with a CJK font so that screenshots show the Chinese pages.
CHROMIUM  := /usr/bin/chromium
CJK_FONT  := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

help:
	@echo "make demo    set up and run a scripted tour of the whole flow on the local stack"
	@echo "make test    set up and run lint + unit, integration and end-to-end tests"
	@echo "make dev     run the local stack in the foreground (Ctrl-C stops it)"
	@echo "make bench   run the benchmarks, write bench/results.json (PARTS=load,soak picks some; BENCH_ARGS=... more options)"
	@echo "make unit    unit tests only (no local stack)"
	@echo "make web     build the web console, the sidebar and the landing pages into web/*/dist (npm ci when a lock changed)"
	@echo "make browser install Debian's chromium and chromium-driver for the browser tests, if missing"
	@echo "make font    build the fission poster's Chinese font (layers/scrm/fission/fonts/, from Debian's fonts-wqy-microhei)"
	@echo "make mutants deliberate breakages of domain/service code against the unit tests, write bench/mutants.json"
	@echo "make package STAGE=dev|prod   build infra/out/ (template, app zip, layer zip, console/) without AWS"
	@echo "make deploy STAGE=dev|prod    deploy infra/out/ with the AWS CLI (needs credentials, ARTIFACT_BUCKET;"
	@echo "                              CONSOLE_CORP=ww...: the corp whose staff log in to the console; docs/deploy.md § 11)"
	@echo "make lock    re-pin the layer's whole dependency tree with hashes (layers/requirements.lock) after editing layers/pyproject.toml"
	@echo "make clean   remove the virtualenv and local state"

$(STAMP): pyproject.toml layers/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e layers -e .
	@touch $(STAMP)

venv: $(STAMP)

lint: venv $(NPM_STAMP) $(SIDEBAR_NPM) $(LANDING_NPM)
	$(BIN)/ruff check .
	cd $(WEB) && npx --no-install eslint --max-warnings 0 .
	cd $(SIDEBAR) && npx --no-install eslint --max-warnings 0 .
	cd $(LANDING) && npx --no-install eslint --max-warnings 0 .

$(NPM_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the web console (Debian: apt-get install nodejs npm)"; exit 1; }
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB)/dist/index.html: $(NPM_STAMP) $(WEB_SRC)
	cd $(WEB) && npx --no-install vite build --logLevel warn
	@touch $@

$(SIDEBAR_NPM): $(SIDEBAR)/package.json $(SIDEBAR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the web sidebar (Debian: apt-get install nodejs npm)"; exit 1; }
	cd $(SIDEBAR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(SIDEBAR)/dist/index.html: $(SIDEBAR_NPM) $(SIDEBAR_SRC)
	cd $(SIDEBAR) && npx --no-install vite build --logLevel warn
	@touch $@

$(LANDING_NPM): $(LANDING)/package.json $(LANDING)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the landing pages (Debian: apt-get install nodejs npm)"; exit 1; }
	cd $(LANDING) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(LANDING)/dist/store.html: $(LANDING_NPM) $(LANDING_SRC)
	cd $(LANDING) && npx --no-install vite build --logLevel warn
	@touch $@

web: $(WEB)/dist/index.html $(SIDEBAR)/dist/index.html $(LANDING)/dist/store.html

$(CHROMIUM) $(CJK_FONT):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		chromium chromium-driver fonts-wqy-microhei

browser: $(CHROMIUM) $(CJK_FONT)

# The fission poster's font (issue 21): CJK_FONT subset with fontTools (infra/poster_font.py) into the layer's
# source tree, where the poster, the local stack, the tests and the Lambda layer all read it.
POSTER_FONT := layers/scrm/fission/fonts/poster-sc.ttf

$(POSTER_FONT): $(STAMP) $(CJK_FONT) infra/poster_font.py
	$(BIN)/python -m infra.poster_font

font: $(POSTER_FONT)

unit: venv font
	$(BIN)/pytest tests/unit tests/sandbox

test: venv lint web browser font
	cd $(WEB) && node --test tests/
	cd $(SIDEBAR) && node --test tests/
	cd $(LANDING) && node --test tests/
	$(BIN)/pytest

demo: venv web font
	$(BIN)/python -m devstack.demo

dev: venv web font
	$(BIN)/python -m devstack

bench: venv font
	$(BIN)/python -m bench $(if $(PARTS),--parts $(PARTS)) $(BENCH_ARGS)

mutants: venv font
	$(BIN)/python -m bench.mutants $(BENCH_ARGS)

# The poster font's source (installed if missing); infra/package.py builds the font itself into the layer.
package: venv web $(CJK_FONT)
	$(BIN)/python -m infra.package --stage $(STAGE)
	$(BIN)/cfn-lint infra/out/sam.json

deploy: package
	$(BIN)/python -m infra.deploy --stage $(STAGE) $(if $(EGRESS),--egress $(EGRESS))

# The layer's dependencies, direct and indirect, pinned with every file's hash; `make package` installs
# exactly these (pip --require-hashes). Resolved here for CPython 3.11 on Linux x86_64, Lambda's platform.
lock: venv
	cd layers && CUSTOM_COMPILE_COMMAND="make lock" ../$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
		--strip-extras --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) layers/scrm/fission/fonts .devstack .pytest_cache .ruff_cache infra/out $(WEB)/node_modules $(WEB)/dist $(SIDEBAR)/node_modules $(SIDEBAR)/dist $(LANDING)/node_modules $(LANDING)/dist
