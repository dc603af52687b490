#!/bin/sh
#
# Post-build for every WISPD defconfig: $1 is the target directory.
# WISPD_BOOT_DEVICE (set by the board wrappers) is the boot partition that
# S40wispd mounts to look for wispd.toml when nothing else mounts it.
#
set -e

TARGET_DIR=$1

# Secrets live in the config: owner-only, whatever the overlay's git mode.
if [ -f "$TARGET_DIR/etc/wispd/wispd.conf" ]; then
	chmod 0600 "$TARGET_DIR/etc/wispd/wispd.conf"
fi
chmod 0755 "$TARGET_DIR/etc/init.d/S40wispd" \
	"$TARGET_DIR/usr/libexec/wispd/wispd-supervise" "$TARGET_DIR/etc/wispd/hook.sh"
mkdir -p "$TARGET_DIR/var/lib/wispd" "$TARGET_DIR/boot"
chmod 0700 "$TARGET_DIR/var/lib/wispd"

if [ -n "$WISPD_BOOT_DEVICE" ]; then
	sed -i "s|^BOOT_DEVICE=.*|BOOT_DEVICE=\"$WISPD_BOOT_DEVICE\"|" \
		"$TARGET_DIR/etc/default/wispd"
fi
