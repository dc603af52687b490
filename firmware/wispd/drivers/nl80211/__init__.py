"""The nl80211 driver: generic netlink through pyroute2's message classes.
"""
