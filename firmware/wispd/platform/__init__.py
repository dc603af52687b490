"""What the process runs on: the eloop, sockets to the kernel (l2, netlink, rtnetlink,
rfkill, sock_diag), the interface lock and logging.  Nothing here knows about WiFi
policy.
"""
