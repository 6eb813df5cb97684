#!/usr/bin/env bash
# A private MariaDB for the county benchmark, configured as a county's
# production server is (docker-compose.yml): utf8mb4 and a 2 GB buffer pool,
# so that a county's list, certificates and claims stay in memory. The
# machine's shared server keeps the default 128 MB pool, and a county of
# 300,000 persons does not fit in it: the year then measures the disk.
#
#   mariadb.sh up      start it on 127.0.0.1:3307 (a fresh data folder)
#   mariadb.sh down    stop it and remove its data
#
# Data and log live in .bench-mariadb/ at the repository root (git-ignored).
# ZNB_BENCH_POOL sets another pool size (e.g. 128M to measure the default).
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=$PWD/.bench-mariadb
PORT=3307
POOL=${ZNB_BENCH_POOL:-2G}

log() { printf 'bench-mariadb: %s\n' "$*" >&2; }
sql() { mariadb --connect-timeout=2 -h 127.0.0.1 -P "$PORT" -u root -N -B -e "$1" 2>/dev/null; }

up() {
	if sql 'SELECT 1' >/dev/null; then
		log "already running on 127.0.0.1:$PORT"
		return 0
	fi
	rm -rf "$DIR"
	mkdir -p "$DIR/data"
	mariadb-install-db --no-defaults --datadir="$DIR/data" --user=mysql \
		--auth-root-authentication-method=normal --skip-test-db >"$DIR/install.log" 2>&1 || {
		log "mariadb-install-db failed: $DIR/install.log"
		exit 1
	}
	[ "$(id -u)" = 0 ] && chown -R mysql:mysql "$DIR"
	setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$DIR/data" --socket="$DIR/mysqld.sock" \
		--pid-file="$DIR/mysqld.pid" --log-error="$DIR/error.log" --bind-address=127.0.0.1 --port="$PORT" \
		--skip-log-bin --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
		--innodb-buffer-pool-size="$POOL" --max-connections=300 </dev/null >/dev/null 2>&1 &
	local i
	for ((i = 0; i < 60; i++)); do
		if mariadb -S "$DIR/mysqld.sock" -u root -e 'SELECT 1' >/dev/null 2>&1; then
			# root over TCP without a password, as on the shared test server
			mariadb -S "$DIR/mysqld.sock" -u root -e "
				CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
				GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
			log "up on 127.0.0.1:$PORT, buffer pool $(sql 'SELECT @@innodb_buffer_pool_size DIV 1048576') MB"
			return 0
		fi
		sleep 1
	done
	tail -n 20 "$DIR/error.log" >&2 || true
	log "did not start: $DIR/error.log"
	exit 1
}

down() {
	if [ -s "$DIR/mysqld.pid" ]; then
		local pid
		pid=$(cat "$DIR/mysqld.pid")
		kill "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
	fi
	rm -rf "$DIR"
}

case "${1:-}" in
up) up ;;
down) down ;;
*)
	echo "usage: $0 up|down" >&2
	exit 2
	;;
esac
