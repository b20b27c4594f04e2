#!/usr/bin/env bash
# Makes a PostgreSQL server available to the tests: installs the Debian package when missing,
# starts the cluster, and creates the test role and database (each step idempotent). Prints
# the PG_TEST_URL the tests read; `source` it to have it exported. The tests create one schema
# per store they open, so test files run in parallel on one database.
set -euo pipefail
ROLE=${PG_TEST_ROLE:-relata_test}
PASSWORD=${PG_TEST_PASSWORD:-relata_test}
DATABASE=${PG_TEST_DATABASE:-relata_test}
as_root () { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres () { as_root su postgres -c "$*"; }

if ! command -v pg_ctlcluster > /dev/null; then
  as_root apt-get update
  as_root apt-get install -y --no-install-recommends postgresql
fi
VERSION=$(pg_lsclusters --no-header | awk 'NR == 1 { print $1 }')
CLUSTER=$(pg_lsclusters --no-header | awk 'NR == 1 { print $2 }')
if ! pg_lsclusters --no-header | awk 'NR == 1 { print $4 }' | grep -q online; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" start
fi
for _ in $(seq 1 30); do
  as_postgres "psql -qtAc 'SELECT 1'" > /dev/null 2>&1 && break
  sleep 1
done
as_postgres "psql -v ON_ERROR_STOP=1 -qtA" <<SQL
SELECT format('CREATE ROLE %I LOGIN', '$ROLE') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE')
\gexec
ALTER ROLE "$ROLE" LOGIN PASSWORD '$PASSWORD';
-- the fault tests end the test role's own connections
GRANT pg_signal_backend TO "$ROLE";
SELECT format('CREATE DATABASE %I OWNER %I', '$DATABASE', '$ROLE') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DATABASE')
\gexec
SQL
export PG_TEST_URL="postgres://$ROLE:$PASSWORD@127.0.0.1:5432/$DATABASE"
echo "PG_TEST_URL=$PG_TEST_URL"
