"""The one failure a command handler raises."""


class CommandError(Exception):
    """code: stable machine name (the compact protocol's error code, listed in
    docs/control-protocol.md); text: the wpa_ctrl reply ("FAIL", "FAIL-BUSY")."""

    def __init__(self, code, message="", text="FAIL"):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.text = text
