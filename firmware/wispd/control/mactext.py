"""The text form of a MAC address (BSSIDs, our own address), as wpa_supplicant
writes it: six lowercase hex pairs joined by colons.

The wpa_ctrl codec writes addresses into replies and event lines; it has its
own copy of this one-liner so that rendering text never reaches into the
core's BSS table (tests/unit/test_layers.py keeps codecs off the core).
"""


def mac_txt(addr):
    """b"\\x02\\0\\0\\0\\0\\x01" -> "02:00:00:00:00:01"."""
    return ":".join("%02x" % b for b in addr)
