#!/usr/bin/env bash
# Downloads the Debian packages the built-in corpora are read from (debian-v1 and debian-v2), at
# the exact versions debian-v2 is defined on, into DIR: for a machine where they cannot be
# installed. There, unpack them and point the trainer at them (training/README.md):
#   for f in DIR/*.deb; do dpkg -x "$f" ROOT; done
#   MOESCOPE_DEBIAN_ROOT=ROOT moescope-train --spec run.json --out OUT
# The packages and versions are read from their one home, the table in
# training/src/debian_sources.cpp. Needs apt with Debian 12 (bookworm) main in its sources.
set -euo pipefail
dir=${1:?usage: packaging/fetch-corpus-debs.sh DIR}
table="$(dirname "$0")/../training/src/debian_sources.cpp"

# Lines of the table: {"package", "version", "usr/...
mapfile -t wanted < <(sed -n 's/^ *{"\([a-z0-9.+-]*\)", "\([^"]*\)", "usr\/.*/\1=\2/p' "$table")
if [ ${#wanted[@]} -eq 0 ]; then
  echo "fetch-corpus-debs: no package found in $table" >&2
  exit 1
fi
# debian-v1's packages: its text is defined by the Debian 12 versions, the only ones there are.
wanted+=(bible-kjv bible-kjv-text dict-gcide)

mkdir -p "$dir"
cd "$dir"
apt-get download "${wanted[@]}"
echo "fetch-corpus-debs: ${#wanted[@]} packages, $(du -ch ./*.deb | tail -1 | cut -f1) in $dir"
