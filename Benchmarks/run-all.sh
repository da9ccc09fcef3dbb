#!/usr/bin/env bash
# Runs every benchmark of the project and writes one Markdown report.
#
#   Benchmarks/run-all.sh [--quick] [--output FILE] [--skip-redis] [--kv-storage file|memory]
#
# - Builds raft-bench (and raft-kv, when the package has it) in release mode.
# - Runs every subcommand `raft-bench --help` lists, with --json, and tabulates the results.
# - Starts a 3-process raft-kv cluster with file storage on loopback and runs redis-benchmark
#   against it: SET and GET at 1, 16 and 64 clients, pipelining 1 and 16. Skipped, with the
#   reason in the report, when raft-kv or redis-benchmark (Debian: redis-tools) is missing.
# - --kv-storage memory runs the raft-kv cluster without file storage (default file).
# - --quick: short runs of everything (a smoke test of the runner, not figures to quote).
# Results are reported, never asserted: the script fails only when a benchmark cannot run.
set -euo pipefail

cd "$(dirname "$0")/.."
quick=0
skip_redis=0
output=""
kv_storage=file
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --skip-redis) skip_redis=1 ;;
    --output) output="$2"; shift ;;
    --kv-storage) kv_storage="$2"; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-all.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
stamp="$(date -u +%Y%m%d-%H%M%S)"
work=".build/benchmarks/$stamp"
mkdir -p "$work"
output="${output:-$work/report.md}"

echo "== building raft-bench (release)"
swift build -c release --product raft-bench >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
bin="$(swift build -c release --show-bin-path)"
have_kv=0
if grep -q 'name: "raft-kv"' Package.swift && swift build -c release --product raft-kv >>"$work/build.log" 2>&1; then
  have_kv=1
fi

# --- the machine -----------------------------------------------------------------------------
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
cores="$(nproc)"
kernel="$(uname -sr)"
memory="$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
disk_dev="$(df --output=source . | tail -1)"
disk="$(df -h --output=source,fstype,size . | tail -1 | awk '{print $1" ("$2", "$3")"}')"
rotational="$(lsblk -ndo ROTA "$disk_dev" 2>/dev/null | head -1 || true)"
case "$rotational" in 0) disk="$disk, SSD" ;; 1) disk="$disk, rotational" ;; esac
swift_version="$(swift --version 2>&1 | head -1)"
load="$(cut -d' ' -f1-3 /proc/loadavg)"

{
  echo "# SwiftRaft benchmark report"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$([[ $quick == 1 ]] && echo ', **quick mode: smoke run, not figures to quote**')"
  echo
  echo "| machine | |"
  echo "|---|---|"
  echo "| CPU | $cpu |"
  echo "| cores | $cores |"
  echo "| memory | $memory |"
  echo "| kernel | $kernel |"
  echo "| disk (working directory) | $disk |"
  echo "| toolchain | $swift_version |"
  echo "| load average at start | $load |"
  echo
  echo "Figures are reported, never asserted. Other work on the machine lowers them."
} >"$output"

# --- raft-bench subcommands --------------------------------------------------------------------
# The subcommands, from the argument parser's machine-readable help (never "help" itself).
subcommands="$("$bin/raft-bench" --experimental-dump-help | python3 -c '
import json, sys
command = json.load(sys.stdin)["command"]
print(" ".join(s["commandName"] for s in command.get("subcommands", []) if s["commandName"] != "help"))')"
quick_args() {  # short runs for the options a subcommand has
  local help
  help="$("$bin/raft-bench" "$1" --help)"
  local args=()
  grep -q -- '--entries' <<<"$help" && args+=(--entries 20000)
  # --warmup is seconds for some subcommands and a count for others: its help line says which.
  if grep -- '--warmup' <<<"$help" | grep -qi 'second'; then args+=(--warmup 0.1)
  elif grep -q -- '--warmup' <<<"$help"; then args+=(--warmup 0); fi
  grep -q -- '--reads' <<<"$help" && args+=(--reads 5000)
  grep -q -- '--duration' <<<"$help" && args+=(--duration 0.5)
  grep -q -- '--keys' <<<"$help" && args+=(--keys 20000)
  grep -q -- '--operations' <<<"$help" && args+=(--operations 2000)
  grep -q -- '--seconds' <<<"$help" && args+=(--seconds 0.5)
  grep -q -- '--rounds' <<<"$help" && args+=(--rounds 2)
  echo "${args[@]}"
}
{
  echo
  echo "## raft-bench"
  echo
  echo "Subcommands found: $(echo $subcommands | sed 's/ /, /g'). Method per subcommand: \`raft-bench <name> --help\` and Benchmarks/README.md."
} >>"$output"
for sub in $subcommands; do
  args=""
  if [[ $quick == 1 ]]; then args="$(quick_args "$sub")"; fi
  # Files go to the disk the report describes (the working directory's), not to /tmp.
  sub_help="$("$bin/raft-bench" "$sub" --help)"
  for option in --data-dir --directory; do
    if grep -q -- "$option" <<<"$sub_help"; then
      mkdir -p "$work/$sub-data"
      args="$args $option $work/$sub-data"
      break
    fi
  done
  # A subcommand with a storage choice (node) measures the durable one when given a directory.
  if [[ $args == *--data-dir* ]] && grep -q -- "--storage" <<<"$sub_help"; then
    args="--storage file$args"
  fi
  echo "== raft-bench $sub $args"
  json="$work/raft-bench-$sub.jsonl"
  if ! "$bin/raft-bench" "$sub" $args --json >"$json" 2>"$work/raft-bench-$sub.err"; then
    printf '\n### %s\n\n`raft-bench %s %s --json` failed:\n\n```\n%s\n```\n' "$sub" "$sub" "$args" "$(tail -5 "$work/raft-bench-$sub.err")" >>"$output"
    continue
  fi
  python3 - "$sub" "$args" "$json" >>"$output" <<'PY'
import json, sys
sub, args, path = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
print(f"\n### {sub}\n\n`raft-bench {sub} {args} --json`.strip()\n".replace(" `.strip()", "`").replace("`.strip()", "`"))
if not rows:
    print("(no results)"); sys.exit()
params = list(rows[0].get("params", {}).keys())
print("| " + " | ".join(params + ["ops/s", "p50 µs", "p99 µs"]) + " |")
print("|" + "---|" * len(params) + "--:|--:|--:|")
for r in rows:
    p = [str(r["params"].get(k, "")) for k in params]
    print("| " + " | ".join(p + [f'{r["ops_per_sec"]:,.0f}', f'{r["p50_us"]:,.1f}', f'{r["p99_us"]:,.1f}']) + " |")
PY
done

# --- redis-benchmark against a 3-process raft-kv cluster ------------------------------------------
echo >>"$output"
echo "## redis-benchmark against a 3-process raft-kv cluster ($kv_storage storage)" >>"$output"
pids=()
stop_cluster() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_cluster; exit 130' INT TERM
trap 'stop_cluster' EXIT

if [[ $skip_redis == 1 ]]; then
  echo -e "\nSkipped (--skip-redis)." >>"$output"
elif [[ $have_kv == 0 ]]; then
  echo -e "\nSkipped: this checkout has no raft-kv product (Examples/, issue 6)." >>"$output"
elif ! command -v redis-benchmark >/dev/null; then
  echo -e "\nSkipped: redis-benchmark not installed (Debian package redis-tools)." >>"$output"
else
  base=".build/benchmarks/$stamp/cluster"
  peers=(7101 7102 7103); clients=(6401 6402 6403)
  for i in 1 2 3; do
    flags=(--id "$i" --listen "127.0.0.1:${peers[$((i-1))]}" --client "127.0.0.1:${clients[$((i-1))]}" --storage "$kv_storage")
    if [[ $kv_storage == file ]]; then flags+=(--data-dir "$base/node$i"); fi
    for j in 1 2 3; do
      if [[ $j != "$i" ]]; then flags+=(--peer "$j=127.0.0.1:${peers[$((j-1))]}"); fi
    done
    mkdir -p "$base/node$i"
    "$bin/raft-kv" "${flags[@]}" >"$base/node$i.log" 2>&1 &
    pids+=($!)
  done
  # Wait until some node knows a leader (INFO shows role:leader on one of them).
  leader_port=""
  for _ in $(seq 1 100); do
    for port in "${clients[@]}"; do
      if redis-cli -p "$port" INFO 2>/dev/null | grep -q 'role:leader'; then leader_port=$port; break 2; fi
    done
    sleep 0.1
  done
  if [[ -z "$leader_port" ]]; then
    echo -e "\nThe cluster elected no leader within 10 s; node logs in $base. Node 1 said: $(tail -1 "$base/node1.log")" >>"$output"
  else
    requests=100000; [[ $quick == 1 ]] && requests=2000
    {
      echo
      data_dir=""
      if [[ $kv_storage == file ]]; then data_dir=" --data-dir $base/nodei"; fi
      echo "Nodes: \`raft-kv --id i --listen 127.0.0.1:710i --client 127.0.0.1:640i --peer ... --storage $kv_storage$data_dir\` (release build)."
      echo "Driven at the leader (port $leader_port) with \`redis-benchmark -p $leader_port -t set,get -n $requests -c C -P P -r 100000 -d 64 --csv\`; latency in µs."
      echo
      echo "| test | clients | pipeline | requests/s | p50 µs | p99 µs |"
      echo "|---|--:|--:|--:|--:|--:|"
    } >>"$output"
    for c in 1 16 64; do
      for p in 1 16; do
        echo "== redis-benchmark -c $c -P $p"
        csv="$work/redis-c$c-P$p.csv"
        if redis-benchmark -p "$leader_port" -t set,get -n "$requests" -c "$c" -P "$p" -r 100000 -d 64 --csv >"$csv" 2>&1; then
          python3 - "$c" "$p" "$csv" >>"$output" <<'PY'
import csv, sys
c, p, path = sys.argv[1:4]
rows = list(csv.reader(line for line in open(path) if line.startswith('"')))
header = rows[0]
for r in rows[1:]:
    d = dict(zip(header, r))
    us = lambda k: f'{float(d[k]) * 1000:,.0f}' if k in d else "n/a"
    print(f'| {d["test"]} | {c} | {p} | {float(d["rps"]):,.0f} | {us("p50_latency_ms")} | {us("p99_latency_ms")} |')
PY
        else
          echo "| SET/GET | $c | $p | failed: $(tail -1 "$csv") | | |" >>"$output"
        fi
      done
    done
  fi
  stop_cluster
fi

echo
echo "Report: $output"
