"""The wext driver: wireless-extensions ioctls and RTM_NEWLINK wireless events.
"""
