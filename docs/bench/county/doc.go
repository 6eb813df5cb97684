// Package county runs one county's insurance year through the platform —
// list import, issue, every household's card, a mid-year list version with
// its endorsements, ordinary claims paid through a bank batch, the medical
// settlement feed with its automatic claims and warnings, a flood event
// from worksheet to bank file, the reconciliation and the reports — and
// prints each stage's wall time and peak memory (`make bench-county`).
// The year itself lives in the package's tests: BenchmarkCountyYear at
// full size, TestCountyYear at a tiny one that checks every outcome.
package county
