"""Drivers: one ops interface (ops.py), the typed events drivers report (events.py),
and the nl80211 and wext implementations.  Drivers import neither control/ nor
the core.
"""
