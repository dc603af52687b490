# wispd — see README.md.  Every target sets up what it needs on its own.
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
TESTBED := $(PY) tests/hwsim/testbed.py

.PHONY: all venv test unit hwsim hwsim-shell demo bench clean

all: test

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The unit suite on the host, then the hwsim suite inside the testbed VM.
test: unit hwsim

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

hwsim: $(STAMP)
	$(TESTBED) setup
	$(TESTBED) run

hwsim-shell: $(STAMP)
	$(TESTBED) setup
	$(TESTBED) shell

demo: $(STAMP)
	$(TESTBED) setup
	$(TESTBED) script tests/hwsim/guest/demo.py

clean:
	rm -rf $(VENV) tests/hwsim/out build *.egg-info
