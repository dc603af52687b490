#!/bin/sh
#
# check.sh: lint what the overlays ship.
#  - shellcheck on every shell script (overlays, Buildroot board scripts);
#  - file modes as git records them (init scripts and hooks 100755);
#  - systemd-analyze verify on wispd@.service, in a throw-away root that has
#    the unit's binaries (they are not installed on a build host).
#
set -e

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
cd "$REPO"

scripts="overlays/rootfs/etc/init.d/S40wispd overlays/rootfs/etc/wispd/hook.sh
overlays/rootfs/usr/libexec/wispd/wispd-supervise overlays/rootfs/etc/default/wispd
overlays/build-tarball.sh overlays/check.sh buildroot/scripts/buildroot-check.sh
board/common/post-build.sh board/raspberrypi/post-build.sh"

echo "== shellcheck"
# shellcheck disable=SC2086 # one word per file
shellcheck -s sh $scripts
echo "shellcheck: clean ($(echo "$scripts" | wc -w) files)"

echo "== modes"
fail=0
for f in $scripts; do
	[ "$f" = overlays/rootfs/etc/default/wispd ] && continue
	mode=$(git ls-files -s "$f" | cut -d' ' -f1)
	if [ "$mode" != 100755 ]; then
		echo "FAIL: $f has mode ${mode:-untracked} in git, want 100755"
		fail=1
	fi
done
[ "$fail" -eq 0 ] && echo "modes: ok"

echo "== systemd-analyze verify"
if ! command -v systemd-analyze >/dev/null; then
	echo "systemd-analyze not installed (apt-get install systemd): not verified"
	exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp -r /lib/systemd/system "$root/usr/lib/systemd/"
printf '#!/bin/sh\n' >"$root/usr/bin/wispd"
chmod 755 "$root/usr/bin/wispd"
cp /bin/true "$root/usr/bin/python3"
cp /bin/kill "$root/bin/kill"
cp overlays/systemd/usr/lib/systemd/system/wispd@.service "$root/etc/systemd/system/"
systemd-analyze verify --root="$root" wispd@wlan0.service
echo "systemd-analyze verify: ok ($(systemd-analyze --version | head -n 1))"
exit "$fail"
