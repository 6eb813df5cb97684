#!/usr/bin/env bash
# Claim reports per second through wrk against `zhunongbao serve` in its own
# process: a fresh database, 2,000 generated households issued under the
# example agreement, then 16 connections for 15 s.
#   docs/bench/claims-wrk.sh sqlite
#   docs/bench/claims-wrk.sh mysql 'root:@tcp(127.0.0.1:3306)/'   # database wrkbench is dropped and made anew
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=${1:-sqlite}
command -v wrk >/dev/null || { echo "需要 wrk：apt-get install wrk" >&2; exit 2; }
make -s build
Z=$PWD/bin/zhunongbao
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ZNB_LISTEN=127.0.0.1:18080 ZNB_BASE_URL=http://127.0.0.1:18080 ZNB_DOCUMENTS_DIR=$work/docs
if [ "$engine" = mysql ]; then
	server=${2:-root:@tcp(127.0.0.1:3306)/}
	mysql -uroot -e "DROP DATABASE IF EXISTS wrkbench; CREATE DATABASE wrkbench"
	export ZNB_DB="mysql:${server%/}/wrkbench"
else
	export ZNB_DB=sqlite:$work/bench.db
fi
$Z migrate >/dev/null
export ZNB_KEY=$($Z user create --username clerk --role insurer_clerk --scope PICC-ZY | sed -n 's/.*"api_key": "\(.*\)".*/\1/p')
$Z product load configs/products/znb-standard.yaml >/dev/null
$Z gen households --county 522625 --households 2000 -o "$work/list.csv" >/dev/null
$Z list import --county 522625 --effective 2026-01-01 --partial "$work/list.csv" >/dev/null
$Z agreement create configs/agreements/example.yaml >/dev/null
$Z agreement activate 1 >/dev/null
export ZNB_CERTS=$($Z issue --agreement 1 --list 1 2>/dev/null | sed -n 's/^  "certificates": \([0-9]*\).*/\1/p')
$Z serve >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
sleep 1.5
wrk -t2 -c16 -d15s --latency -s docs/bench/claims.lua http://127.0.0.1:18080
