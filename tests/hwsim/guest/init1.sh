#!/bin/busybox sh
# Stage 1 (inside the initramfs): load virtio/9p/overlay, mount the host root
# read-only with a tmpfs overlay on top, mount the results share at its host
# path, then switch_root into the host's own /bin/sh running guest/init2.sh.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

die() {
    echo "WISPD-TESTBED: FATAL (stage 1): $*"
    echo o > /proc/sysrq-trigger
    sleep 5
    exit 1
}

for m in $(cat /modules/order); do
    insmod /modules/$m.ko || die "insmod $m failed"
done

# Read our parameters now: /proc moves away below.
for x in $(cat /proc/cmdline); do
    case "$x" in
        wispd.init=*) INIT="${x#*=}" ;;
        wispd.results=*) RESULTS="${x#*=}" ;;
    esac
done
[ -n "$INIT" ] && [ -n "$RESULTS" ] || die "wispd.init / wispd.results missing on cmdline"

OPTS=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o ro,cache=loose,$OPTS hostroot /lower || die "mount hostroot (9p)"
mount -t tmpfs -o mode=0755 tmpfs /upper || die "mount tmpfs"
mkdir -p /upper/data /upper/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /newroot \
    || die "mount overlay"
mkdir -p "/newroot$RESULTS"
mount -t 9p -o $OPTS results "/newroot$RESULTS" || die "mount results share (9p)"
[ -x "/newroot/bin/sh" ] || die "host /bin/sh not visible"
for d in proc sys dev; do
    mkdir -p /newroot/$d
    mount --move /$d /newroot/$d || die "move /$d"
done
exec switch_root /newroot /bin/sh "$INIT"
