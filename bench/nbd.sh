#!/usr/bin/env bash
# bench/nbd.sh: nbdcopy (2 connections) to null: from qemu-nbd and from jemu-nbd serving the same
# 1 GiB half-allocated qcow2 (1 MiB data, 1 MiB hole, ...), over TCP and over a unix socket,
# back to back on this machine. Each server is persistent: one untimed copy warms it up (jemu's
# JIT), then three timed copies give the median; the server's CPU time (user + system, all its
# threads, JIT compilers included) for those three copies is printed beside them, and that of
# its busiest thread. The load average is printed at the start and the end. Then the client
# side: `qemu-img convert` and `jemu-img convert` from an NBD export (qemu-nbd's, then
# jemu-nbd's, over a unix socket) to a raw file, median of three runs each (jemu-img's include
# its JVM start-up).
# Needs qemu-img, qemu-io, qemu-nbd and nbdcopy (Debian: qemu-utils, libnbd-bin).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
  rm -f "$work/nbd.sock"
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

img=$work/half.qcow2
qemu-img create -q -f qcow2 "$img" 1G
cmds=()
for i in $(seq 0 2 1023); do cmds+=(-c "write -P $((i % 250 + 1)) ${i}M 1M"); done
qemu-io -f qcow2 "${cmds[@]}" "$img" >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# timed CMD...: runs CMD, prints the GB/s of moving 1 GiB.
timed() {
  local t0 t1
  t0=$(date +%s%N)
  timeout 300 "$@" >/dev/null
  t1=$(date +%s%N)
  echo "scale=3; 1073741824 / ($t1 - $t0)" | bc
}

median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

# start NAME TRANSPORT: starts server NAME (qemu-nbd or jemu-nbd) and sets uri once it answers.
start() {
  local listen
  if [ "$2" = unix ]; then
    listen=(-k "$work/nbd.sock"); uri="nbd+unix:///?socket=$work/nbd.sock"
  else
    local port; port=$(free_port)
    listen=(-b 127.0.0.1 -p "$port"); uri="nbd://127.0.0.1:$port/"
  fi
  if [ "$1" = qemu-nbd ]; then
    qemu-nbd -r -t -e 2 -f qcow2 "${listen[@]}" "$img" >"$work/server.log" 2>&1 &
  else
    "$root/bin/jemu-nbd" -r -t -e 2 -f qcow2 "${listen[@]}" "$img" >"$work/server.log" 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 300); do nbdinfo --size "$uri" >/dev/null 2>&1 && break; sleep 0.1; done
}

# cpu_ticks PID: user + system time of process PID (all its threads), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# thread_ticks PID: "TID TICKS" for each thread of process PID.
thread_ticks() { for t in /proc/"$1"/task/*; do echo "${t##*/} $(awk '{print $14 + $15}' "$t/stat")"; done | sort; }

# measure NAME TRANSPORT: one warm-up copy, then the three timed ones; prints them and the
# server's CPU time for the three (user + system, in seconds): the whole process, then its
# busiest thread (qemu-nbd's main loop, jemu-nbd's AioContext home thread).
measure() {
  start "$1" "$2"
  timed nbdcopy --connections=2 "$uri" null: >/dev/null
  local runs=() t0 threads0 busiest hz
  hz=$(getconf CLK_TCK)
  t0=$(cpu_ticks "$server_pid"); threads0=$(thread_ticks "$server_pid")
  for _ in 1 2 3; do runs+=("$(timed nbdcopy --connections=2 "$uri" null:)"); done
  busiest=$(join <(echo "$threads0") <(thread_ticks "$server_pid") | awk '$3 - $2 > m {m = $3 - $2} END {print m + 0}')
  runs+=("$(echo "scale=2; ($(cpu_ticks "$server_pid") - $t0) / $hz" | bc)" "$(echo "scale=2; $busiest / $hz" | bc)")
  stop_server
  echo "${runs[*]}"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-5s %22s %8s %14s %16s\n' server link "GB/s (3 runs)" median "server CPU s" "busiest thread s"
for transport in tcp unix; do
  read -r -a q < <(measure qemu-nbd "$transport")
  read -r -a j < <(measure jemu-nbd "$transport")
  qm=$(median "${q[@]:0:3}"); jm=$(median "${j[@]:0:3}")
  printf '%-10s %-5s %22s %8s %14s %16s\n' qemu-nbd "$transport" "${q[*]:0:3}" "$qm" "${q[3]}" "${q[4]}" \
    jemu-nbd "$transport" "${j[*]:0:3}" "$jm" "${j[3]}" "${j[4]}"
  echo "ratio jemu-nbd/qemu-nbd ($transport, median): $(echo "scale=2; $jm / $qm" | bc)"
done

# The client side: convert from an export (unix socket) to a raw file.
convert_runs() {
  local runs=()
  for _ in 1 2 3; do
    rm -f "$work/out.raw"
    runs+=("$(timed "$@" -O raw "$uri" "$work/out.raw")")
  done
  echo "${runs[*]}"
}
for server in qemu-nbd jemu-nbd; do
  start "$server" unix
  read -r -a q < <(convert_runs qemu-img convert -f raw)
  read -r -a j < <(convert_runs "$root/bin/jemu-img" convert -f raw)
  stop_server
  qm=$(median "${q[@]}"); jm=$(median "${j[@]}")
  printf 'convert from %s: qemu-img %s (median %s) GB/s, jemu-img %s (median %s) GB/s, ratio %s\n' "$server" \
    "${q[*]}" "$qm" "${j[*]}" "$jm" "$(echo "scale=2; $jm / $qm" | bc)"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
