#!/usr/bin/env bash
# Playwright's web server: a fresh store built by the real ingest CLI from the
# committed fixtures, then the production server (npm start) on the given port.
# `serve.sh PORT postgres` builds it in a new database on PG_TEST_URL's server.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-3100}"
backend="${2:-sqlite}"
if [ "$backend" = postgres ]; then
  DATABASE_URL="$(npx tsx e2e/pg-database.ts)"
  export DATABASE_URL
else
  export DATABASE_URL="file:./data/e2e-${port}.db"
  rm -f "data/e2e-${port}.db" "data/e2e-${port}.db-wal" "data/e2e-${port}.db-shm"
fi
npx tsx scripts/ingest.ts --quiet --list linux-integrity --address linux-integrity@vger.kernel.org \
  --description "Linux integrity subsystem (sample)" samples/linux-integrity-sample.mbox.gz
for mbox in e2e/fixtures/*.mbox; do
  [ -e "$mbox" ] || continue
  npx tsx scripts/ingest.ts --quiet --list "$(basename "$mbox" .mbox)" "$mbox"
done
# The patch-series fixtures, all in one list (their README says what each shows).
npx tsx scripts/ingest.ts --quiet --list series --address series@lists.example.org test/fixtures/series/*.mbox
PORT="$port" HOST=127.0.0.1 exec npx tsx scripts/serve.ts
