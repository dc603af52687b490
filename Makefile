# wispd — see README.md.  Every target sets up what it needs on its own.
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
TESTBED := $(PY) tests/hwsim/testbed.py

.PHONY: all venv test unit fuzz hwsim powerloss hwsim-shell demo bench soak clean hostap-suite

all: test

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The unit suite on the host, then the hwsim suite and the power-loss rounds
# inside the testbed VM.
test: unit hwsim powerloss

# tests/fuzz: the fuzz corpus replayed and a short fuzz run (2 s a target).
unit: $(STAMP)
	$(PY) -m pytest -q tests/unit tests/fuzz

# The long fuzz run: the corpus, then FUZZ_SECONDS of hypothesis per target
# (7 targets; tests/fuzz/run.py TARGET... runs some).
FUZZ_SECONDS ?= 60

fuzz: $(STAMP)
	$(PY) tests/fuzz/run.py --seconds $(FUZZ_SECONDS)

# One boot runs the whole hwsim suite (~15 min on 2 cores under TCG); the
# testbed kills a hung guest after this many seconds and shows its console.
HWSIM_TIMEOUT ?= 2700

hwsim: $(STAMP)
	$(TESTBED) setup
	$(TESTBED) --timeout $(HWSIM_TIMEOUT) run

# Power cuts (qemu SIGKILLed) while wispd writes its config on an ext4 data
# disk: 6 rounds and a final check, ~3 min on 2 cores (tests/powerloss/run.py).
powerloss: $(STAMP)
	$(TESTBED) setup
	$(PY) tests/powerloss/run.py

hwsim-shell: $(STAMP)
	$(TESTBED) setup
	$(TESTBED) shell

demo: $(STAMP)
	$(TESTBED) setup
	$(TESTBED) script tests/hwsim/guest/demo.py

# wispd against wpa_supplicant in one testbed boot (docs/benchmarks.md); ~20 min.
bench: $(STAMP)
	$(TESTBED) setup
	start=$$(date +%s); \
	WISPD_BENCH_HOST="$$(nproc) cores,$$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $$(uname -r)" \
	  $(TESTBED) --timeout 2100 script bench/guest_bench.py $(BENCH_ARGS); \
	  rc=$$?; $(PY) bench/stats.py --since $$start || rc=1; exit $$rc

# hostap's own hwsim tests (a hostap tree at 2.10, cff80b4f7: HOSTAP=DIR), against
# wispd and Debian's wpa_supplicant in one boot; TESTS="a b" for a subset of
# tests/hostap/tests.txt.  Not part of `make test` (docs/hostap-suite.md).
hostap-suite: $(STAMP)
	@test -n "$(HOSTAP)" || { echo "usage: make hostap-suite HOSTAP=/path/to/hostap [TESTS=\"name ...\"]"; exit 2; }
	$(TESTBED) setup
	$(PY) tests/hostap/run.py --hostap "$(HOSTAP)" --tests "$(TESTS)"

# Faults in a loop for SOAK_SECONDS (not part of `make test`): reconnect, rekeys,
# AP restart, radio unplug/replug; fails on lost events, a restart, fd growth or
# RSS growth over 1 MB.  SOAK_ARGS=--tracemalloc shows what grew.
SOAK_SECONDS ?= 1800

soak: $(STAMP)
	$(TESTBED) setup
	$(TESTBED) --timeout $$(( $(SOAK_SECONDS) + 900 )) script tests/hwsim/guest/soak.py \
	  --seconds $(SOAK_SECONDS) $(SOAK_ARGS)

clean:
	rm -rf $(VENV) tests/hwsim/out build *.egg-info .hypothesis tests/fuzz/crashes

# Boot and packaging (docs/provisioning.md, board/readme.txt).
.PHONY: buildroot-check overlay overlay-check
# Sets up its own tools (a venv in build/buildroot-check; apt as root).
buildroot-check:
	@PYTHON="$(PYTHON)" buildroot/scripts/buildroot-check.sh "$(BUILDROOT)"

overlay: $(STAMP)
	overlays/build-tarball.sh $(PY) build

overlay-check:
	overlays/check.sh
