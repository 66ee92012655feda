#!/usr/bin/env bash
# Boots a real systemd as PID 1 of private namespaces, for tests that need one
# on a machine whose PID 1 is not systemd (a CI container). It boots a target of
# its own that starts a system bus and nothing else: no sysinit.target, so no
# systemd-tmpfiles (which would empty the shared /tmp) and no udevd.
#
# Nothing reaches outside: the mount namespace is private; /, /sys and
# /proc/sys are read-only in it; /run, /tmp, /var/tmp, /var/lib/systemd,
# /var/log, /dev/shm and /etc/systemd/system are fresh tmpfs; /dev/console is a
# terminal of its own. Only WORK_DIR and this checkout (the vfg binary the tests
# run inside) stay shared, at their own paths, even when they live under /tmp:
# a checkout can be anywhere. The cgroup
# namespace is rooted in a cgroup2 group of its own, removed at exit; systemd
# sees cgroup2 only ("unified"), whatever the host mounts. It runs without the
# capabilities to load kernel modules or set the clock.
#
#   systemd-ns.sh WORK_DIR
#
# Writes WORK_DIR/systemd.log (systemd's console), then WORK_DIR/systemd.pid
# (its pid outside, for `nsenter -t PID -p -m -C`) once systemctl answers, and
# runs until SIGTERM/SIGINT. However this script ends, the namespace dies with
# it: its child gets SIGKILL when it exits (pdeathsig), and systemd, PID 1 of
# the namespace, takes every process in it along.
set -euo pipefail

die() {
  echo "systemd-ns: $*" >&2
  exit 1
}

if [ "${1:-}" = "--inside" ]; then
  # PID 1 of the new namespaces, as root: build the filesystem systemd sees.
  work=$2
  checkout=$3
  log=$work/systemd.log
  mount --make-rprivate /
  # Kernel settings are global: systemd must not write any of them.
  mount --bind /proc/sys /proc/sys
  mount -o remount,bind,ro /proc/sys
  mount -t tmpfs -o mode=0755 tmpfs /run
  # Set aside before the fresh /tmp and /var/tmp hide them, and put back
  # after; the checkout first, as the work directory may lie inside it.
  keep=("$checkout" "$work")
  for i in "${!keep[@]}"; do
    mkdir -p "/run/keep/$i"
    mount --bind "${keep[$i]}" "/run/keep/$i"
  done
  for dir in /tmp /var/tmp; do mount -t tmpfs -o mode=1777 tmpfs "$dir"; done
  for i in "${!keep[@]}"; do
    mkdir -p "${keep[$i]}"
    mount --move "/run/keep/$i" "${keep[$i]}"
  done
  rmdir /run/keep/* /run/keep
  for dir in /var/lib/systemd /var/log /dev/shm /etc/systemd/system; do
    mount -t tmpfs -o mode=0755 tmpfs "$dir"
  done
  # systemd's console is a terminal of its own that socat copies to the log,
  # never the machine's console. (PID 1 reopens /dev/console and writes only
  # to a terminal.)
  socat -u PTY,link=/run/console,rawer OPEN:"$log",append </dev/null >/dev/null 2>&1 &
  for _ in $(seq 50); do [ -e /run/console ] && break; sleep 0.1; done
  mount --bind "$(readlink -f /run/console)" /dev/console
  # cgroup2 alone, mounted fresh so that it is rooted at this cgroup
  # namespace's root. Given the v1 hierarchies of a hybrid host, systemd would
  # mount them too and create its cgroups at their (the host's) roots.
  mount -o remount,bind,ro /sys
  mount -t cgroup2 cgroup2 /sys/fs/cgroup

  units=/etc/systemd/system
  cat >"$units/vfg-test.target" <<'EOF'
[Unit]
Description=A system bus and nothing else
DefaultDependencies=no
Requires=dbus.socket dbus.service
After=dbus.socket dbus.service
EOF
  # The packaged bus units pull in sysinit.target through default dependencies.
  cat >"$units/dbus.socket" <<'EOF'
[Unit]
Description=D-Bus System Message Bus Socket
DefaultDependencies=no

[Socket]
ListenStream=/run/dbus/system_bus_socket
EOF
  cat >"$units/dbus.service" <<'EOF'
[Unit]
Description=D-Bus System Message Bus
DefaultDependencies=no
Requires=dbus.socket
After=dbus.socket

[Service]
Type=notify
NotifyAccess=main
ExecStart=/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only
EOF
  # Last: everything above is in place, so the root may turn read-only.
  mount -o remount,bind,ro /
  # Without the capabilities that reach the machine's kernel as a whole
  # (loading modules, setting the clock).
  exec setpriv --bounding-set -sys_module,-sys_time -- \
    env -i container=vfg-test PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    /lib/systemd/systemd --system --unit=vfg-test.target --log-target=console \
    --default-standard-output=inherit --default-standard-error=inherit </dev/null >>"$log" 2>&1
fi

[ $# -eq 1 ] || die "usage: systemd-ns.sh WORK_DIR"
[ "$(id -u)" -eq 0 ] || die "must run as root (it mounts and creates cgroups)"
for tool in unshare nsenter setpriv mount socat /lib/systemd/systemd /usr/bin/dbus-daemon \
  busctl systemctl; do
  command -v "$tool" >/dev/null ||
    die "$tool is missing: install the Debian packages systemd, dbus, util-linux and socat" \
      "(scripts/install-deps.sh)"
done
work=$(realpath "$1")
[ -d "$work" ] || die "$work is not a directory"
checkout=$(realpath "$(dirname "$0")/../..")
rm -f "$work/systemd.pid"
: >"$work/systemd.log"

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
  group=/sys/fs/cgroup/vfg-test-$$
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
  group=/sys/fs/cgroup/unified/vfg-test-$$  # a hybrid host
else
  die "needs cgroup2, at /sys/fs/cgroup or at /sys/fs/cgroup/unified"
fi

child=
pid=
cleanup() {
  trap - EXIT INT TERM
  # Killing PID 1 of the namespace kills everything in it; unshare reaps it
  # once the kernel has, and only then exits.
  if [ -n "$pid" ] && grep -qw "$pid" "/proc/$child/task/$child/children" 2>/dev/null; then
    kill -KILL "$pid"
  fi
  if [ -n "$child" ]; then
    [ -n "$pid" ] || kill -KILL "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  # systemd's cgroups outlive it, empty: remove them, deepest first, once the
  # kernel has finished taking the namespace's processes down.
  for _ in $(seq 50); do
    [ -d "$group" ] || break
    find "$group" -depth -type d -exec rmdir {} + 2>/dev/null || sleep 0.1
  done
  [ ! -d "$group" ] || echo "systemd-ns: could not remove $group" >&2
}
trap cleanup EXIT
trap 'exit 0' INT TERM

mkdir "$group"
(
  echo "$BASHPID" >"$group/cgroup.procs"
  exec setpriv --pdeathsig KILL -- \
    unshare --pid --fork --kill-child --mount-proc --cgroup --uts --ipc --net -- \
    "$0" --inside "$work" "$checkout"
) &
child=$!

# Ready once systemctl answers (any state but "offline") and the bus is up.
deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ]; do
  kill -0 "$child" 2>/dev/null || die "systemd exited during boot; its log:$(sed 's/^/  /' "$work/systemd.log")"
  if [ -z "$pid" ]; then
    pid=$(cat "/proc/$child/task/$child/children" 2>/dev/null | awk '{print $1}')
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] || pid=
  fi
  if [ -n "$pid" ]; then
    state=$(nsenter -t "$pid" -p -m -C -- systemctl is-system-running 2>/dev/null || true)
    if [ -n "$state" ] && [ "$state" != offline ] &&
      nsenter -t "$pid" -p -m -C -- busctl --system status >/dev/null 2>&1; then
      echo "$pid" >"$work/systemd.pid.new"
      mv "$work/systemd.pid.new" "$work/systemd.pid"
      wait "$child" || true
      die "systemd exited; its log:$(sed 's/^/  /' "$work/systemd.log")"
    fi
  fi
  sleep 0.2
done
die "systemd did not answer within 60 s; its log:$(sed 's/^/  /' "$work/systemd.log")"
