#!/usr/bin/awk -f
# ratios.awk reads the output of `make bench` (bench.out) and prints, for
# each job that has a floor measured in the same run, the platform's rate,
# the floor's rate and how many times slower the platform is than its floor.
# Usage: awk -f docs/bench/ratios.awk bench.out

# rate returns the line's rate in the unit named, or 0.
function rate(unit,    i) {
	for (i = 3; i < NF; i++)
		if ($(i + 1) == unit)
			return $i + 0
	return 0
}

/^Benchmark/ {
	name = $1
	sub(/-[0-9]+$/, "", name)
	sub(/^Benchmark/, "", name)
	if ((r = rate("members/s")) > 0) { v[name] = r; u[name] = "members/s" }
	else if ((r = rate("persons/s")) > 0) { v[name] = r; u[name] = "persons/s" }
	else if ((r = rate("cards/s")) > 0) { v[name] = r; u[name] = "cards/s" }
	else if ((r = rate("rows/s")) > 0) { v[name] = r; u[name] = "rows/s" }
	else if (name == "ReconcileMillion" && (r = rate("ns/op")) > 0) { v[name] = 1e6 / (r / 1e9); u[name] = "rows/s" }
}

function pair(job, platform, floor) {
	if (!(platform in v) || !(floor in v))
		return
	printf "%-34s %14.0f %14.0f %-10s %6.2f×\n", job, v[platform], v[floor], u[platform], v[floor] / v[platform]
}

END {
	printf "%-34s %14s %14s %-10s %7s\n", "job (same run)", "platform", "floor", "unit", "ratio"
	pair("import, SQLite", "ImportMillion/sqlite", "ImportFloor/sqlite")
	pair("import, MariaDB", "ImportMillion/mysql", "ImportFloor/mysql")
	pair("issue, SQLite", "IssueMillion/sqlite", "IssueFloor/sqlite")
	pair("issue, MariaDB", "IssueMillion/mysql", "IssueFloor/mysql")
	pair("reconcile 1M×1M, SQLite", "ReconcileMillionStore/sqlite", "ReconcileMillion")
	pair("reconcile 1M×1M, MariaDB", "ReconcileMillionStore/mysql", "ReconcileMillion")
	pair("cards, 10,000", "VillageFile10k", "Floor10k")
}
