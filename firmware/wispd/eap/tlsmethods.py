"""EAP-TLS: RFC 5216 over TLS 1.2, RFC 9190 over TLS 1.3.

TLS 1.2: MSK = TLS-PRF-128(master secret, "client EAP encryption",
client.random || server.random)[0:64], which is the RFC 5705 exporter with that
label and no context.  TLS 1.3: MSK = TLS-Exporter("EXPORTER_EAP_TLS_Key_Material",
0x0D, 128)[0:64] (RFC 9190 2.3).  TLS 1.3 is off unless phase1 has
tls_disable_tlsv1_3=0, as in wpa_supplicant and hostapd 2.10 (both disable it by
default); the server's commitment message (one 0x00 byte of application data,
RFC 9190 2.5) is acknowledged with an empty response.
"""

from wispd.eap.tlsframe import TlsMethod

TYPE_TLS = 13
MSK_LEN = 64


class EapTls(TlsMethod):
    type = TYPE_TLS
    name = "TLS"

    def established(self):
        if self.link.tls13:
            keys = self.link.export(b"EXPORTER_EAP_TLS_Key_Material", 2 * MSK_LEN,
                                    bytes((TYPE_TLS,)))
        else:
            keys = self.link.export(b"client EAP encryption", MSK_LEN)
        self.msk = keys[:MSK_LEN]
        self.decision = "success"

    def app_data(self, data):
        # TLS 1.3's commitment message is a single 0x00 byte; anything else is
        # not EAP-TLS's business and is ignored, as wpa_supplicant does.
        pass
