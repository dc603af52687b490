"""The EAP peer (IEEE 802.1X-2020, RFC 3748), sans-IO: EAP packets in, actions out.

Modules, bottom up:
    packet     EAP and EAPOL framing, codes, method numbers
    md4, des   the two legacy primitives MSCHAPv2 needs (ours: see md4.py)
    mschapv2   RFC 2759 crypto and the EAP-MSCHAPv2 method
    tlslink    the TLS session over memory BIOs (pyOpenSSL) and the server
               certificate checks; imported only when a TLS method runs
    tlsframe   fragmentation and reassembly of TLS-based methods (L, M, S bits)
    tlsmethods EAP-TLS (RFC 5216, RFC 9190)
    peap       PEAPv0 with EAP-MSCHAPv2 inside and the Result TLV
    ttls       EAP-TTLS (RFC 5281) with PAP or MSCHAPv2 inside
    peer       the peer state machine: Identity, Notification, Nak, methods,
               Success/Failure, and the typed events it reports
"""
