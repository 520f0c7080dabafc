# ikesim — set-up and everyday commands. Every target creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_FUZZ := $(VENV)/.installed-fuzz
FUZZ_SECONDS ?= 60

.PHONY: demo test bench lint docs system-deps clean fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/ikesim run scenarios/missing-return-route.yaml

# The Wireshark oracle tests need tshark, the aggressive-mode PSK test ike-scan's psk-crack, the
# certificate tests openssl, the HTML report tests Chromium (Debian packages, Chromium driven
# by Playwright with executable_path: no browser download); install them non-interactively when
# we are root and they are missing. The tests fail loudly, not skip, if they are still absent.
system-deps:
	@command -v tshark >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing tshark (Debian package) for the Wireshark oracle tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark >/dev/null; \
	  else echo "warning: tshark missing and not root; the Wireshark oracle tests will fail"; fi; }
	@command -v psk-crack >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing ike-scan (Debian package: psk-crack) for the aggressive-mode PSK test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ike-scan >/dev/null; \
	  else echo "warning: psk-crack missing and not root; the psk-crack oracle test will fail"; fi; }
	@command -v openssl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing openssl (Debian package) for the certificate oracle tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; \
	  else echo "warning: openssl missing and not root; the certificate oracle tests will fail"; fi; }
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (Debian package) for the HTML report tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "warning: chromium missing and not root; the HTML report tests will fail"; fi; }

test: $(STAMP_TEST) system-deps
	$(BIN)/python -m pytest

$(STAMP_FUZZ): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,fuzz]'
	touch $@ $(STAMP_TEST) $(STAMP_RUN)

# One atheris (libFuzzer) target per parser: ISAKMP codec, IOS config, exec line, YAML scenario.
# FUZZ_SECONDS each (CI: a short budget); a crash's input is kept in build/fuzz/TARGET/.
fuzz: $(STAMP_FUZZ)
	$(BIN)/python tests/fuzz/run.py --seconds $(FUZZ_SECONDS)

bench: $(STAMP_TEST)
	$(BIN)/python -m bench

# Teaching pages: runs every catalogue scenario and regenerates docs/faults/*.md and docs/index.md.
docs: $(STAMP_RUN)
	$(BIN)/python -m ikesim.teach docs/

lint: $(STAMP_TEST)
	$(BIN)/ruff check ikesim tests bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
