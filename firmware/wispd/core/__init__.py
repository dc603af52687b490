"""The core: one station per interface, its states, scanning, connection attempts,
the BSS table, selection and security policy.  It sees drivers only through
wispd.drivers.ops and hands typed notifications (core.notify) to its subscribers.
"""
