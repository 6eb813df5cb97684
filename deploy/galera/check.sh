#!/bin/sh
# HAProxy external check: $3 is the node's address, $4 its port. Healthy
# means the node answers and Galera says it is Synced (wsrep_local_state 4).
state=$(mariadb --connect-timeout=1 -h "$3" -P "$4" -u haproxy_check -N -B \
	-e "SHOW STATUS LIKE 'wsrep_local_state'" 2>/dev/null | cut -f2)
[ "$state" = 4 ]
