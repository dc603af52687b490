"""The fuzz runner's machinery: targets, seed mutation, a time-boxed hypothesis loop.

A Target names a piece of wispd that takes hostile input, how to read its seed
corpus (tests/fuzz/corpus/<name>/), and `check(input)`: feed one input and
assert the target's properties (raise AssertionError, or let the firmware's
exception escape, on a violation).  `strategy()` is what hypothesis draws from:
the seeds mutated (byte flips, cuts, splices: what a broken AP or a buggy agent
produces) and inputs built free-form.

`replay` runs every corpus file (the regression tests: every crash found so
far lives there); `fuzz` runs hypothesis for a fixed wall-clock budget, in
batches, because hypothesis itself only knows example counts.
"""

import hashlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
UNIT = os.path.join(ROOT, "tests", "unit")
CORPUS = os.path.join(HERE, "corpus")
CRASHES = os.path.join(HERE, "crashes")

# The unit tests' helpers (fake driver, harness, the test authenticator) are
# the fuzz targets' helpers too; register the fake driver as their conftest does.
for p in (HERE, UNIT, os.path.join(UNIT, "rsn")):     # rsn: the test authenticator
    if p not in sys.path:
        sys.path.insert(0, p)

from hypothesis import HealthCheck, Phase, given, seed as fixed_seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from wispd.drivers.ops import register_driver

register_driver("fake", "fakedriver:FakeDriver")


def quiet_logs():
    """Hostile input makes wispd log a lot (that is its job); the targets watch
    for tracebacks themselves (ERROR records), so only those need to pass.
    Returns a function that puts the logger back."""
    import logging
    logger = logging.getLogger("wispd")
    saved = (logger.level, logger.propagate, list(logger.handlers))
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    logger.handlers[:] = [logging.NullHandler()]

    def restore():
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers[:] = saved[2]
    return restore

# One hypothesis call runs at most this many examples (fewer when little time
# is left); hypothesis slows down as one call's examples pile up.
BATCH = 100
SEEDED_BATCH = 25


class Target:
    """Subclasses set name and implement check(); corpus files are bytes
    unless decode() says otherwise."""

    name = None
    # Per-example wall-clock ceiling: parsers must stay linear in their input.
    slow_seconds = 1.0

    def corpus_dir(self):
        return os.path.join(CORPUS, self.name)

    def corpus_files(self):
        """[(file name, bytes)] in a stable order."""
        out = []
        d = self.corpus_dir()
        if os.path.isdir(d):
            for fn in sorted(os.listdir(d)):
                with open(os.path.join(d, fn), "rb") as f:
                    out.append((fn, f.read()))
        return out

    def corpus(self):
        """[(file name, decoded input)] in a stable order."""
        return [(fn, self.decode(data, fn)) for fn, data in self.corpus_files()]

    def seeds_by_kind(self):
        """{kind: [bytes]} for targets whose decode() gives (kind, bytes):
        inputs of one kind are mutated among themselves."""
        out = {}
        for _, (kind, data) in self.corpus():
            out.setdefault(kind, []).append(data)
        return out

    def decode(self, data, filename):
        return data

    def encode(self, value):
        """The corpus-file form of a failing input (bytes), or None."""
        return value if isinstance(value, bytes) else None

    def strategy(self):
        raise NotImplementedError

    def check(self, value):
        raise NotImplementedError

    def setup(self):
        """Once per run (e.g. a daemon); teardown() after."""

    def teardown(self):
        pass


# ------------------------------------------------------------------ mutation
def mutated(seeds, max_ops=4):
    """A seed with a few byte-level edits, drawn by hypothesis (so failures
    shrink to the smallest edit).  seeds: a non-empty list of bytes."""
    seeds = [bytes(s) for s in seeds]

    @st.composite
    def build(draw):
        data = bytearray(draw(st.sampled_from(seeds)))
        for _ in range(draw(st.integers(0, max_ops))):
            op = draw(st.sampled_from(("flip", "set", "insert", "delete", "truncate",
                                       "duplicate", "splice")))
            n = len(data)
            if op == "flip" and n:
                i = draw(st.integers(0, n - 1))
                data[i] ^= 1 << draw(st.integers(0, 7))
            elif op == "set" and n:
                i = draw(st.integers(0, n - 1))
                data[i] = draw(st.sampled_from((0, 1, 0x7F, 0x80, 0xFF, draw(st.integers(0, 255)))))
            elif op == "insert":
                i = draw(st.integers(0, n))
                data[i:i] = draw(st.binary(min_size=1, max_size=16))
            elif op == "delete" and n:
                i = draw(st.integers(0, n - 1))
                data[i:i + draw(st.integers(1, 16))] = b""
            elif op == "truncate" and n:
                del data[draw(st.integers(0, n - 1)):]
            elif op == "duplicate" and n:
                i = draw(st.integers(0, n - 1))
                j = draw(st.integers(i + 1, min(n, i + 64)))
                data[j:j] = data[i:j]
            elif op == "splice":
                other = draw(st.sampled_from(seeds))
                if other:
                    i = draw(st.integers(0, len(other) - 1))
                    data[draw(st.integers(0, n)):] = other[i:]
        return bytes(data)
    return build()


# ------------------------------------------------------------------ running
class Failure(Exception):
    def __init__(self, target, value, error, saved):
        super().__init__("%s: %s" % (target, error))
        self.target = target
        self.value = value
        self.error = error
        self.saved = saved


def _timed_check(target, value):
    start = time.monotonic()
    target.check(value)
    took = time.monotonic() - start
    assert took < target.slow_seconds, (
        "one input took %.2f s (limit %.2f s): not linear in its size"
        % (took, target.slow_seconds))


def replay(target):
    """Every corpus file through check(); returns the count."""
    files = target.corpus()
    for fn, value in files:
        try:
            _timed_check(target, value)
        except Exception as e:
            raise AssertionError("%s corpus file %s: %s\n%s" % (
                target.name, fn, e, traceback.format_exc())) from None
    return len(files)


def _save(target, value):
    data = target.encode(value)
    if data is None:
        data = repr(value).encode()
        suffix = ".repr"
    else:
        suffix = ""
    d = os.path.join(CRASHES, target.name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "crash-%s%s" % (hashlib.sha1(data).hexdigest()[:12], suffix))
    with open(path, "wb") as f:
        f.write(data)
    return path


def fuzz(target, seconds, seed=None):
    """Run hypothesis on target for `seconds`; returns the executions count.
    A property violation raises Failure with the (shrunk) input, also saved
    under tests/fuzz/crashes/<target>/ for turning into a corpus file.

    seed: None draws new inputs every run (`make fuzz`, to find new crashes);
    an int makes batch n use seed+n, so `make test` explores the same inputs
    on every machine (a slower one a prefix of them) and a change cannot fail
    CI merely because the dice found an old bug that day."""
    start = time.monotonic()
    deadline = start + seconds
    count = [0]
    failing = []
    strategy = target.strategy()

    def check(value):
        count[0] += 1
        try:
            _timed_check(target, value)
        except BaseException:
            failing[:] = [value]      # the last failing input is the shrunk one
            raise

    batch = 0
    while time.monotonic() < deadline:
        # Batches sized to the time left at the rate so far, so that the last
        # one does not overrun the budget (drawing an input costs too).
        now = time.monotonic()
        rate = count[0] / (now - start) if count[0] else 20.0
        examples = max(1, min(BATCH, int((deadline - now) * rate)))
        if seed is not None:
            examples = SEEDED_BATCH   # same batches everywhere, whatever the speed
        run = settings(max_examples=examples, deadline=None, database=None,
                       derandomize=False, phases=(Phase.generate, Phase.shrink),
                       report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
                       print_blob=False)(given(strategy)(check))
        if seed is not None:
            run = fixed_seed(seed + batch)(run)
        batch += 1
        try:
            run()
        except Exception as e:
            value = failing[0] if failing else None
            saved = _save(target, value) if failing else None
            raise Failure(target.name, value, "%s: %s" % (type(e).__name__, e), saved) from e
    return count[0]
