"""mac80211_hwsim radios: load/reset the module, list interfaces, and add or
delete radios at run time through the MAC80211_HWSIM generic netlink family
(raw sockets: a handful of messages does not need a netlink library)."""
from __future__ import annotations

import os
import socket
import struct
import subprocess
import time

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2

# include/uapi: drivers/net/wireless/mac80211_hwsim.h
HWSIM_CMD_NEW_RADIO = 4
HWSIM_CMD_DEL_RADIO = 5
HWSIM_ATTR_CHANNELS = 9
HWSIM_ATTR_RADIO_ID = 10
HWSIM_ATTR_RADIO_NAME = 17


class NetlinkError(Exception):
    pass


def _attr(atype: int, payload: bytes) -> bytes:
    a = struct.pack("=HH", 4 + len(payload), atype) + payload
    return a + b"\0" * (-len(a) % 4)


def _parse_attrs(data: bytes) -> dict:
    out = {}
    while len(data) >= 4:
        alen, atype = struct.unpack_from("=HH", data)
        if alen < 4:
            break
        out[atype & 0x3FFF] = data[4:alen]
        data = data[(alen + 3) & ~3:]
    return out


class GenlSocket:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.bind((0, 0))
        self.sock.settimeout(5.0)
        self.seq = int(time.time()) & 0xFFFF

    def close(self):
        self.sock.close()

    def request(self, family: int, cmd: int, attrs: bytes, version: int = 1):
        """Send one request with ACK; return (error_code, reply payloads)."""
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + attrs
        msg = struct.pack("=LHHLL", 16 + len(body), family, NLM_F_REQUEST | NLM_F_ACK,
                          self.seq, 0) + body
        self.sock.send(msg)
        replies = []
        while True:
            data = self.sock.recv(65536)
            while len(data) >= 16:
                mlen, mtype, _flags, seq, _pid = struct.unpack_from("=LHHLL", data)
                payload = data[16:mlen]
                data = data[(mlen + 3) & ~3:]
                if seq != self.seq:
                    continue
                if mtype == NLMSG_ERROR:
                    (err,) = struct.unpack_from("=i", payload)
                    return err, replies
                replies.append(payload[4:])      # skip genlmsghdr

    def family_id(self, name: str) -> int:
        err, replies = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                    _attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        for r in replies:
            attrs = _parse_attrs(r)
            if CTRL_ATTR_FAMILY_ID in attrs:
                return struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID][:2])[0]
        raise NetlinkError("generic netlink family %s not found (err %d)" % (name, err))


def wireless_interfaces() -> dict:
    """iface -> {'phy', 'mac', 'ifindex'} for every cfg80211 netdev."""
    out = {}
    for ifname in os.listdir("/sys/class/net"):
        base = os.path.join("/sys/class/net", ifname)
        phy = os.path.join(base, "phy80211", "name")
        if not os.path.exists(phy):
            continue
        with open(phy) as f:
            phyname = f.read().strip()
        with open(os.path.join(base, "address")) as f:
            mac = f.read().strip()
        with open(os.path.join(base, "ifindex")) as f:
            ifindex = int(f.read())
        out[ifname] = {"phy": phyname, "mac": mac, "ifindex": ifindex}
    return out


def run(cmd, check=True, timeout=30) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stdout))
    return r


STRAY_NAMES = ("hostapd", "wpa_supplicant", "hostapd_cli", "wpa_cli")


def kill_strays(timeout: float = 5.0) -> list:
    """SIGKILL leftover APs/supplicants in the guest (the VM is all ours)."""
    killed = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        name = os.path.basename(argv[0].decode(errors="replace"))
        # "python -m wispd ..." or "python .../bin/wispd ..." (the bench's
        # entry-point script), not e.g. "pytest ... --supplicant wispd"
        wispd = name.startswith("python") and (argv[1:3] == [b"-m", b"wispd"]
                                               or argv[1:2] != [] and argv[1].endswith(b"/bin/wispd"))
        if name in STRAY_NAMES or wispd:
            try:
                os.kill(int(pid), 9)
                killed.append((int(pid), name))
            except OSError:
                pass
    deadline = time.monotonic() + timeout
    while killed and time.monotonic() < deadline and any(
            os.path.exists("/proc/%d/cmdline" % p) and open("/proc/%d/cmdline" % p).read()
            for p, _ in killed):
        time.sleep(0.05)
    return killed


class HwsimRadios:
    """The simulated radios of one test. `ifaces` lists the module-created
    interfaces in radio order (wlan0, wlan1, ...)."""

    def __init__(self, count: int = 2):
        self.count = count
        self.ifaces = []
        self.added = {}           # radio id -> iface, for run-time radios

    def load(self, count: int = None) -> list:
        if count is not None:
            self.count = count
        self.unload()
        run(["modprobe", "mac80211_hwsim", "radios=%d" % self.count])
        deadline = time.monotonic() + 10
        while True:
            wl = wireless_interfaces()
            if len(wl) >= self.count:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("mac80211_hwsim radios=%d gave only %s" % (self.count, wl))
            time.sleep(0.05)
        self.ifaces = sorted(wl, key=lambda i: wl[i]["ifindex"])
        self.added = {}
        run(["rfkill", "unblock", "all"], check=False)
        return self.ifaces

    def unload(self) -> None:
        if os.path.exists("/sys/module/mac80211_hwsim"):
            # Retry: a just-killed hostapd may still hold a reference briefly.
            for _ in range(50):
                if run(["rmmod", "mac80211_hwsim"], check=False).returncode == 0:
                    break
                time.sleep(0.1)
            else:
                run(["rmmod", "mac80211_hwsim"])
        self.ifaces = []

    def reset(self, count: int = None) -> list:
        """Fresh radios. The fixtures stop their own processes; anything a test
        started by hand (wpa_supplicant -B, ...) is killed here."""
        kill_strays()
        return self.load(count)

    def mac(self, iface: str) -> str:
        return wireless_interfaces()[iface]["mac"]

    def phy(self, iface: str) -> str:
        return wireless_interfaces()[iface]["phy"]

    # -- hot plug through generic netlink
    def add_radio(self, name: str = None, timeout: float = 10.0) -> tuple:
        """Create one radio; returns (radio_id, iface)."""
        before = set(wireless_interfaces())
        attrs = b""
        if name:
            attrs += _attr(HWSIM_ATTR_RADIO_NAME, name.encode())
        g = GenlSocket()
        try:
            fam = g.family_id("MAC80211_HWSIM")
            err, _ = g.request(fam, HWSIM_CMD_NEW_RADIO, attrs)
        finally:
            g.close()
        if err < 0:
            raise NetlinkError("HWSIM_CMD_NEW_RADIO failed: %s" % os.strerror(-err))
        radio_id = err               # the kernel acks with the new radio's index
        deadline = time.monotonic() + timeout
        while True:
            new = set(wireless_interfaces()) - before
            if new:
                iface = new.pop()
                self.added[radio_id] = iface
                return radio_id, iface
            if time.monotonic() > deadline:
                raise RuntimeError("radio %d created but no interface appeared" % radio_id)
            time.sleep(0.05)

    def del_radio(self, radio_id: int, timeout: float = 10.0) -> None:
        iface = self.added.pop(radio_id, None)
        self._del(_attr(HWSIM_ATTR_RADIO_ID, struct.pack("=I", radio_id)), "radio %d" % radio_id,
                  iface, timeout)

    def del_radio_of(self, iface: str, timeout: float = 10.0) -> str:
        """Unplug the radio behind `iface` (module-created ones too): hwsim finds
        it by its wiphy name.  Returns that name."""
        phy = self.phy(iface)
        for radio_id, name in list(self.added.items()):
            if name == iface:
                del self.added[radio_id]
        self._del(_attr(HWSIM_ATTR_RADIO_NAME, phy.encode()), phy, iface, timeout)
        return phy

    def _del(self, attrs: bytes, what: str, iface: str, timeout: float) -> None:
        g = GenlSocket()
        try:
            fam = g.family_id("MAC80211_HWSIM")
            err, _ = g.request(fam, HWSIM_CMD_DEL_RADIO, attrs)
        finally:
            g.close()
        if err < 0:
            raise NetlinkError("HWSIM_CMD_DEL_RADIO %s failed: %s" % (what, os.strerror(-err)))
        deadline = time.monotonic() + timeout
        while iface and iface in wireless_interfaces():
            if time.monotonic() > deadline:
                raise RuntimeError("%s deleted but %s is still there" % (what, iface))
            time.sleep(0.05)
