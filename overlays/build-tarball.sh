#!/bin/sh
#
# build-tarball.sh PYTHON OUTDIR
#
# The installable overlay for boards built by other means: the rootfs tree
# (overlays/rootfs), the systemd unit, and wispd's wheel, as one tarball with
# owners root:root and the right modes (wispd.conf 0600). On the board:
#   tar -xzf wispd-overlay-VERSION.tar.gz -C /
#   python3 -m pip install /usr/share/wispd/wispd-*.whl   (or unpack it: a
#   wheel is a zip of the package; wispd needs pyroute2 and msgpack)
#
set -e

PYTHON=${1:-python3}
OUTDIR=${2:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
STAGE="$OUTDIR/overlay-stage"

rm -rf "$STAGE" "$OUTDIR/wheel"
# Offline with the venv's setuptools when it can build wheels, else pip's
# isolated build (fetches setuptools).
if ! "$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation -w "$OUTDIR/wheel" \
	"$REPO" 2>/dev/null; then
	"$PYTHON" -m pip wheel --quiet --no-deps -w "$OUTDIR/wheel" "$REPO"
fi
wheel=$(ls "$OUTDIR"/wheel/wispd-*.whl)
version=$(basename "$wheel" | cut -d- -f2)

mkdir -p "$STAGE"
cp -a "$HERE/rootfs/." "$STAGE/"
cp -a "$HERE/systemd/." "$STAGE/"
mkdir -p "$STAGE/usr/share/wispd" "$STAGE/usr/share/doc/wispd" "$STAGE/var/lib/wispd"
cp "$wheel" "$STAGE/usr/share/wispd/"
cp "$REPO/docs/provisioning.md" "$STAGE/usr/share/doc/wispd/"
find "$STAGE" -type d -exec chmod 0755 {} +
chmod 0600 "$STAGE/etc/wispd/wispd.conf"
chmod 0700 "$STAGE/var/lib/wispd"

tarball="$OUTDIR/wispd-overlay-$version.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
	-C "$STAGE" -czf "$tarball" .
rm -rf "$STAGE"
echo "$tarball"
