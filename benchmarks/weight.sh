#!/usr/bin/env bash
# Weight of an install of convsim: site-packages size and its 15 biggest entries, import and
# start-up times (median of 5), the place gazetteer's load time and peak memory (median of 5),
# and with --demo the wall time of `convsim run configs/demo.yaml` (3 runs, in a temporary folder).
# The load average is printed beside every timing: figures from a loaded machine compare only
# with figures taken in the same minutes.
#
#   python3 -m venv /tmp/w/venv && /tmp/w/venv/bin/pip install -c constraints.txt .   # or ".[test]"
#   benchmarks/weight.sh /tmp/w/venv [--demo]
set -u
V=$(cd "$1" && pwd); DEMO=${2:-}
REPO=$(cd "$(dirname "$0")/.." && pwd)
export RAY_USAGE_STATS_ENABLED=0 LITELLM_LOCAL_MODEL_COST_MAP=True
load() { cut -d' ' -f1 /proc/loadavg; }
med() { sort -n | awk '{a[NR]=$0} END{print a[int((NR+1)/2)]}'; }
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }

SP=$("$V/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "site-packages: $(du -sm "$SP" | cut -f1) MB"
du -sm "$SP"/* 2>/dev/null | sort -rn | head -15 | awk '{n=$2; sub(".*/", "", n); printf "  %5d MB  %s\n", $1, n}'

W=$(mktemp -d); cd "$W" || exit 1   # outside the checkout: the installed package is measured
for code in "import convsim" "import convsim.cli.main"; do
  echo "python -c '$code': $(for _ in 1 2 3 4 5; do secs "$V/bin/python" -c "$code"; done | med) s (load $(load))"
done
for args in "--help" "run --help"; do
  # shellcheck disable=SC2086
  echo "convsim $args: $(for _ in 1 2 3 4 5; do secs "$V/bin/convsim" $args; done | med) s (load $(load))"
done
GAZ='import resource, time
t = time.perf_counter()
from convsim.scenarios.pii_places import gazetteer
gazetteer()
print(f"{time.perf_counter() - t:.3f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")'
echo "place gazetteer (import + build): $(for _ in 1 2 3 4 5; do "$V/bin/python" -c "$GAZ"; done | med) (load $(load))"

if [ "$DEMO" = "--demo" ]; then
  cp -r "$REPO/configs" "$W/configs"
  for i in 1 2 3; do
    rm -rf "$W/runs"; l=$(load); s=$(date +%s.%N)
    "$V/bin/convsim" run configs/demo.yaml >"$W/demo.log" 2>&1; rc=$?
    e=$(date +%s.%N); echo "convsim run configs/demo.yaml #$i: $(echo "$e - $s" | bc) s exit $rc (load $l)"
  done
fi
cd / && rm -rf "$W"
