#!/bin/sh
#
# buildroot-check.sh BUILDROOT [OUTPUT_BASE]
#
# Validates the WISPD BR2_EXTERNAL tree against a Buildroot checkout, offline
# (no downloads, no builds):
#  1. every configs/*_defconfig loads, and savedefconfig gives it back
#     unchanged (Kconfig silently drops symbols whose dependencies are unmet);
#  2. the loaded .config has what wispd needs (package, runtime deps, python3
#     ssl/hashlib, the overlay);
#  3. utils/check-package -b over the package, defconfigs, board files;
#  4. printvars and show-info for the package.
#
set -e

BUILDROOT=$1
if [ -z "$BUILDROOT" ] || [ ! -f "$BUILDROOT/Config.in" ]; then
	echo "usage: $0 /path/to/buildroot [output-base]" >&2
	exit 2
fi
BUILDROOT=$(cd "$BUILDROOT" && pwd)
EXTERNAL=$(cd "$(dirname "$0")/.." && pwd)
OUT_BASE=${2:-${TMPDIR:-/tmp}/wispd-buildroot-check}
mkdir -p "$OUT_BASE"

brmake() {
	make -s -C "$BUILDROOT" O="$out" BR2_EXTERNAL="$EXTERNAL" "$@"
}

version=$(make -s -C "$BUILDROOT" print-version 2>/dev/null || true)
echo "buildroot-check: Buildroot $version ($BUILDROOT)"
if git -C "$BUILDROOT" rev-parse --short HEAD >/dev/null 2>&1; then
	echo "buildroot-check: commit $(git -C "$BUILDROOT" describe --tags --always)"
fi

fail=0
for defconfig in "$EXTERNAL"/configs/*_defconfig; do
	name=$(basename "$defconfig")
	out="$OUT_BASE/${name%_defconfig}"
	rm -rf "$out"
	echo "== $name"
	brmake "$name" >"$out.log" 2>&1 || { cat "$out.log"; fail=1; continue; }
	brmake savedefconfig BR2_DEFCONFIG="$out/saved_defconfig" >>"$out.log" 2>&1
	if ! diff -u "$defconfig" "$out/saved_defconfig"; then
		echo "FAIL: $name: savedefconfig differs (a symbol was dropped or is redundant)"
		fail=1
	fi
	for sym in BR2_PACKAGE_WISPD BR2_PACKAGE_PYTHON3 BR2_PACKAGE_PYTHON3_SSL \
		BR2_PACKAGE_PYTHON_PYROUTE2 BR2_PACKAGE_PYTHON_MSGPACK BR2_PACKAGE_WIRELESS_REGDB \
		BR2_LINUX_KERNEL; do
		if ! grep -q "^$sym=y\$" "$out/.config"; then
			echo "FAIL: $name: $sym is not set"
			fail=1
		fi
	done
	for key in BR2_ROOTFS_OVERLAY BR2_ROOTFS_POST_BUILD_SCRIPT \
		BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES; do
		if ! grep "^$key=" "$out/.config" | grep -q 'BR2_EXTERNAL_WISPD_PATH'; then
			echo "FAIL: $name: $key does not use the WISPD tree"
			fail=1
		fi
	done
	brmake printvars VARS='WISPD_SITE WISPD_SITE_METHOD WISPD_SETUP_TYPE WISPD_VERSION WISPD_DEPENDENCIES' \
		2>&1 | sed 's/^/  /'
	if ! brmake wispd-show-info >"$out/show-info.json" 2>>"$out.log" ||
		! grep -q '"wispd"' "$out/show-info.json"; then
		echo "FAIL: $name: wispd-show-info"
		fail=1
	else
		echo "  show-info: $(wc -c <"$out/show-info.json") bytes of JSON for wispd"
	fi
done

# check-package needs python3 with the magic and flake8 modules.
python=python3
if ! "$python" -c 'import magic, flake8' 2>/dev/null; then
	python=/usr/bin/python3
fi
echo "== check-package -b"
(cd "$EXTERNAL" && "$python" "$BUILDROOT/utils/check-package" -b \
	Config.in external.mk external.desc package/wispd/* configs/* \
	board/wispd/*.sh board/wispd/*/*.sh board/wispd/*.fragment board/wispd/*/*.fragment) ||
	fail=1

if [ "$fail" -ne 0 ]; then
	echo "buildroot-check: FAILED"
	exit 1
fi
echo "buildroot-check: OK"
