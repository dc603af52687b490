"""RSN: the WPA2/WPA3 key machinery, sans-IO.

    aes        AES block cipher, RFC 3394 key wrap, AES-CMAC
    kdf        HMAC (no OpenSSL), PBKDF2/PSK, 802.11 PRF and KDF, PTK, PMKID
    ie         information elements: RSN/WPA IE build and parse, suite selection, KDEs
    eapol      EAPOL-Key frames: parse, build, MIC
    handshake  EapolKeySupplicant: the 4-way and group key handshakes

Nothing here opens a socket: bytes in, actions out.
"""
