#!/usr/bin/env bash
# Restore drill (docs/operations.md): back up a database and its private document store the way
# production does, restore both into fresh places, and check the copy is the original.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/any ops/restore_drill.sh
#
# Without DRILL_SOURCE_DB a demo database is built first (migrate + seed_demo, documents in a
# scratch store). With DRILL_SOURCE_DB=<name> and LANBEN_MEDIA_ROOT set, that database and store are
# backed up instead (read-only: only pg_dump and tar read them). Every database the drill creates
# on the server of DATABASE_URL is named lanben_drill_* and dropped at the end (DRILL_KEEP=1 keeps
# them). Exit 0 when the restored copy shows the same case count, document count and audit entries,
# every checked document's SHA-256 matches, and `manage.py audit verify` passes where it exists.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server the drill may create databases on}"
SERVER="${DATABASE_URL%/*}"
SUFFIX="$(date +%s)_$$"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lanben-drill-XXXXXX")"
RESTORED_DB="lanben_drill_restored_${SUFFIX}"
CREATED=("$RESTORED_DB")
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

cleanup() {
  if [ "${DRILL_KEEP:-0}" != "1" ]; then
    for db in "${CREATED[@]}"; do psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
  else
    say "kept: databases ${CREATED[*]}, files in $WORK"
  fi
}
trap cleanup EXIT

if [ -z "${DRILL_SOURCE_DB:-}" ]; then
  DRILL_SOURCE_DB="lanben_drill_source_${SUFFIX}"
  CREATED+=("$DRILL_SOURCE_DB")
  export LANBEN_MEDIA_ROOT="$WORK/source-media"
  say "building a demo database $DRILL_SOURCE_DB (migrate + seed_demo)"
  psql "$SERVER/postgres" -qc "CREATE DATABASE $DRILL_SOURCE_DB"
  DATABASE_URL="$SERVER/$DRILL_SOURCE_DB" DEBUG=true "$PY" manage.py migrate --noinput -v 0
  DATABASE_URL="$SERVER/$DRILL_SOURCE_DB" DEBUG=true "$PY" manage.py seed_demo >/dev/null
fi
: "${LANBEN_MEDIA_ROOT:?set LANBEN_MEDIA_ROOT to the document store of $DRILL_SOURCE_DB}"
SOURCE_MEDIA="$LANBEN_MEDIA_ROOT"

say "fingerprint of the original"
DATABASE_URL="$SERVER/$DRILL_SOURCE_DB" "$PY" manage.py backup_fingerprint > "$WORK/source.json"

say "backup: pg_dump (custom format) and the document store (tar + SHA256SUMS)"
pg_dump --format=custom --no-owner --dbname="$SERVER/$DRILL_SOURCE_DB" --file="$WORK/lanben.dump"
(cd "$SOURCE_MEDIA" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) > "$WORK/SHA256SUMS"
tar -C "$SOURCE_MEDIA" -cf "$WORK/documents.tar" .

say "restore into a fresh database $RESTORED_DB and a fresh document store"
psql "$SERVER/postgres" -qc "CREATE DATABASE $RESTORED_DB"
pg_restore --no-owner --exit-on-error --jobs=2 --dbname="$SERVER/$RESTORED_DB" "$WORK/lanben.dump"
mkdir -p "$WORK/restored-media"
tar -C "$WORK/restored-media" -xf "$WORK/documents.tar"
(cd "$WORK/restored-media" && sha256sum --check --quiet "$WORK/SHA256SUMS")

say "fingerprint of the restored copy"
DATABASE_URL="$SERVER/$RESTORED_DB" LANBEN_MEDIA_ROOT="$WORK/restored-media" \
  "$PY" manage.py backup_fingerprint > "$WORK/restored.json"

"$PY" - "$WORK/source.json" "$WORK/restored.json" <<'PYEOF'
import json, sys
source, restored = (json.load(open(path)) for path in sys.argv[1:3])
checks = {
    "cases": source["cases"] == restored["cases"],
    "documents": source["documents"] == restored["documents"],
    "audit entries": source["audit_entries"] == restored["audit_entries"],
    "document checksums": restored["checked_documents"] == source["checked_documents"]
    and all(d["ok"] for d in restored["checked_documents"]) and len(restored["checked_documents"]) > 0,
    "audit verify": restored["audit_verify"] in ("ok", "absent"),
}
for name, ok in checks.items():
    print(f"  {'ok  ' if ok else 'FAIL'} {name}")
print(f"  cases {restored['cases']}, documents {restored['documents']} ({len(restored['checked_documents'])} re-read),"
      f" audit entries {restored['audit_entries']}, audit verify: {restored['audit_verify']}"
      + (" (manage.py audit verify not installed yet: skipped)" if restored["audit_verify"] == "absent" else ""))
sys.exit(0 if all(checks.values()) else 1)
PYEOF
say "restore drill passed"
