"""The wext driver: wireless-extensions ioctls and RTM_NEWLINK wireless events.
driver.py (WextDriver), connect.py (joining and leaving a BSS), ioctl.py (the
iwreq plumbing), scan.py (scan results and wireless events, sans-IO), abi.py.
"""
