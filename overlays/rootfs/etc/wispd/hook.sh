#!/bin/sh
#
# wispd's connect/disconnect hook: hook.sh IFACE CONNECTED|DISCONNECTED
# (wpa_cli -a convention; WPA_ID, WPA_ID_STR, WPA_CTRL_DIR, WISPD_SSID and
# WISPD_BSSID in the environment). Gets an address with BusyBox udhcpc, then
# runs every executable in /etc/wispd/hooks.d/ with the same arguments.
#

IFACE=$1
EVENT=$2
DHCP="udhcpc"
# shellcheck source=/dev/null
[ -r /etc/default/wispd ] && . /etc/default/wispd

UDHCPC_PIDFILE="/var/run/udhcpc.$IFACE.pid"

udhcpc_running() {
	[ -f "$UDHCPC_PIDFILE" ] && kill -0 "$(cat "$UDHCPC_PIDFILE")" 2>/dev/null
}

case "$EVENT" in
	CONNECTED)
		if [ "$DHCP" = "udhcpc" ]; then
			if udhcpc_running; then
				# New link (roam or another network): renew the lease now.
				kill -USR1 "$(cat "$UDHCPC_PIDFILE")"
			else
				# In the background from the start (-b would first block
				# for the initial discover rounds and delay hooks.d).
				udhcpc -f -S -R -i "$IFACE" -p "$UDHCPC_PIDFILE" \
					</dev/null >/dev/null 2>&1 &
			fi
		fi
		;;
	DISCONNECTED)
		if [ "$DHCP" = "udhcpc" ] && udhcpc_running; then
			# -R above: the lease is released as udhcpc exits.
			kill -TERM "$(cat "$UDHCPC_PIDFILE")"
		fi
		;;
	*)
		echo "usage: $0 IFACE CONNECTED|DISCONNECTED" >&2
		exit 2
		;;
esac

for hook in /etc/wispd/hooks.d/*; do
	[ -x "$hook" ] && "$hook" "$IFACE" "$EVENT"
done
exit 0
