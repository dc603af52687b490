"""RSN: the WPA2/WPA3 key machinery, sans-IO.

    defs       suite selectors, key kinds and element IDs, shared with drivers and core
    aes        AES block cipher, RFC 3394 key wrap, AES-CMAC
    kdf        HMAC (no OpenSSL), PBKDF2/PSK, 802.11 PRF and KDF, PTK, PMKID
    ie         information elements: RSN/WPA IE build and parse, suite selection, KDEs
    eapol      EAPOL-Key frames: parse, build, MIC
    handshake  EapolKeySupplicant: the 4-way and group key handshakes
    ecc        P-256 and P-384 arithmetic for SAE
    saecrypto  SAE math: password element, commit, keys, confirm
    sae        SaeSupplicant: the SAE commit/confirm exchange
    pmksa      the in-memory PMKSA cache
    wnm        802.11v BSS Transition Management frames, 802.11k neighbor reports

Nothing here opens a socket: bytes in, actions out. Imports stay inside rsn/
and the standard library (tests/unit/test_layers.py).
"""
