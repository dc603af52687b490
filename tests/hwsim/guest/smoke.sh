# Smoke check of the testbed: radios appear, tools run, python + venv work.
set -e
modprobe mac80211_hwsim radios=2
iw dev
rfkill list | head -4
python_bin="$WISPD_REPO/.venv/bin/python"
"$python_bin" -c 'import sys, pyroute2, pytest; print("venv ok", sys.version.split()[0])'
echo "smoke ok"
