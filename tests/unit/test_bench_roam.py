"""bench/roam_bench.py: the pure parts of the roam rows (probe frames, which
arrival counts, the BTM request), no radios."""
import os
import struct
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
sys.path.insert(0, os.path.join(HERE, "..", "hwsim"))

import roam_bench  # noqa: E402

DST = bytes.fromhex("020000000400")
SRC = bytes.fromhex("020000000200")
TOKEN = b"\x01\x02\x03\x04\x05\x06"


def test_probe_frame_round_trip():
    frame = roam_bench.probe_frame(DST, SRC, TOKEN, 41, 1234.5678)
    assert len(frame) == 60                     # Ethernet minimum, padded
    assert frame[:6] == DST and frame[6:12] == SRC
    assert struct.unpack("!H", frame[12:14])[0] == 0x88B5
    assert roam_bench.parse_probe(frame, TOKEN) == (41, 1234.5678)


def test_foreign_frames_are_not_probes():
    frame = roam_bench.probe_frame(DST, SRC, TOKEN, 1, 1.0)
    assert roam_bench.parse_probe(frame, b"\x00" * 6) is None          # another run's
    assert roam_bench.parse_probe(frame[:12] + b"\x88\x8e" + frame[14:], TOKEN) is None
    assert roam_bench.parse_probe(frame[:14 + len(roam_bench.MAGIC) + 8], TOKEN) is None
    assert roam_bench.parse_probe(b"", TOKEN) is None
    assert roam_bench.parse_probe(b"\x00" * 13, TOKEN) is None


def test_first_after_skips_frames_sent_before_the_trigger():
    # (arrived, sent): a frame in flight at the trigger (sent 9.9) arrives
    # after it but does not count; the first one sent at or after 10.0 does.
    arrivals = [(10.05, 9.9), (10.40, 10.1), (10.41, 10.2)]
    assert roam_bench.first_after(arrivals, 10.0) == (10.40, 10.1)
    assert roam_bench.first_after(arrivals, 10.3) is None
    assert roam_bench.first_after([], 0.0) is None


def test_btm_request_names_one_preferred_candidate():
    class Target:
        conf = {"channel": 11}
        bssid = "02:00:00:00:04:00"
    req = roam_bench.btm_request("02:00:00:00:02:00", Target)
    assert req.split() == ["BSS_TM_REQ", "02:00:00:00:02:00", "pref=1", "disassoc_imminent=1",
                           "disassoc_timer=100",
                           "neighbor=02:00:00:00:04:00,143,81,11,7,0301ff"]


def test_ft_aps_share_a_mobility_domain_with_distinct_key_holders():
    a = roam_bench.ap_conf("ft", 6, 1)
    b = roam_bench.ap_conf("ft", 11, 2)
    assert a["wpa_key_mgmt"] == b["wpa_key_mgmt"] == "FT-PSK"
    assert a["mobility_domain"] == b["mobility_domain"]
    assert a["r1_key_holder"] != b["r1_key_holder"]
    assert a["nas_identifier"] != b["nas_identifier"]
    plain = roam_bench.ap_conf("psk", 6, 1)
    assert plain["wpa_key_mgmt"] == "WPA-PSK" and "mobility_domain" not in plain
    assert plain["bss_transition"] == 1
