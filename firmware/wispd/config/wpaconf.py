"""wpa_supplicant.conf, the file: `parse`/`load` read it into a `Config`,
`dump` renders one in wpa_supplicant's layout and `save` replaces the file
durably (platform/durable.py). The line rules (comments, quotes) are
fields.py's, shared with the model's check that every value reads back.
"""

from __future__ import annotations

from wispd.config.values import ConfigError, clean_line
from wispd.config.model import Config, Network, warn_unsupported
from wispd.platform.durable import DirSyncError, write_atomic

__all__ = ["ConfigError", "dump", "load", "parse", "save"]


# --- reading ---------------------------------------------------------------------------

def _decode(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        lineno = data.count(b"\n", 0, e.start) + 1
        raise ConfigError("%s:%d: not valid UTF-8 (byte 0x%02x); write non-ASCII SSIDs "
                          "as hex" % (filename, lineno, data[e.start])) from None


def _block(lines, i):
    """The lines of a block from index i (just after its opening line) to its
    '}': ([(line number, cleaned text)], index after the '}', closed?)."""
    body = []
    while i < len(lines):
        text = clean_line(lines[i])
        i += 1
        if text == "}":
            return body, i, True
        if text is not None:
            body.append((i, text))      # i, past this line, is its 1-based number
    return body, i, False


def parse(text, filename: str = "<config>", path=None) -> Config:
    """Parse wpa_supplicant.conf text (str or bytes). Errors: ConfigError
    with str "FILE:LINE: what is wrong"."""
    if isinstance(text, bytes):
        text = _decode(text, filename)
    config = Config(path)
    next_id = 0
    lines = text.split("\n")
    i = 0
    n = len(lines)

    def err(lineno, msg):
        return ConfigError("%s:%d: %s" % (filename, lineno, msg))

    while i < n:
        lineno = i + 1
        pos = clean_line(lines[i])
        i += 1
        if pos is None:
            continue
        if pos == "network={":
            net = Network(next_id)
            next_id += 1
            body, i, closed = _block(lines, i)
            for blineno, bpos in body:
                if bpos.endswith("={") and "=" not in bpos[:-2]:
                    raise err(blineno, "'%s' inside a network block (missing '}' for the "
                                       "block opened at line %d?)" % (bpos, lineno))
                key, eq, value = bpos.partition("=")
                if not eq:
                    raise err(blineno, "missing '=' in '%s'" % bpos)
                if value.startswith('"') and '"' not in value[1:]:
                    raise err(blineno, "invalid quotation in %s value (no closing '\"')" % key)
                try:
                    net.set(key, value)
                except ConfigError as e:
                    raise err(blineno, str(e)) from None
            if not closed:
                raise err(lineno, "network block is not terminated (missing '}')")
            config.networks.append(net)
        elif pos in ("cred={",) or (pos.startswith("blob-base64-") and pos.endswith("={")):
            body, i, closed = _block(lines, i)
            if not closed:
                raise err(lineno, "%s block is not terminated (missing '}')" % pos[:-2])
            warn_unsupported("block", pos[:-2])
            config.blocks.append((pos, [text for _lineno, text in body]))
        elif pos == "}":
            raise err(lineno, "'}' without an open network block")
        else:
            key, eq, value = pos.partition("=")
            if not eq:
                raise err(lineno, "missing '=' in '%s'" % pos)
            if key != key.strip():
                raise err(lineno, "unknown global key '%s' (no spaces around '=')" % key)
            try:
                config.set_global(key, value)
            except ConfigError as e:
                raise err(lineno, str(e)) from None
    # dump() writes cred blocks before the networks and blobs after them, as
    # wpa_supplicant does; keep the model in that order too (each kind keeps its
    # own order), or a blob written before a cred would not read back equal.
    config.blocks.sort(key=lambda block: block[0] != "cred={")
    return config


def load(path: str) -> Config:
    """Read and parse a file; errors (including I/O) raise ConfigError."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ConfigError("%s: cannot read: %s" % (path, e.strerror or e)) from None
    return parse(data, path, path=path)


# --- writing ---------------------------------------------------------------------------

def dump(config: Config) -> str:
    """The file text, laid out like wpa_supplicant's writer."""
    out = ["%s=%s\n" % kv for kv in config.globals.items()]
    for header, body in config.blocks:
        if header == "cred={":
            out.append("\n%s\n" % header)
            out.extend("\t%s\n" % line for line in body)
            out.append("}\n")
    for net in config.networks:
        out.append("\nnetwork={\n")
        out.extend("\t%s=%s\n" % kv for kv in net.items())
        out.append("}\n")
    for header, body in config.blocks:
        if header != "cred={":
            out.append("\n%s\n" % header)
            out.extend("%s\n" % line for line in body)
            out.append("}\n")
    return "".join(out)


def save(config: Config, path=None) -> None:
    """Atomically replace the file (write_atomic: temp file, fsync, mode 0600,
    rename, fsync the directory). On any failure before the rename the old file
    is untouched and the temp file is gone."""
    path = path or config.path
    if not path:
        raise ConfigError("no configuration file path to save to")
    data = dump(config).encode("utf-8", "surrogateescape")
    try:
        write_atomic(path, data, 0o600)
    except DirSyncError as e:
        raise ConfigError("%s: saved, but syncing the directory failed: %s"
                          % (path, e.strerror or e)) from None
    except OSError as e:
        raise ConfigError("%s: cannot save: %s" % (path, e.strerror or e)) from None
    config.path = path
