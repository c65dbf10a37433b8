#!/usr/bin/env bash
# Installs kjob on a node (s.sched-1 / s.sched-2, or any Debian host). Idempotent: re-running
# upgrades the binaries and the unit and never overwrites /etc/kjob/kjobd.toml or kjobd.env.
#
#   deploy/install.sh [--dry-run] [--no-build] [--bin-dir DIR] [--root DIR] [--unprivileged] [--enable]
#
#   --dry-run       print every action, change nothing
#   --no-build      do not build; take binaries from --bin-dir (default: the release build dir)
#   --bin-dir DIR   where the built kjobd, kjob (and kjob-relay-sink) are
#   --root DIR      install under DIR (a staging tree, or an LXC rootfs): no users, no chown, no systemctl
#   --unprivileged  also install the drop-in that runs kjobd as `kjob` without capabilities (no run_as)
#   --enable        systemctl enable --now kjobd (otherwise print the next steps)
#   --config-only   no build, no binaries: users, dirs, config, unit only (inside an LXC container
#                   whose /opt/koder/scheduler is a read-only bind mount of the host's; lxc/provision.sh)
#
# Layout: /opt/koder/scheduler/{bin,share}, /etc/kjob (root:kjob 0750), /var/log/kjob and
# /var/lib/kjob (root:kjob 0750), users `kjob` (kjobd's group, readers of logs) and `kjob-run`
# (jobs run as it: run_as = "kjob-run"), /var/lib/kjob/work (run working dirs),
# /etc/systemd/system/kjobd.service. kjob-spawn (the sandbox's spawn helper) goes next to kjobd.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
prefix=/opt/koder/scheduler
dry=0 build=1 bin_dir="" root="" unprivileged=0 enable=0 config_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --no-build) build=0 ;;
    --bin-dir) bin_dir=$2; shift ;;
    --root) root=$(realpath -m "$2"); shift ;;
    --unprivileged) unprivileged=1 ;;
    --enable) enable=1 ;;
    --config-only) config_only=1; build=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "install.sh: $*"; }
run() { if [ $dry = 1 ]; then printf '  would run:'; printf ' %q' "$@"; echo; else "$@"; fi; }
if [ $dry = 0 ] && [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (or try --dry-run, or --root DIR for a staging tree)" >&2; exit 1
fi

# 1. Build (release) and find the binaries.
if [ $build = 1 ]; then
  export PATH=/opt/swift/usr/bin:$PATH
  say "building release binaries (swift build -c release)"
  run bash -c "cd '$src' && swift build -c release"
  [ -n "$bin_dir" ] || bin_dir=$(cd "$src" && swift build -c release --show-bin-path)
fi
if [ $config_only = 0 ] && [ -z "$bin_dir" ]; then
  bin_dir=$(cd "$src" && PATH=/opt/swift/usr/bin:$PATH swift build -c release --show-bin-path)
fi
bins=()
[ $config_only = 1 ] || for b in kjobd kjob kjob-spawn kjob-relay-sink; do
  if [ -x "$bin_dir/$b" ]; then bins+=("$b")
  elif [ "$b" = kjobd ]; then
    if [ $dry = 1 ]; then say "note: $bin_dir/kjobd is not built (yet); a real install stops here"
    else echo "install.sh: $bin_dir/kjobd not found; build it (swift build -c release) or give --bin-dir" >&2; exit 1; fi
  fi
done

# 2. Users: kjob (group of the daemon, readers of config and logs) and kjob-run (the jobs).
if [ -z "$root" ]; then
  getent group kjob >/dev/null || run groupadd --system kjob
  id -u kjob >/dev/null 2>&1 || run useradd --system --gid kjob --home-dir /var/lib/kjob --no-create-home \
    --shell /usr/sbin/nologin --comment "kjob scheduler" kjob
  getent group kjob-run >/dev/null || run groupadd --system kjob-run
  id -u kjob-run >/dev/null 2>&1 || run useradd --system --gid kjob-run --home-dir /nonexistent \
    --no-create-home --shell /usr/sbin/nologin --comment "kjob job runner" kjob-run
else
  say "--root: skipping user creation (create kjob and kjob-run inside the target)"
fi

# 3. Directories. kjob-run can read neither /etc/kjob nor the logs; it may only traverse
#    /var/lib/kjob to its runs' working directories (<work_dir>/<job>/<run-id>, 0700, its own).
own() { # MODE OWNER:GROUP PATH
  run install -d -m "$1" "$root$3"
  [ -n "$root" ] || run chown "$2" "$root$3"
  [ -n "$root" ] || run chmod "$1" "$root$3"
}
# --config-only: the prefix is the host's read-only bind mount, not ours to create or chown.
if [ $config_only = 0 ]; then
  own 0755 root:root "$prefix"
  own 0755 root:root "$prefix/bin"
  own 0755 root:root "$prefix/share"
fi
own 0750 root:kjob /etc/kjob
own 0750 root:kjob /var/log/kjob
own 0751 root:kjob /var/lib/kjob
own 0711 root:root /var/lib/kjob/work

# 4. Binaries and shared files (replaced on every install). share/ holds the deploy kit, so that
#    share/deploy/install.sh --config-only works inside containers that bind-mount the prefix.
if [ $config_only = 0 ]; then
  for b in "${bins[@]}"; do run install -m 0755 "$bin_dir/$b" "$root$prefix/bin/$b"; done
  run install -m 0755 "$src/examples/demo-agent" "$root$prefix/bin/demo-agent"
  if [ "$src" != "$root$prefix/share" ]; then
    run install -d -m 0755 "$root$prefix/share/deploy/logrotate.d" "$root$prefix/share/deploy/tmpfiles.d" \
      "$root$prefix/share/deploy/kjobd.service.d" "$root$prefix/share/examples" "$root$prefix/share/docs"
    run install -m 0644 "$src/README.md" "$root$prefix/share/README.md"
    for f in "$src"/docs/*.md; do run install -m 0644 "$f" "$root$prefix/share/docs/${f##*/}"; done
    run install -m 0755 "$src/examples/demo-agent" "$root$prefix/share/examples/demo-agent"
    run install -m 0755 "$src/deploy/install.sh" "$root$prefix/share/deploy/install.sh"
    for f in kjobd.service postgres-setup.sql logrotate.d/kjob tmpfiles.d/kjob.conf kjobd.service.d/unprivileged.conf kjobd.toml; do
      if [ -f "$src/deploy/$f" ]; then run install -m 0644 "$src/deploy/$f" "$root$prefix/share/deploy/$f"; fi
    done
  fi
fi

# 5. Config: installed once, never overwritten.
if [ -e "$root/etc/kjob/kjobd.toml" ]; then
  say "keeping existing /etc/kjob/kjobd.toml (the shipped one is $prefix/share/deploy/kjobd.toml)"
elif [ -f "$src/deploy/kjobd.toml" ]; then
  run install -m 0640 "$src/deploy/kjobd.toml" "$root/etc/kjob/kjobd.toml"
  [ -n "$root" ] || run chown root:kjob "$root/etc/kjob/kjobd.toml"
  say "installed /etc/kjob/kjobd.toml: set [node] id, [postgres] url, [agents], [relay] (jobs run as run_as = \"kjob-run\")"
else
  say "note: deploy/kjobd.toml is not in this tree yet (it comes with the store branch); write /etc/kjob/kjobd.toml by hand"
fi
if ! [ -e "$root/etc/kjob/kjobd.env" ]; then
  if [ $dry = 1 ]; then echo "  would write: $root/etc/kjob/kjobd.env (0600, commented KJOBD_* overrides)"
  else
    umask 077
    cat > "$root/etc/kjob/kjobd.env" <<'ENV'
# KJOBD_<SECTION>_<KEY> overrides for kjobd.service (secrets belong here, not in kjobd.toml).
#KJOBD_POSTGRES_URL=postgres://kjob:CHANGE-ME@db.internal:5432/kjob?sslmode=require
#KJOBD_NODE_ID=s.sched-1
ENV
    umask 022
  fi
fi

# 6. systemd unit (+ optional drop-in), logrotate, tmpfiles.
run install -d -m 0755 "$root/etc/systemd/system"
run install -m 0644 "$src/deploy/kjobd.service" "$root/etc/systemd/system/kjobd.service"
if [ $unprivileged = 1 ]; then
  run install -d -m 0755 "$root/etc/systemd/system/kjobd.service.d"
  run install -m 0644 "$src/deploy/kjobd.service.d/unprivileged.conf" "$root/etc/systemd/system/kjobd.service.d/unprivileged.conf"
fi
run install -d -m 0755 "$root/etc/logrotate.d" "$root/etc/tmpfiles.d"
run install -m 0644 "$src/deploy/logrotate.d/kjob" "$root/etc/logrotate.d/kjob"
run install -m 0644 "$src/deploy/tmpfiles.d/kjob.conf" "$root/etc/tmpfiles.d/kjob.conf"

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
  if [ $enable = 1 ]; then run systemctl enable --now kjobd.service; fi
else
  say "systemd is not running here (or --root): not reloading or enabling the unit"
fi

cat <<NEXT
install.sh: done${root:+ (under $root)}. Next steps:
  1. Database (once, as a Postgres superuser):
       psql -v kjob_password=... -f $prefix/share/deploy/postgres-setup.sql
  2. Edit /etc/kjob/kjobd.toml ([node] id, [agents], [relay]; it ships run_as = "kjob-run");
     put the database URL with its password in /etc/kjob/kjobd.env as KJOBD_POSTGRES_URL.
  3. $prefix/bin/kjobd check-config --config /etc/kjob/kjobd.toml
     $prefix/bin/kjobd migrate --config /etc/kjob/kjobd.toml
  4. systemctl enable --now kjobd; journalctl -u kjobd -f
NEXT
