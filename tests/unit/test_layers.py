"""The layers of wispd (docs/architecture.md), as rules on its import graph.

Every module under firmware/wispd is parsed with `ast`, nothing is imported, and
every import statement counts, lazy ones inside functions too: a lazy import
still ties the two modules together, it only puts off the cost. `from wispd.x
import y` is an import of wispd.x.y when y is a submodule, else of wispd.x;
relative imports are resolved against the importing module's package. An
import of wispd.x.y is an edge to wispd.x.y alone, not to the packages on the
way (their __init__s import nothing).

The rules:

1. No import cycles between the project's modules: each module can be read,
   tested and replaced from the bottom up.
2. rsn (wispd.rsn.*) imports only wispd.rsn.* and the standard library: the
   key machinery is sans-IO, bytes in and actions out.
3. platform (wispd.platform.*) imports only wispd.platform.*: it is what the
   process runs on and knows nothing of WiFi; wispd.platform.eloop imports
   nothing of the project at all.
4. drivers (wispd.drivers.*) imports only wispd.drivers.*, wispd.platform.* and
   wispd.rsn.*: a driver turns kernel messages into typed events and knows
   neither the core that consumes them nor the control interface.
5. config (wispd.config.*) imports only wispd.config.*, wispd.platform.* and
   wispd.rsn.*: the model and its files, below the core.
5b. eap (wispd.eap.*) sits with rsn: it imports only wispd.eap.*, wispd.rsn.*,
   the standard library and the TLS library (OpenSSL from pyOpenSSL, and the
   cryptography package it is built on); frames in, actions out.
6. The codecs (wispd.control.wpactrl.* and wispd.control.compact.*) hold no
   policy. They import only
     - wispd.control.*: the command table (control.commands) and each other's
       socket and text helpers;
     - wispd.core.notify: the typed notifications they render;
     - wispd.config.fields, wispd.config.values and wispd.config.ssidtext: value
       syntax and the text form of SSIDs;
     - wispd.rsn.defs: suite and key numbers;
     - wispd.platform.*: sockets, eloop, log;
     - wispd itself (the version).
   Anything else of core (station, selection, security, bss, ...), of config
   (model, wpaconf, provision, ...), drivers and the top-level modules (daemon,
   main, hooks, ...) is state or policy, reached through a command handler.
7. No module is longer than MAX_LINES lines (a module is something one person
   can hold in their head); SIZE_EXCEPTIONS names any exception and why.

KNOWN_VIOLATIONS lists what breaks a rule today: the to-do list. A violation
not in it fails its rule's test. An entry that no longer happens is reported
by test_known_violations_still_happen as a warning, not a failure: several
people fix these at once, and a fix must not turn the suite red for everyone
until the list is edited; the warning says which entry to check off.
"""

import ast
import functools
import os
import sys
import warnings

import wispd

MAX_LINES = 550

# Modules allowed over MAX_LINES, each with the reason it cannot be split.
SIZE_EXCEPTIONS = {}

# What breaks a rule today, keyed as the tests name violations.
KNOWN_VIOLATIONS = {}

# The interpreter's own hash modules under their names in 3.9 to 3.12+ (3.12
# merged _sha256 and _sha512 into _sha2); rsn/kdf imports whichever exists.
INTERPRETER_HASHES = frozenset(("_md5", "_sha1", "_sha2", "_sha256", "_sha512"))

CODEC_PACKAGES = ("wispd.control.wpactrl", "wispd.control.compact")
CODEC_MAY_IMPORT = ("wispd.control", "wispd.core.notify", "wispd.config.fields",
                    "wispd.config.values", "wispd.config.ssidtext", "wispd.rsn.defs", "wispd.platform")


def within(module, package):
    return module == package or module.startswith(package + ".")


def within_any(module, packages):
    return any(within(module, p) for p in packages)


class Module:
    __slots__ = ("name", "path", "lines", "imports", "external")

    def __init__(self, name, path):
        self.name = name
        self.path = path            # wispd/..., relative to firmware/, for messages
        self.lines = 0
        self.imports = {}           # project module -> first line importing it
        self.external = {}          # top-level name of anything else -> first line


def _module_name(relpath):
    parts = relpath[:-len(".py")].split(os.sep)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _read_graph(root):
    """{module name: Module} for every .py file under the package dir `root`."""
    top = os.path.dirname(root)
    modules = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                relpath = os.path.relpath(os.path.join(dirpath, name), top)
                modules[_module_name(relpath)] = Module(_module_name(relpath), relpath)
    for mod in modules.values():
        with open(os.path.join(top, mod.path), encoding="utf-8") as f:
            text = f.read()
        mod.lines = len(text.splitlines())
        _collect_imports(mod, ast.parse(text, mod.path), modules)
    return modules


def _collect_imports(mod, tree, modules):
    project = mod.name.split(".")[0]
    is_package = mod.path.endswith("__init__.py")

    def add(target, lineno):
        if target.split(".")[0] == project:
            mod.imports.setdefault(target, lineno)
        else:
            mod.external.setdefault(target.split(".")[0], lineno)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = mod.name if is_package else mod.name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = package + ("." + node.module if node.module else "")
            else:
                base = node.module
            for alias in node.names:
                submodule = base + "." + alias.name
                add(submodule if submodule in modules else base, node.lineno)


@functools.lru_cache(maxsize=None)
def graph():
    return _read_graph(os.path.dirname(os.path.abspath(wispd.__file__)))


def _where(mod, target):
    return "%s:%d" % (mod.path, mod.imports[target])


def _import_rule(rule, layer, allowed, allowed_modules=()):
    """Violations of "modules in `layer` import only the packages `allowed` and
    the modules `allowed_modules` of the project"."""
    found = {}
    for mod in graph().values():
        if not within(mod.name, layer):
            continue
        for target in mod.imports:
            if not within_any(target, allowed) and target not in allowed_modules:
                found["%s: %s imports %s" % (rule, mod.name, target)] = _where(mod, target)
    return found


def _check(found):
    new = {key: where for key, where in found.items() if key not in KNOWN_VIOLATIONS}
    assert not new, "layer rules broken:\n" + "\n".join(
        "  %s  (%s)" % (key, where) for key, where in sorted(new.items()))


# --- the rules ---------------------------------------------------------------------------

def _strongly_connected(edges):
    """Tarjan's algorithm: the strongly connected components of {node: targets}."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components


def _shortest_cycle(start, edges, members):
    """A shortest import path from `start` back to itself inside one component."""
    paths = {start: [start]}
    queue = [start]
    for node in queue:
        for target in sorted(edges[node]):
            if target == start:
                return paths[node] + [start]
            if target in members and target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    raise AssertionError("%s is on no cycle" % start)


def import_cycles():
    modules = graph()
    edges = {name: sorted(t for t in mod.imports if t in modules)
             for name, mod in modules.items()}
    found = {}
    for component in _strongly_connected(edges):
        members = set(component)
        if len(component) == 1 and component[0] not in edges[component[0]]:
            continue
        # A shortest cycle through each member not on one shown yet: together
        # they show every module's part in the knot.
        cycles, covered = [], set()
        for member in component:
            if member not in covered:
                path = _shortest_cycle(member, edges, members)
                covered.update(path)
                cycles.append(" -> ".join("%s (%s)" % (a, _where(modules[a], b))
                                          for a, b in zip(path, path[1:])) + " -> " + member)
        found["cycle: " + ", ".join(component)] = "; ".join(cycles)
    return found


def test_no_import_cycles():
    _check(import_cycles())


def rsn_violations():
    found = _import_rule("rsn", "wispd.rsn", ("wispd.rsn",))
    stdlib = getattr(sys, "stdlib_module_names", None)
    if stdlib is not None:
        for mod in graph().values():
            if within(mod.name, "wispd.rsn"):
                for name, line in mod.external.items():
                    if name not in stdlib and name not in INTERPRETER_HASHES:
                        found["rsn: %s imports %s" % (mod.name, name)] = "%s:%d" % (mod.path, line)
    return found


def test_rsn_imports_only_rsn_and_the_standard_library():
    _check(rsn_violations())


EAP_MAY_IMPORT_EXTERNAL = frozenset(("OpenSSL", "cryptography"))


def eap_violations():
    found = _import_rule("eap", "wispd.eap", ("wispd.eap", "wispd.rsn"))
    stdlib = getattr(sys, "stdlib_module_names", None)
    if stdlib is not None:
        for mod in graph().values():
            if within(mod.name, "wispd.eap"):
                for name, line in mod.external.items():
                    if name not in stdlib and name not in EAP_MAY_IMPORT_EXTERNAL:
                        found["eap: %s imports %s" % (mod.name, name)] = "%s:%d" % (mod.path, line)
    return found


def test_eap_imports_only_eap_rsn_and_the_tls_library():
    _check(eap_violations())


def platform_violations():
    found = _import_rule("platform", "wispd.platform", ("wispd.platform",))
    found.update(_import_rule("platform", "wispd.platform.eloop", ()))
    return found


def test_platform_imports_only_platform():
    _check(platform_violations())


def drivers_violations():
    return _import_rule("drivers", "wispd.drivers",
                        ("wispd.drivers", "wispd.platform", "wispd.rsn"))


def test_drivers_know_neither_core_nor_control():
    _check(drivers_violations())


def config_violations():
    return _import_rule("config", "wispd.config",
                        ("wispd.config", "wispd.platform", "wispd.rsn"))


def test_config_sits_below_the_core():
    _check(config_violations())


def codec_violations():
    found = {}
    for package in CODEC_PACKAGES:
        # "wispd" alone: the package, for `from wispd import __version__`.
        found.update(_import_rule("codec", package, CODEC_MAY_IMPORT, ("wispd",)))
    return found


def test_codecs_hold_no_policy():
    _check(codec_violations())


def size_violations():
    return {"size: %s" % mod.path: "%d lines, at most %d" % (mod.lines, MAX_LINES)
            for mod in graph().values()
            if mod.lines > MAX_LINES and mod.path not in SIZE_EXCEPTIONS}


def test_no_module_over_max_lines():
    _check(size_violations())


def all_violations():
    found = {}
    for rule in (import_cycles, rsn_violations, eap_violations, platform_violations, drivers_violations,
                 config_violations, codec_violations, size_violations):
        found.update(rule())
    return found


def test_known_violations_still_happen():
    """A fixed violation is checked off: its entry leaves KNOWN_VIOLATIONS."""
    gone = sorted(set(KNOWN_VIOLATIONS) - set(all_violations()))
    if gone:
        warnings.warn("fixed, remove from KNOWN_VIOLATIONS in tests/unit/test_layers.py: "
                      + "; ".join(gone))


# --- the graph reader itself ------------------------------------------------------------

def test_lazy_relative_and_submodule_imports_are_edges(tmp_path):
    pkg = tmp_path / "proj"
    (pkg / "sub").mkdir(parents=True)
    for name in ("__init__.py", "sub/__init__.py", "sub/leaf.py", "sub/other.py"):
        (pkg / name).write_text("")
    (pkg / "top.py").write_text("import os\n")
    (pkg / "sub" / "user.py").write_text(
        "from proj.sub import leaf\n"          # a submodule: proj.sub.leaf
        "from proj.sub import NAME\n"          # a name: proj.sub
        "def later():\n"
        "    from . import other\n"            # lazy and relative: proj.sub.other
        "    from ..top import thing\n"        # two levels up: proj.top
        "    import json\n")
    modules = _read_graph(str(pkg))
    user = modules["proj.sub.user"]
    assert sorted(user.imports) == ["proj.sub", "proj.sub.leaf", "proj.sub.other", "proj.top"]
    assert sorted(user.external) == ["json"]
    assert modules["proj.sub"].path == os.path.join("proj", "sub", "__init__.py")


def test_a_cycle_is_reported_with_its_path():
    edges = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": [], "e": ["e"]}
    components = _strongly_connected(edges)
    assert ["a", "b", "c"] in components and ["e"] in components and ["d"] in components
    assert _shortest_cycle("a", edges, {"a", "b", "c"}) == ["a", "b", "c", "a"]

