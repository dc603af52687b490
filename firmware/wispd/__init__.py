"""wispd: a lean, single-process WiFi supplicant for small Linux boards."""

__version__ = "0.1.0"
