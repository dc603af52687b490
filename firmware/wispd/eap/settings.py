"""What the EAP peer needs of a network block, as plain objects that import
nothing heavy (core/eapauth.py builds them from the configuration)."""

from wispd.eap.packet import TYPE_PEAP, TYPE_TLS, TYPE_TTLS


class TlsSettings:
    """What the TLS client needs of the network's configuration."""
    __slots__ = ("ca_cert", "client_cert", "private_key", "private_key_passwd",
                 "domain_suffix_match", "domain_match", "altsubject_match", "tls13")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.pop(name, None))
        if fields:
            raise TypeError("unknown TLS settings %s" % sorted(fields))


class EapSettings:
    """What the peer needs of a network block (core/eapauth.py fills it)."""
    __slots__ = ("methods", "identity", "anonymous_identity", "password", "nt_hash", "tls",
                 "phase1", "phase2", "fragment_size")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.pop(name, None))
        if fields:
            raise TypeError("unknown EAP settings %s" % sorted(fields))
        self.methods = list(self.methods or (TYPE_TLS, TYPE_PEAP, TYPE_TTLS))

    def option(self, text, name):
        """phase1/phase2 "name=value" lookup (space-separated, as wpa_supplicant)."""
        for tok in (text or "").replace('"', " ").split():
            key, _, value = tok.partition("=")
            if key == name:
                return value
        return None
