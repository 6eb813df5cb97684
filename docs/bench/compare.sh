#!/usr/bin/env bash
# compare.sh OLD NEW [ROUNDS]: runs the make-bench benchmarks of two
# checkouts of the platform alternately (old, new, old, new, ...) on this
# machine, so that both see the same load, and prints each figure line.
# Run it on an otherwise idle machine; MariaDB at ZNB_TEST_MYSQL.
#   docs/bench/compare.sh /path/to/old /path/to/new 2
set -euo pipefail
old=$1 new=$2 rounds=${3:-1}
: "${ZNB_TEST_MYSQL:=root:@tcp(127.0.0.1:3306)/}"
export ZNB_TEST_MYSQL
run() { # dir pkg bench benchtime
	(cd "$1" && go test -run '^$' -timeout 60m -bench "$3" -benchtime "$4" "$2" 2>&1) |
		grep -E '^Benchmark|^(import|issue|reconcile|cards?) ' | sed "s|^|$(basename "$1") |"
}
# settle waits (up to two minutes) for MariaDB to write out the dirty pages
# the last benchmark left, so that no run pays for the one before it.
settle() {
	for _ in $(seq 1 120); do
		dirty=$(mysql -uroot -N -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" 2>/dev/null | awk '{print $2}')
		[ "${dirty:-0}" -lt 200 ] && return
		sleep 1
	done
}
for r in $(seq 1 "$rounds"); do
	for d in "$old" "$new"; do
		settle
		run "$d" ./internal/rest/ 'ClaimReports' 5000x
		settle
		run "$d" ./internal/store/ 'ImportMillion|IssueMillion' 1x
		settle
		run "$d" ./internal/store/ 'ReconcileMillionStore' 1x
		run "$d" ./internal/card/ 'VillageFile10k' 1x
	done
done
