#!/bin/sh
# Raspberry Pi: the FAT boot partition is the SD card's first partition.
WISPD_BOOT_DEVICE=/dev/mmcblk0p1
export WISPD_BOOT_DEVICE
exec "$(dirname "$0")/../common/post-build.sh" "$@"
