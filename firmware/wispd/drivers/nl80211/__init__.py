"""The nl80211 driver: generic netlink through pyroute2's message classes.
driver.py (Nl80211Driver), scan.py, sme.py (joining and leaving a BSS),
wiphy.py (what the radio can do), msgs.py (the messages, sans-IO).
"""
