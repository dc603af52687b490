"""The wpa_ctrl text protocol (UNIX datagram): what wpa_cli and wpaspy speak.
"""
