"""The numbers of IEEE 802.11 that the handshakes, the element parsers, the core
and the drivers all speak: suite selectors, key kinds and element IDs.

They live in rsn/ because rsn/ is the bottom of the stack (sans-IO, imports only
itself and the standard library); drivers and the core import them from here.
"""

# Cipher suite selectors as 32-bit OUI:type values (IEEE 802.11-2020 9.4.2.24.2).
CIPHER_NONE = 0
CIPHER_WEP40 = 0x000FAC01
CIPHER_TKIP = 0x000FAC02
CIPHER_CCMP = 0x000FAC04
CIPHER_WEP104 = 0x000FAC05
CIPHER_BIP_CMAC_128 = 0x000FAC06
CIPHER_GCMP = 0x000FAC08
CIPHER_GCMP_256 = 0x000FAC09
CIPHER_CCMP_256 = 0x000FAC0A

# AKM suite selectors.
AKM_8021X = 0x000FAC01
AKM_PSK = 0x000FAC02
AKM_PSK_SHA256 = 0x000FAC06
AKM_8021X_SHA256 = 0x000FAC05
AKM_SAE = 0x000FAC08
AKM_FT_PSK = 0x000FAC04        # 802.11r FT-PSK (rsn/ft.py)
AKM_FT_SAE = 0x000FAC09        # 802.11r FT-SAE: SAE's PMK as XXKey, SHA-256

# Which key an InstallKey action (and the driver's set_key) is about.
KEY_PAIRWISE = "pairwise"
KEY_GROUP = "group"
KEY_IGTK = "igtk"

# Element IDs (IEEE 802.11-2020 9.4.2.1).
EID_SSID = 0
EID_SUPP_RATES = 1
EID_DS_PARAMS = 3
EID_COUNTRY = 7
EID_HT_CAP = 45
EID_RSN = 48
EID_EXT_SUPP_RATES = 50
EID_MDE = 54
EID_FTE = 55
EID_VHT_CAP = 191
EID_VENDOR = 221
EID_RSNX = 244
EID_EXTENSION = 255
