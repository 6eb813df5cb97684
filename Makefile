# 助农保 platform. `make run` serves on the embedded SQLite; `make test` runs
# every test, store and HTTP tests on SQLite and on MariaDB/MySQL.

GO            ?= go
SHELL         := /bin/bash
.SHELLFLAGS   := -o pipefail -c
BIN           := bin/zhunongbao
ZNB_TEST_MYSQL ?= root:@tcp(127.0.0.1:3306)/
export ZNB_TEST_MYSQL
# The shared public rate limit is tested against this Redis (database 15).
ZNB_TEST_REDIS ?= redis://127.0.0.1:6379/15
export ZNB_TEST_REDIS

.PHONY: run build test bench bench-county bench-wrk bench-attack fonts vet fmt clean

run: build fonts
	$(BIN) serve

build:
	$(GO) build -o $(BIN) ./cmd/zhunongbao

# fonts installs a CJK font for the PDF cards on Debian/Ubuntu when none is
# there; elsewhere set ZNB_PDF_FONT to any TrueType font with Chinese glyphs.
fonts:
	@if [ -z "$$ZNB_PDF_FONT" ] && [ ! -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ]; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			apt-get install -y -qq fonts-droid-fallback >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq fonts-droid-fallback); \
		else \
			echo "提示: 未找到中文字体，打印明白卡前请安装 fonts-droid-fallback（sudo apt-get install fonts-droid-fallback）或设置 ZNB_PDF_FONT"; \
		fi; \
	fi

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal migrations)" || (gofmt -l cmd internal migrations; echo "gofmt needed"; exit 1)

test: vet lint-openapi
	ZNB_TEST_CLUSTER= $(GO) test -count=1 -timeout 30m ./...
	@if [ "$$ZNB_TEST_CLUSTER" = 1 ]; then $(MAKE) --no-print-directory test-cluster; fi

# lint-openapi checks docs/openapi.yaml with the pinned Redocly CLI (rules in
# redocly.yaml), which it installs into the git-ignored .tools/ when missing;
# it needs node and npm.
.PHONY: lint-openapi
REDOCLY_VERSION := 2.77.0
lint-openapi:
	@grep -qs '"version": "$(REDOCLY_VERSION)"' .tools/node_modules/@redocly/cli/package.json || \
		npm install --no-audit --no-fund --prefix .tools @redocly/cli@$(REDOCLY_VERSION)
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true .tools/node_modules/.bin/redocly lint docs/openapi.yaml

# bench runs the speed benchmarks of docs/performance.md, one full run each
# on a fresh database of each engine (MariaDB at ZNB_TEST_MYSQL), and ends
# with each bulk job's rate beside its floor measured in the same run and
# their ratio (docs/bench/ratios.awk). It takes about twenty minutes; run it
# on an otherwise idle machine.
BENCH = $(GO) test -run '^$$' -timeout 60m
bench:
	$(BENCH) -bench 'ImportMillion|ImportFloor|IssueMillion|IssueFloor|ReconcileMillionStore' -benchtime 1x ./internal/store/ | tee bench.out
	$(BENCH) -bench 'OutboxSend' -benchtime 1x ./internal/store/ | tee -a bench.out
	$(BENCH) -bench 'ReconcileMillion$$' -benchtime 1x ./internal/subsidy/ | tee -a bench.out
	$(BENCH) -bench 'VillageFile10k|Floor10k' -benchtime 1x ./internal/card/ | tee -a bench.out
	$(BENCH) -bench 'ClaimReports' -benchtime 5000x ./internal/rest/ | tee -a bench.out
	$(BENCH) -bench 'Event50k' -benchtime 1x ./internal/store/ | tee -a bench.out
	$(BENCH) -bench 'ConsoleListPages' -benchtime 1x ./internal/web/ | tee -a bench.out
	$(BENCH) -bench 'MedicalFeed|Warnings$$' -benchtime 1x ./internal/store/ | tee -a bench.out
	@echo; awk -f docs/bench/ratios.awk bench.out | tee -a bench.out

# bench-county runs one county's year through the platform, on SQLite and
# then on MariaDB (a fresh database at ZNB_TEST_MYSQL, dropped at the end):
# list import, issue, every household's card, a mid-year list version with
# its endorsements, 20,000 ordinary claims paid through a bank batch and its
# return file, the medical settlement feed with its automatic claims and
# warnings, a flood over 50,000 households from worksheet to bank file, the
# reconciliation and the monthly and annual reports. It prints each stage's
# seconds and peak RSS and the total (also in bench-county.out). The county
# has ZNB_COUNTY_PERSONS persons (300,000; everything else scales with it);
# ZNB_COUNTY_ENGINES=mysql runs one engine only. The target is ten minutes
# an engine on an otherwise idle machine. MariaDB is a private server that
# the target starts and removes (deploy/bench/mariadb.sh, 127.0.0.1:3307),
# configured as docker-compose.yml configures production: a 2 GB buffer
# pool, which a county's working set needs (the shared test server keeps
# the default 128 MB); ZNB_COUNTY_MYSQL=DSN runs on another server instead.
ZNB_COUNTY_PERSONS ?= 300000
export ZNB_COUNTY_PERSONS
ZNB_COUNTY_ENGINES ?= sqlite mysql
ZNB_COUNTY_MYSQL ?=
bench-county:
	@rm -f bench-county.out
	@for e in $(ZNB_COUNTY_ENGINES); do \
		dsn='$(ZNB_COUNTY_MYSQL)'; own=; \
		if [ $$e = mysql ] && [ -z "$$dsn" ]; then deploy/bench/mariadb.sh up || exit 1; dsn='root:@tcp(127.0.0.1:3307)/'; own=1; fi; \
		ZNB_TEST_MYSQL="$${dsn:-$$ZNB_TEST_MYSQL}" $(BENCH) -bench "CountyYear/$$e\$$" -benchtime 1x ./docs/bench/county/ | tee -a bench-county.out; \
		rc=$$?; [ -n "$$own" ] && deploy/bench/mariadb.sh down; [ $$rc = 0 ] || exit 1; \
	done

# bench-wrk cross-checks the claim rate with wrk against a separate
# `zhunongbao serve` on each engine (needs wrk).
bench-wrk:
	docs/bench/claims-wrk.sh sqlite
	docs/bench/claims-wrk.sh mysql '$(ZNB_TEST_MYSQL)'

# bench-attack sends a separate `zhunongbao serve` hostile uploads (400 MB
# without a key, two at once; 400 MB uploads with one; the two XLSX bombs as
# lists) and prints its peak RSS for each. XLSX=a.xlsx,b.xlsx uploads those
# files as lists too.
bench-attack: build
	$(GO) run ./docs/bench/attack -bin $(BIN) $(if $(XLSX),-xlsx $(XLSX))

# cluster-up starts a three-node MariaDB Galera cluster on 127.0.0.1:3311-3313
# with HAProxy on 127.0.0.1:3310 (deploy/galera/, docs/deploy.md), installing
# galera-4, rsync and haproxy when missing; cluster-down stops it.
.PHONY: cluster-up cluster-down test-cluster
cluster-up:
	deploy/galera/cluster.sh up

cluster-down:
	deploy/galera/cluster.sh down

# test-cluster runs internal/clustertest: two serve processes on the cluster
# (started when not up, and stopped again if this target started it) while
# a node is killed and rejoins. `make test` runs it when ZNB_TEST_CLUSTER=1.
test-cluster:
	@up=$$(deploy/galera/cluster.sh status | grep -c Synced || true); \
	deploy/galera/cluster.sh up && \
	ZNB_TEST_CLUSTER=1 $(GO) test -count=1 -v -timeout 20m ./internal/clustertest/; rc=$$?; \
	if [ "$$up" != 3 ]; then deploy/galera/cluster.sh down; fi; exit $$rc

# bench-cluster measures, in one run, on the single MariaDB (127.0.0.1:3306)
# and on the Galera cluster: claim reports/s and p99 with two serve
# processes, and the import and issue of a 200,000-member list
# (ZNB_BENCH_HOUSEHOLDS=295000 for about a million members).
.PHONY: bench-cluster
bench-cluster: cluster-up
	ZNB_TEST_CLUSTER=1 $(GO) test -run '^$$' -bench 'ClaimReports|ListImportIssue' -benchtime 1x -timeout 30m ./internal/clustertest/ | tee bench-cluster.out

clean:
	rm -rf bin data bench.out bench-county.out
