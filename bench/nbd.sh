#!/usr/bin/env bash
# bench/nbd.sh: nbdcopy (2 connections) to null: from qemu-nbd and from jemu-nbd serving the same
# 1 GiB half-allocated qcow2 (1 MiB data, 1 MiB hole, ...), over TCP and over a unix socket,
# back to back on this machine. Each server is persistent and copied from twice: the first copy
# is reported as "cold" (jemu's JIT still warming up), the second as "warm". Then the client
# side: `qemu-img convert` and `jemu-img convert` from a qemu-nbd export to a raw file.
# Needs qemu-img, qemu-io, qemu-nbd and nbdcopy (Debian: qemu-utils, libnbd-bin).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

img=$work/half.qcow2
qemu-img create -q -f qcow2 "$img" 1G
cmds=()
for i in $(seq 0 2 1023); do cmds+=(-c "write -P $((i % 250 + 1)) ${i}M 1M"); done
qemu-io -f qcow2 "${cmds[@]}" "$img" >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# copy URI: one timed nbdcopy run; prints GB/s.
copy() {
  local t0 t1
  t0=$(date +%s%N)
  timeout 300 nbdcopy --connections=2 "$1" null:
  t1=$(date +%s%N)
  echo "scale=3; 1073741824 / ($t1 - $t0)" | bc
}

# measure NAME TRANSPORT: starts the server, waits until it answers, copies twice, stops it.
measure() {
  local name=$1 transport=$2 uri listen
  if [ "$transport" = unix ]; then
    listen=(-k "$work/nbd.sock"); uri="nbd+unix:///?socket=$work/nbd.sock"
  else
    local port; port=$(free_port)
    listen=(-b 127.0.0.1 -p "$port"); uri="nbd://127.0.0.1:$port/"
  fi
  if [ "$name" = qemu-nbd ]; then
    qemu-nbd -r -t -e 2 -f qcow2 "${listen[@]}" "$img" >"$work/server.log" 2>&1 &
  else
    "$root/bin/jemu-nbd" -r -t -e 2 -f qcow2 "${listen[@]}" "$img" >"$work/server.log" 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 300); do nbdinfo --size "$uri" >/dev/null 2>&1 && break; sleep 0.1; done
  local cold warm
  cold=$(copy "$uri")
  warm=$(copy "$uri")
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  rm -f "$work/nbd.sock"
  echo "$cold $warm"
}

printf '%-10s %-5s %10s %10s\n' server link "cold GB/s" "warm GB/s"
for transport in tcp unix; do
  read -r qc qw < <(measure qemu-nbd "$transport")
  read -r jc jw < <(measure jemu-nbd "$transport")
  printf '%-10s %-5s %10s %10s\n' qemu-nbd "$transport" "$qc" "$qw" jemu-nbd "$transport" "$jc" "$jw"
  echo "ratio jemu/qemu ($transport, warm): $(echo "scale=2; $jw / $qw" | bc)"
done

# The client side: convert from a qemu-nbd export (unix socket) to a raw file, each tool twice;
# the better run counts (jemu's includes its JVM start-up).
qemu-nbd -r -t -e 2 -f qcow2 -k "$work/nbd.sock" "$img" >"$work/server.log" 2>&1 &
server_pid=$!
uri="nbd+unix:///?socket=$work/nbd.sock"
for _ in $(seq 300); do nbdinfo --size "$uri" >/dev/null 2>&1 && break; sleep 0.1; done
convert_rate() {
  local best=0 t0 t1 rate
  for _ in 1 2; do
    rm -f "$work/out.raw"
    t0=$(date +%s%N)
    timeout 300 "$@" -O raw "$uri" "$work/out.raw"
    t1=$(date +%s%N)
    rate=$(echo "scale=3; 1073741824 / ($t1 - $t0)" | bc)
    best=$(echo "if ($rate > $best) $rate else $best" | bc)
  done
  echo "$best"
}
qconv=$(convert_rate qemu-img convert -f raw)
jconv=$(convert_rate "$root/bin/jemu-img" convert -f raw)
printf 'convert from qemu-nbd: qemu-img %s GB/s, jemu-img %s GB/s, ratio %s\n' "$qconv" "$jconv" \
  "$(echo "scale=2; $jconv / $qconv" | bc)"
