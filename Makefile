# ikesim — set-up and everyday commands. Every target creates .venv when it is missing.
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_FUZZ := $(VENV)/.installed-fuzz
FUZZ_SECONDS ?= 60

# ikesim needs Python >= 3.11 (pyproject.toml requires-python). PYTHON defaults to the first
# interpreter on PATH that is recent enough, so installing python3.11 next to an older python3
# is all it takes; `make PYTHON=/path/to/python3.x` chooses one.
PY_OK = $(shell $(1) -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo yes)
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach p,python3 python3.13 python3.12 python3.11,$(if $(call PY_OK,$(p)),$(p))) python3)
endif
# A .venv made by an interpreter that is too old (before 3.11 was installed) is rebuilt.
VENV_STALE := $(if $(wildcard $(BIN)/python),$(if $(call PY_OK,$(BIN)/python),,yes))

.PHONY: demo test bench lint docs fidelity system-deps clean fuzz check-python venv-stale \
	interop

CHECK_PYTHON = $(if $(call PY_OK,$(PYTHON)),true,{ \
	  echo "ikesim needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Install it (Debian/Ubuntu: apt-get install python3.11 python3.11-venv) and run make again,"; \
	  echo "or choose an interpreter: make PYTHON=/path/to/python3.11 <target>"; exit 1; })

check-python:
	@$(CHECK_PYTHON)

venv-stale:
	@echo "$(VENV) was made with $$($(BIN)/python --version 2>&1); ikesim needs 3.11+: rebuilding it"
	rm -rf $(VENV)

ifeq ($(VENV_STALE),yes)
$(BIN)/python $(STAMP_RUN) $(STAMP_TEST) $(STAMP_FUZZ): venv-stale
endif

$(BIN)/python:
	@$(CHECK_PYTHON)
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

# Fidelity: each covered real IOS capture (scenarios/fidelity/traces) against its lab; prints the
# table and regenerates docs/fidelity.md (fails when a capture is below its target share).
fidelity: $(STAMP_RUN)
	$(BIN)/python -m ikesim.fidelity --page docs/fidelity.md

lint: $(STAMP_TEST)
	$(BIN)/ruff check ikesim tests bench interop

# Live peers (interop/, docs/live-peers.md): real strongSwan charon and libreswan pluto against
# simulated IOS routers through `ikesim run --live`, inside network namespaces the tests create
# and remove. As root, installs strongSwan (Debian packages) when it is missing and unpacks
# Debian's libreswan under build/libreswan (it conflicts with the strongSwan packages: only its
# libraries are installed); exits 2 with one line when a daemon is still missing.
LIBRESWAN_DIR := build/libreswan
# charon's userspace ESP (kernel-libipsec, in libcharon-extra-plugins) carries the ping test
LIBIPSEC_PLUGIN := /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so
LIBRESWAN_LIBS := libnss3-tools libcurl3-nss libevent-core-2.1-7 libevent-pthreads-2.1-7 \
	libldns3 libunbound8 libnspr4 libnss3 libcap-ng0
interop: $(STAMP_TEST)
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  if ! command -v swanctl >/dev/null 2>&1 || [ ! -x /usr/lib/ipsec/charon ] \
	      || [ ! -f $(LIBIPSEC_PLUGIN) ] || ! command -v ping >/dev/null 2>&1 \
	      || ! command -v certutil >/dev/null 2>&1; then \
	    echo "installing strongSwan and libreswan's libraries (Debian packages) for interop"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      strongswan-charon strongswan-swanctl libcharon-extra-plugins iproute2 iputils-ping \
	      $(LIBRESWAN_LIBS) >/dev/null; \
	  fi; \
	  if [ ! -x $(LIBRESWAN_DIR)/usr/libexec/ipsec/pluto ]; then \
	    echo "unpacking Debian's libreswan into $(LIBRESWAN_DIR)"; \
	    rm -rf $(LIBRESWAN_DIR) build/libreswan-deb && mkdir -p build/libreswan-deb && \
	    (cd build/libreswan-deb && apt-get download -qq libreswan 2>/dev/null) && \
	    dpkg -x build/libreswan-deb/libreswan_*.deb $(LIBRESWAN_DIR); \
	  fi; \
	fi
	IKESIM_LIBRESWAN=$(LIBRESWAN_DIR) $(BIN)/python -m interop.harness --preflight
	IKESIM_LIBRESWAN=$(LIBRESWAN_DIR) $(BIN)/python -m pytest interop -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
