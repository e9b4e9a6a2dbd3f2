#!/usr/bin/env bash
# Deletes stale test and binary executables from the build caches so that repeated runs
# do not fill the disk.
#
#   bash scripts/prune-cache.sh [--dry-run]
#
# Every change of a crate's sources gives its test binaries a new hash: cargo keeps the
# old ones (each off-chain test binary is ~0.5 GB with debug info), and a day of work left
# 174 of them (49 GB) in target-offchain, filled the disk and failed a CI run (PostgreSQL's
# initdb: "No space left on device"). Cargo relinks an executable it finds missing, so
# deleting one costs at most one rebuild of that test crate, never a wrong result.
#
# Rule: executables with the same name (the part before cargo's "-<hash>") are variants
# of one target; the newest is kept, and so is every variant built within an hour of it
# (one run builds a target's feature sets together). Older ones are deleted. Libraries
# (.rlib/.rmeta/.so) are left alone: a dependency's older variant may be the one a
# feature set still uses.
#
# Low on space (under GB_PRUNE_MIN_FREE_GB, default 40 GB, free on the cache's disk):
# every executable goes. A run from a new clone path rebuilds all of our test binaries
# anyway (the path is part of their hash: one set is ~25 GB), so CI loses nothing, and
# two clean-clone runs within an hour would otherwise each add a full set.
set -euo pipefail
CACHE=${GB_CACHE:-$HOME/.cache/global-brain}
KEEP_WITHIN_S=3600
MIN_FREE_GB=${GB_PRUNE_MIN_FREE_GB:-40}
dry=${1:-}
mkdir -p "$CACHE"
free_gb=$(df -B1G --output=avail "$CACHE" | tail -1 | tr -d ' ')
if ((free_gb < MIN_FREE_GB)); then
  KEEP_WITHIN_S=-1
  echo "[prune-cache] ${free_gb} GB free (< ${MIN_FREE_GB}): deleting every test and binary executable"
fi

freed=0
count=0
for deps in "$CACHE"/target*/{debug,release}/deps; do
  [[ -d "$deps" ]] || continue
  # "<mtime> <size> <name>" of every executable named <stem>-<16 hex digits>.
  while read -r mtime size name; do
    if [[ "$dry" != "--dry-run" ]]; then
      rm -f -- "$deps/$name"
    fi
    freed=$((freed + size))
    count=$((count + 1))
  done < <(
    find "$deps" -maxdepth 1 -type f -executable -regextype posix-extended \
      -regex '.*/[A-Za-z0-9_]+-[0-9a-f]{16}' -printf '%T@ %s %f\n' |
      awk -v keep="$KEEP_WITHIN_S" '
        { stem = $3; sub(/-[0-9a-f]+$/, "", stem); t[NR] = $1; line[NR] = $0; s[NR] = stem
          if ($1 > newest[stem]) newest[stem] = $1 }
        END { for (i = 1; i <= NR; i++) if (keep < 0 || t[i] < newest[s[i]] - keep) print line[i] }'
  )
done
verb=deleted
[[ "$dry" == "--dry-run" ]] && verb="would delete"
printf '[prune-cache] %s %d stale executables (%d MB); %s free on the cache disk\n' \
  "$verb" "$count" "$((freed / 1000000))" "$(df -h --output=avail "$CACHE" | tail -1 | tr -d ' ')"
