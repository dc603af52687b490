"""wispd.platform.l2 over the loopback interface: a frame sent with EtherType 0x888e comes
back to the callback with its source address; other EtherTypes do not."""
import os
import socket
import time

import pytest

from wispd.platform.eloop import Eloop
from wispd.platform.l2 import L2Packet


def test_eapol_over_loopback():
    if os.geteuid() != 0:
        pytest.fail("AF_PACKET needs root (CAP_NET_RAW); run the unit tests as root")
    loop = Eloop()
    got = []
    l2 = L2Packet(loop, "lo", lambda src, data: got.append((src, data)))
    other = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
    try:
        other.sendto(b"not eapol", ("lo", 0x88B5, 0, 0, b"\0" * 6))
        assert l2.send(b"\0" * 6, b"\x02\x03\x00\x05hello")
        deadline = time.monotonic() + 2
        while not got and time.monotonic() < deadline:
            loop.run_once(max_wait=0.1)
        assert got == [(b"\0" * 6, b"\x02\x03\x00\x05hello")]
    finally:
        other.close()
        l2.close()
        loop.close()


def test_missing_interface_raises():
    with pytest.raises(OSError):
        L2Packet(Eloop(), "wispdnone0", lambda src, data: None)
