"""The TOML provisioning loader (provisionfile.parse, then provision.run as the
boot does it) on wispd.toml and custom.toml files, whole, mutated, and cut
off at every byte (a half-written file on a FAT partition).

Properties: parse raises only ProvisionError, naming the file; run() never
raises; a rejected file leaves the persistent config byte for byte as it was;
an applied one leaves a config that loads and holds every provisioned SSID."""

import os
import shutil
import tempfile

from hypothesis import strategies as st

from daemon_fuzz import TMPFS
from fuzzlib import Target, mutated
from wispd.config import provision, provisionfile, wpaconf

# The persistent config the file is applied over: it has a network of its own.
OLD_CONF = ('ctrl_interface=/var/run/wpa_supplicant\nupdate_config=1\n\nnetwork={\n'
            '\tssid="old"\n\tkey_mgmt=NONE\n}\n')

_STRINGS = ('"home"', '"correct horse"', '"short"', '"SAE"', '["WPA-PSK", "SAE"]', '[]',
            '"NONE"', '"02:00:00:00:01:00"', '"merge"', '"replace"', '"gb"', '"a b"',
            '"' + "0" * 64 + '"', "'lit\"eral'", '"\\u00e9"', '"\\"#\\""', '"x\\tz"',
            '"""multi\nline"""', "1", "0", "-5", "99999999999999999999", "true", "false",
            "1.5", "inf", "1979-05-27", "{ ssid = \"x\" }", '""')
_KEYS = provisionfile.TOP_KEYS + provisionfile.NETWORK_KEYS + provisionfile.WLAN_KEYS + ("bogus",)
_pair = st.tuples(st.sampled_from(_KEYS), st.sampled_from(_STRINGS) | st.text(max_size=10).map(
    lambda s: '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"'))).map(lambda kv: "%s = %s" % kv)
_header = st.sampled_from(("[[network]]", "[control]", "[wlan]", "[network]", "[[wlan]]"))
_document = st.lists(_pair | _header, max_size=12).map(
    lambda ls: ("version = 1\n" + "\n".join(ls) + "\n").encode())


def _cut(seed):
    return st.integers(0, len(seed)).map(lambda i: seed[:i])


class ProvisionTarget(Target):
    name = "provision"
    # Passphrases are turned into PSKs (PBKDF2, 4096 rounds in pure Python).
    slow_seconds = 3.0

    def decode(self, data, filename):
        return ("custom.toml" if filename.startswith("custom") else "wispd.toml", data)

    def encode(self, value):
        return value[1]

    def strategy(self):
        seeds = self.seeds_by_kind()
        return st.one_of([
            st.tuples(st.just(kind),
                      st.sampled_from(data).flatmap(_cut) | mutated(data) | _document)
            for kind, data in sorted(seeds.items())])

    def setup(self):
        self.dir = tempfile.mkdtemp(prefix="wispd-fuzz-prov-", dir=TMPFS)

    def teardown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def check(self, value):
        kind, data = value
        try:
            prov = provisionfile.parse(data, "/boot/" + kind, kind)
        except provisionfile.ProvisionError as e:
            assert str(e).startswith(kind + ": "), "error does not name the file: %r" % str(e)
            prov = None
        conf = os.path.join(self.dir, "wispd.conf")
        state = os.path.join(self.dir, "state")
        boot = os.path.join(self.dir, kind)
        with open(conf, "w") as f:
            f.write(OLD_CONF)
        with open(boot, "wb") as f:
            f.write(data)
        shutil.rmtree(state, ignore_errors=True)
        result, msg = provision.run(boot, conf, state, keep=True, out=_Null())
        with open(conf) as f:
            after = f.read()
        if result == "error":
            assert prov is None, "run() refused what parse() accepted: %s" % msg
            assert after == OLD_CONF, "a rejected file changed the config"
            assert msg.startswith(kind + ": ")
            return
        assert result == "applied" and prov is not None, (result, msg)
        cfg = wpaconf.load(conf)
        ssids = {n.ssid_bytes for n in cfg.networks}
        for net in prov.networks:
            assert net.ssid_bytes in ssids
        assert provision.last_result(state)["result"] == "applied"


class _Null:
    def write(self, text):
        pass

    def flush(self):
        pass
