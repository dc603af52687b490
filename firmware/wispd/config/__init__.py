"""Configuration: the model of global settings and networks, its fields, the
wpa_supplicant.conf reader and writer, TOML provisioning and remembered frequencies.
"""
