"""Runs hostap's run-tests.py unchanged, with the DATA_TEST shim installed.

    runner.py HWSIM_DIR [run-tests.py arguments]
"""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def alias_cryptodome():
    """test_ap_psk and test_ap_wps import `Crypto.Cipher`; Debian's
    python3-pycryptodome installs the same library as `Cryptodome`.  Without
    the module run-tests.py stops at its imports, for both supplicants."""
    try:
        import Crypto.Cipher  # noqa: F401
        return
    except ImportError:
        pass
    import Cryptodome
    import Cryptodome.Cipher
    import Cryptodome.Cipher.AES
    sys.modules["Crypto"] = Cryptodome
    sys.modules["Crypto.Cipher"] = Cryptodome.Cipher
    sys.modules["Crypto.Cipher.AES"] = Cryptodome.Cipher.AES


def main():
    hwsim = os.path.abspath(sys.argv[1])
    script = os.path.join(hwsim, "run-tests.py")
    sys.argv = [script] + sys.argv[2:]
    sys.path.insert(0, hwsim)
    sys.path.insert(1, HERE)
    # run-tests.py adds ../../wpaspy itself, but only once it runs; the shim
    # imports wpasupplicant (which needs wpaspy) before that.
    sys.path.append(os.path.join(hwsim, "..", "..", "wpaspy"))
    alias_cryptodome()
    import datatest
    import wpasupplicant
    datatest.install(wpasupplicant.WpaSupplicant)
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
