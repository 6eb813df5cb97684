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
for r in $(seq 1 "$rounds"); do
	for d in "$old" "$new"; do
		run "$d" ./internal/rest/ 'ClaimReports' 5000x
		run "$d" ./internal/store/ 'ImportMillion|IssueMillion' 1x
		run "$d" ./internal/store/ 'ReconcileMillionStore' 1x
		run "$d" ./internal/card/ 'VillageFile10k' 1x
	done
done
