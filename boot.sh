#!/bin/sh
# Migrate the app's database when asked to, then become the process (so signals reach it).
set -e
if [ -n "$MIGRATE_APP" ]; then
  python -m common.migrations upgrade "$MIGRATE_APP"
fi
exec "$@"
