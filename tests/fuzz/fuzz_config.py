"""wpa_supplicant.conf through config.parse (and netfields' validators).

Properties: a bad file raises ConfigError and nothing else, its message
starting with FILE:LINE; an accepted file gives a Config whose typed accessors
(what the daemon reads) work, and which, written with config.dump, parses back
equal, and dumps to the same text again (a fixed point)."""

import re

from hypothesis import strategies as st

from fuzzlib import Target, mutated
from wispd.config import wpaconf
from wispd.config.fields import GLOBAL_FIELDS, NETWORK_FIELDS, ConfigError

FILENAME = "fuzz.conf"
_WHERE = re.compile(r"%s:\d+: " % re.escape(FILENAME))

# Values that sit on the validators' edges, and characters that upset line parsers.
_VALUES = ('"cafe"', '""', '"a#b"', '"a"#b"', 'P"a\\x00b\\n"', 'P"\\"', "6361666", "636166",
           '"0123456789012345678901234567890123"', '"correct horse"', '"short"',
           "0" * 64, "NULL", "any", "02:00:00:00:00:01", "WPA-PSK SAE", "RSN WPA2",
           "CCMP TKIP", "WEP40", "2412 5180", "0x10", "-1", "077", "08", " 1", "1 ",
           "exponential:3:300", "DIR=/run/x GROUP=", "DIR=/run/x GROUP=netdev", "us",
           "\u00e9t\u00e9", "\u00b2", "\u0663", "\t", "#", '"#"', '"', "\\", "={", "}")
_KEYS = tuple(NETWORK_FIELDS) + tuple(GLOBAL_FIELDS) + ("eap", "identity", "pmf", "bgscan",
                                                        "tx_queue_x", "bogus", "", " ssid")
_value = st.sampled_from(_VALUES) | st.text(alphabet=st.sampled_from(
    'aZ09 "#\\P=x{}\t\r\u00e9\u2603\x00\x7f:-'), max_size=20)
_assign = st.tuples(st.sampled_from(_KEYS), _value).map(lambda kv: "%s=%s" % kv)
_junk = st.sampled_from(("# comment", "", "   ", "}", "network={", "cred={", "blob-base64-x={",
                         "\tssid=\"x\" # trailing", "noequals"))
_line = _assign | _junk
_block = st.tuples(st.sampled_from(("network={", "cred={", "blob-base64-b={")),
                   st.lists(_line, max_size=6), st.booleans()).map(
    lambda t: "\n".join([t[0]] + ["\t" + x for x in t[1]] + (["}"] if t[2] else [])))
_document = st.lists(_line | _block, max_size=10).map(lambda ls: "\n".join(ls) + "\n")


def typed_view(cfg):
    """Everything the daemon reads through the typed accessors."""
    out = [cfg.ctrl_dir, cfg.ctrl_group, cfg.update_config, cfg.country, cfg.ap_scan,
           cfg.autoscan, cfg.sae_pwe]
    for n in cfg.networks:
        out.append((n.ssid_bytes, n.passphrase, n.psk_bytes, n.sae_password, n.key_mgmt,
                    n.proto, n.pairwise, n.group, n.priority, n.disabled, n.scan_ssid,
                    n.bssid, n.ieee80211w, n.id_str, n.scan_freq, n.freq_list))
    return out


class ConfigTarget(Target):
    name = "config"

    def strategy(self):
        seeds = [v for _, v in self.corpus()]
        return mutated(seeds) | _document.map(lambda s: s.encode("utf-8", "surrogatepass"))

    def check(self, data):
        try:
            cfg = wpaconf.parse(data, FILENAME)
        except ConfigError as e:
            assert _WHERE.match(str(e)), "error without FILE:LINE: %r" % str(e)
            return
        typed_view(cfg)
        text = wpaconf.dump(cfg)
        try:
            again = wpaconf.parse(text, "dumped.conf")
        except ConfigError as e:
            raise AssertionError("written config does not parse back: %s\n%s" % (e, text))
        assert again == cfg, "round trip changed the config:\n%r\n%r" % (cfg, again)
        assert wpaconf.dump(again) == text
