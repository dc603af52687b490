# Stage 2 (PID 1 in the guest, host's /bin/sh): finish the mounts, run the job
# the host runner wrote to the results share, record its exit code, power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=${TERM:-vt100}
for x in $(cat /proc/cmdline); do
    case "$x" in
        wispd.results=*) RESULTS="${x#*=}" ;;
        wispd.modules=*) MODULES="${x#*=}" ;;
        wispd.init=*) REPO="${x#*=}"; REPO="${REPO%/tests/hwsim/guest/init2.sh}" ;;
        wispd.data=*) DATA="${x#*=}" ;;
    esac
done
poweroff_now() {
    sync
    # A clean unmount, so the host sees a clean file system after a normal end.
    [ -n "$DATA" ] && umount "$DATA" 2>/dev/null
    echo o > /proc/sysrq-trigger
    # The power-off runs asynchronously. PID 1 must not exit meanwhile (the
    # kernel panics "Attempted to kill init"), and an external `sleep` can fail
    # with EIO as the 9p root goes away, so wait in the shell itself.
    while :; do :; done
}
# The guest's /tmp and /run are its own; guest scripts live elsewhere.  A
# checkout (or results folder) that lives under the host's /tmp, as a CI clone
# may, is carried over onto the new /tmp so the guest still sees it.
mkdir -p /var/lib/wispd-hosttmp
mount --rbind /tmp /var/lib/wispd-hosttmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
for d in "$REPO" "$RESULTS"; do
    case "$d" in
        /tmp/*) mkdir -p "$d" && mount --rbind "/var/lib/wispd-hosttmp/${d#/tmp/}" "$d" ;;
    esac
done
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /dev/shm /lib/modules /var/run /var/log /var/tmp
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount --bind "$MODULES" /lib/modules || echo "WISPD-TESTBED: cannot bind $MODULES"
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up 2>/dev/null
hostname wispd-hwsim 2>/dev/null
echo "WISPD-TESTBED: guest up ($(uname -r))"
# The data disk (testbed.py --data-disk): the virtio disk with serial
# wispd-data, ext4, mounted on $DATA as a device mounts its data partition
# (after a power cut the mount replays the journal). noauto_da_alloc: without
# it ext4 flushes a file renamed over another on its own, which would hide a
# missing fsync in the code under test; other file systems offer no such net.
# A failed mount is reported, not fatal: the job decides what it means.
if [ -n "$DATA" ]; then
    modprobe virtio_blk && modprobe ext4
    dev=
    for s in /sys/block/vd*/serial; do
        [ "$(cat "$s" 2>/dev/null)" = wispd-data ] && dev="/dev/$(basename "$(dirname "$s")")"
    done
    mkdir -p "$DATA"
    if [ -n "$dev" ] && mount -t ext4 -o noauto_da_alloc "$dev" "$DATA"; then
        echo "WISPD-TESTBED: data disk $dev mounted on $DATA"
    else
        echo "WISPD-TESTBED: data disk NOT mounted on $DATA (device: ${dev:-none})"
    fi
fi
if [ ! -f "$RESULTS/job.sh" ]; then
    echo "WISPD-TESTBED: FATAL: no job.sh in $RESULTS"
    poweroff_now
fi
sh "$RESULTS/job.sh"
rc=$?
dmesg > "$RESULTS/dmesg.log" 2>&1
echo "$rc" > "$RESULTS/rc"
echo "WISPD-TESTBED: exit rc=$rc"
poweroff_now
