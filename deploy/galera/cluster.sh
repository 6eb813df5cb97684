#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on loopback, with HAProxy in front:
#
#   cluster.sh up        start what is not running; a fresh cluster when no node runs
#   cluster.sh down      stop HAProxy and the nodes cleanly
#   cluster.sh status    cluster size and each node's state
#   cluster.sh kill N    SIGKILL node N (1..3)
#   cluster.sh start N   start node N again; it rejoins and catches up
#   cluster.sh wait      wait until all three nodes are Synced
#
# Nodes listen on 127.0.0.1:3311-3313 (Galera 4571-4573, incremental state
# transfer 4581-4583, rsync state transfer 4591-4593); HAProxy on
# 127.0.0.1:3310 (deploy/haproxy/haproxy.cfg). Data, logs and the rendered
# configs live in .cluster/ at the repository root (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BASE=${ZNB_CLUSTER_DIR:-$ROOT/.cluster}
NODES=(1 2 3)

log() { printf 'cluster: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

# install gets the Debian packages the cluster needs when they are missing.
install() {
	local need=() p
	for p in mariadb-server mariadb-client galera-4 rsync haproxy lsof; do
		dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
	done
	((${#need[@]})) || return 0
	[ "$(id -u)" = 0 ] || die "missing packages ${need[*]}: sudo apt-get install ${need[*]}"
	log "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
}

dir() { echo "$BASE/node$1"; }
sql() { # sql N QUERY: run QUERY on node N over TCP
	mariadb --connect-timeout=2 -h 127.0.0.1 -P "331$1" -u root -N -B -e "$2" 2>/dev/null
}
# node.pid is written at launch: mariadbd writes its own pid file only
# after a state transfer.
pidof_node() {
	local f
	f="$(dir "$1")/node.pid"
	[ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
}
running() { pidof_node "$1" >/dev/null; }
state() { sql "$1" "SHOW STATUS LIKE 'wsrep_local_state_comment'" | cut -f2; }
size() { sql "$1" "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2; }

# render writes node N's config. The rsync daemon of a state transfer runs as
# the server's user (mysql), so the node's folder must belong to it; a
# world-writable config would be ignored.
render() {
	local d
	d=$(dir "$1")
	mkdir -p "$d/data"
	sed -e "s|@N@|$1|g" -e "s|@DIR@|$d|g" deploy/galera/node.cnf.tmpl >"$d/my.cnf"
	chmod 644 "$d/my.cnf"
	if [ "$(id -u)" = 0 ]; then
		chown -R mysql:mysql "$d"
	fi
}

launch() { # launch N [extra mariadbd flags]
	local n=$1 d
	shift
	d=$(dir "$n")
	setsid /usr/sbin/mariadbd --defaults-file="$d/my.cnf" "$@" </dev/null >>"$d/stdout.log" 2>&1 &
	echo $! >"$d/node.pid"
}

# synced N [seconds]: wait until node N is Synced.
synced() {
	local n=$1 t=${2:-180} i
	for ((i = 0; i < t; i++)); do
		[ "$(state "$n")" = Synced ] && return 0
		if ((i > 3)) && ! running "$n"; then
			tail -n 30 "$(dir "$n")/error.log" >&2 || true
			die "node$n stopped while starting (log above: $(dir "$n")/error.log)"
		fi
		sleep 1
	done
	tail -n 30 "$(dir "$n")/error.log" >&2 || true
	die "node$n not Synced after ${t}s"
}

bootstrap() {
	log "new cluster in $BASE"
	rm -rf "$BASE"
	mkdir -p "$BASE"
	chmod 755 "$BASE"
	render 1
	mariadb-install-db --no-defaults --datadir="$(dir 1)/data" --user=mysql \
		--auth-root-authentication-method=normal --skip-test-db >"$(dir 1)/install.log" 2>&1 ||
		die "mariadb-install-db failed: $(dir 1)/install.log"
	[ "$(id -u)" = 0 ] && chown -R mysql:mysql "$(dir 1)"
	launch 1 --wsrep-new-cluster
	local i
	for ((i = 0; i < 60; i++)); do
		[ -S "$(dir 1)/mysqld.sock" ] && mariadb -S "$(dir 1)/mysqld.sock" -u root -e 'SELECT 1' >/dev/null 2>&1 && break
		sleep 1
	done
	# root over TCP without a password, as on the single test server, and a
	# user with no rights for HAProxy's health check. Replicated to the
	# joiners by their state transfer.
	mariadb -S "$(dir 1)/mysqld.sock" -u root -e "
		CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
		GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
		CREATE USER IF NOT EXISTS 'haproxy_check'@'127.0.0.1' IDENTIFIED BY '';" ||
		die "node1 did not come up: $(dir 1)/error.log"
	synced 1
}

start_node() {
	local n=$1
	running "$n" && return 0
	render "$n"
	log "starting node$n"
	launch "$n"
}

haproxy_up() {
	if [ -s "$BASE/haproxy.pid" ] && kill -0 "$(cat "$BASE/haproxy.pid")" 2>/dev/null; then
		return 0
	fi
	ZNB_GALERA_CHECK="$ROOT/deploy/galera/check.sh" haproxy -D -p "$BASE/haproxy.pid" \
		-f deploy/haproxy/haproxy.cfg || die "haproxy failed to start"
	local i
	for ((i = 0; i < 30; i++)); do
		mariadb --connect-timeout=2 -h 127.0.0.1 -P 3310 -u root -N -B -e 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 1
	done
	die "HAProxy on 127.0.0.1:3310 does not reach a node"
}

wait_all() {
	local n i
	for n in "${NODES[@]}"; do synced "$n"; done
	for ((i = 0; i < 60; i++)); do
		[ "$(size 1)" = 3 ] && [ "$(size 2)" = 3 ] && [ "$(size 3)" = 3 ] && return 0
		sleep 1
	done
	die "wsrep_cluster_size is not 3"
}

up() {
	install
	local n any=
	for n in "${NODES[@]}"; do running "$n" && any=1; done
	[ -n "$any" ] || bootstrap
	for n in "${NODES[@]}"; do start_node "$n"; done
	wait_all
	haproxy_up
	status
}

down() {
	local n p i
	if [ -s "$BASE/haproxy.pid" ]; then
		kill "$(cat "$BASE/haproxy.pid")" 2>/dev/null || true
		rm -f "$BASE/haproxy.pid"
	fi
	# The last node to stop is the one a later bootstrap could start from.
	for n in 3 2 1; do
		p=$(pidof_node "$n") || continue
		log "stopping node$n"
		kill -TERM "$p"
		for ((i = 0; i < 120; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 1
		done
		kill -0 "$p" 2>/dev/null && die "node$n (pid $p) did not stop"
	done
	log "stopped"
}

status() {
	local n
	for n in "${NODES[@]}"; do
		if running "$n"; then
			printf 'node%s 127.0.0.1:331%s pid %s %s cluster_size=%s\n' "$n" "$n" "$(pidof_node "$n")" "$(state "$n")" "$(size "$n")"
		else
			printf 'node%s 127.0.0.1:331%s down\n' "$n" "$n"
		fi
	done
}

node_arg() {
	[[ ${1:-} =~ ^[123]$ ]] || die "node number 1, 2 or 3"
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
wait) wait_all ;;
kill)
	node_arg "${2:-}"
	p=$(pidof_node "$2") || die "node$2 is not running"
	kill -KILL "$p"
	log "node$2 (pid $p) killed"
	;;
start)
	node_arg "${2:-}"
	start_node "$2"
	synced "$2"
	;;
*)
	sed -n '2,9p' "$0" >&2
	exit 2
	;;
esac
