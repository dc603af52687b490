"""Action frames over nl80211 (drivers/nl80211/frames.py): the registration the
driver asks for, frames in as ActionFrame events, the response out."""

from wispd.drivers import events as ev
from wispd.drivers.nl80211 import frames
from wispd.drivers.nl80211 import msgs as m

AP = bytes.fromhex("020000000100")
OWN = bytes.fromhex("020000000200")


class Driver:
    ifname = "wlan0"
    mac = OWN

    def __init__(self):
        self.posted = []
        self.events = []

    def post(self, cmd, attrs, on_done=None):
        self.posted.append((cmd, dict(attrs)))

    def emit(self, event):
        self.events.append(event)


def test_header_round_trip_and_non_action_frames():
    frame = frames.action_header(AP, OWN, AP) + b"\x0a\x07\x01"
    assert len(frame) == 27 and frame[:2] == b"\xd0\x00"
    assert frames.parse_action(frame) == (OWN, AP, b"\x0a\x07\x01")
    assert frames.parse_action(b"\xb0\x00" + frame[2:]) is None     # authentication
    assert frames.parse_action(frame[:25]) is None


def test_registers_for_btm_requests_and_neighbor_reports_and_reports_them():
    d = Driver()
    a = frames.ActionFrames(d)
    a.register()
    assert d.posted == [(m.CMD_REGISTER_FRAME, {"FRAME_TYPE": 0x00D0,
                                                "FRAME_MATCH": b"\x0a\x07"}),
                        (m.CMD_REGISTER_FRAME, {"FRAME_TYPE": 0x00D0,
                                                "FRAME_MATCH": b"\x05\x05"})]
    a.on_frame(None, {"FRAME": frames.action_header(OWN, AP, AP) + b"\x0a\x07\x05",
                      "WIPHY_FREQ": 2412})
    a.on_frame(None, {"FRAME": b"\xd0\x00"})
    assert d.events == [ev.ActionFrame(src=AP, bssid=AP, freq=2412, data=b"\x0a\x07\x05")]


def test_send_builds_a_frame_to_the_bss():
    d = Driver()
    frames.ActionFrames(d).send(AP, 2437, b"\x0a\x08\x05\x00\x00" + AP)
    cmd, attrs = d.posted[0]
    assert cmd == m.CMD_FRAME and attrs["WIPHY_FREQ"] == 2437
    assert attrs["FRAME"] == frames.action_header(AP, OWN, AP) + b"\x0a\x08\x05\x00\x00" + AP
