#!/usr/bin/env bash
# Provisions the kjob pair s.sched-1 and s.sched-2 as Debian 12 system containers on a real LXC
# host (one with a bridge, internet access for the image download, and systemd in containers).
# Not runnable on the development sandbox (no image download there): use scripts/lxc-pair for
# the local application-container mode. Idempotent: existing containers are reconfigured, not
# recreated.
#
#   sudo lxc/provision.sh --pg-url 'postgres://kjob:PASSWORD@10.0.3.1:5432/kjob' [--dry-run]
#                         [--nodes "s.sched-1 s.sched-2"] [--release bookworm] [--no-start]
#
# Steps (per node):
#   1. host: deploy/install.sh (release build into /opt/koder/scheduler) unless --skip-host-install;
#      root:100000:65536 in /etc/subuid and /etc/subgid for the unprivileged containers
#   2. lxc-create -n NODE -f lxc/NODE.conf -t download -- -d debian -r RELEASE -a amd64
#   3. start it, wait for its network, install bubblewrap, ca-certificates, postgresql-client
#   4. inside: /opt/koder/scheduler/share/deploy/install.sh --config-only (users kjob and kjob-run,
#      /etc/kjob, /var/log/kjob, the unit), and /etc/kjob/kjobd.env with this node's overrides:
#      KJOBD_NODE_ID, KJOBD_POSTGRES_URL, KJOBD_HTTP_LISTEN=<its address>:7070,
#      KJOBD_EXECUTOR_RUN_AS=kjob-run
#   5. once: kjobd migrate (from s.sched-1); then systemctl enable --now kjobd in both
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
nodes="s.sched-1 s.sched-2" release=bookworm pg_url="" dry=0 start=1 host_install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --pg-url) pg_url=$2; shift ;;
    --nodes) nodes=$2; shift ;;
    --release) release=$2; shift ;;
    --dry-run) dry=1 ;;
    --no-start) start=0 ;;
    --skip-host-install) host_install=0 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "provision.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$pg_url" ] || { echo "provision.sh: give --pg-url postgres://kjob:PASSWORD@HOST:5432/kjob (see deploy/postgres-setup.sql)" >&2; exit 2; }
if [ $dry = 0 ] && [ "$(id -u)" != 0 ]; then echo "provision.sh: run as root (or --dry-run)" >&2; exit 1; fi

say() { echo "provision.sh: $*"; }
run() { if [ $dry = 1 ]; then printf '  would run:'; printf ' %q' "$@"; echo; else "$@"; fi; }
inside() { local n=$1; shift; run lxc-attach -n "$n" --clear-env --set-var PATH=/usr/sbin:/usr/bin:/sbin:/bin -- "$@"; }

# The node's static address, from its config (lxc.net.0.ipv4.address = A.B.C.D/NN).
address_of() { sed -n 's/^lxc.net.0.ipv4.address *= *\([0-9.]*\).*/\1/p' "$src/lxc/$1.conf"; }

# 1. Host.
for tool in lxc-create lxc-attach lxc-start; do
  command -v $tool >/dev/null || { [ $dry = 1 ] && say "note: $tool missing (apt-get install lxc debootstrap)" || { echo "provision.sh: $tool missing: apt-get install lxc" >&2; exit 1; }; }
done
if [ $host_install = 1 ]; then
  say "installing kjob on the host into /opt/koder/scheduler (bind-mounted read-only into both nodes)"
  run "$src/deploy/install.sh" $([ $dry = 1 ] && echo --dry-run)
fi
for f in /etc/subuid /etc/subgid; do
  grep -q '^root:100000:65536$' "$f" 2>/dev/null || run sh -c "echo root:100000:65536 >> $f"
done

first=""
for node in $nodes; do
  [ -f "$src/lxc/$node.conf" ] || { echo "provision.sh: no lxc/$node.conf" >&2; exit 2; }
  addr=$(address_of "$node")
  [ -n "$first" ] || first=$node
  # 2. Create.
  if lxc-info -n "$node" >/dev/null 2>&1; then
    say "$node exists; keeping its rootfs (config changes: edit /var/lib/lxc/$node/config or recreate)"
  else
    run lxc-create -n "$node" -f "$src/lxc/$node.conf" -t download -- -d debian -r "$release" -a amd64
  fi
  [ $start = 1 ] || continue
  # 3. Start and wait for the network (bounded).
  lxc-info -n "$node" -s 2>/dev/null | grep -q RUNNING || run lxc-start -n "$node"
  run lxc-wait -n "$node" -s RUNNING -t 60
  inside "$node" sh -c 'for i in $(seq 60); do getent hosts deb.debian.org >/dev/null && exit 0; sleep 1; done; echo "no network/DNS in the container after 60 s" >&2; exit 1'
  # The static address comes from lxc.net; keep Debian's ifupdown from also asking DHCP for it.
  inside "$node" sh -c 'printf "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet manual\n" > /etc/network/interfaces'
  inside "$node" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates bubblewrap postgresql-client procps'
  # 4. Users, directories, unit, and this node's overrides.
  inside "$node" /opt/koder/scheduler/share/deploy/install.sh --config-only
  env_text="# Written by lxc/provision.sh for $node.
KJOBD_NODE_ID=$node
KJOBD_POSTGRES_URL=$pg_url
KJOBD_HTTP_LISTEN=$addr:7070
KJOBD_HTTP_PUBLIC_URL=http://$addr:7070
KJOBD_EXECUTOR_RUN_AS=kjob-run"
  # Agents go in /etc/kjob/kjobd.toml ([agents.NAME] command = [...]): a TOML array does not survive
  # systemd's EnvironmentFile quoting.
  if [ $dry = 1 ]; then
    say "would write $node:/etc/kjob/kjobd.env (0600):"; echo "$env_text" | sed 's/\(postgres:\/\/[^:]*:\)[^@]*@/\1***@/; s/^/    /'
  else
    printf '%s\n' "$env_text" | lxc-attach -n "$node" -- sh -c 'umask 077; cat > /etc/kjob/kjobd.env'
  fi
  inside "$node" sh -c 'set -a; . /etc/kjob/kjobd.env; exec /opt/koder/scheduler/bin/kjobd check-config --config /etc/kjob/kjobd.toml'
done

# 5. Schema once, then both nodes.
if [ $start = 1 ] && [ -n "$first" ]; then
  inside "$first" sh -c 'set -a; . /etc/kjob/kjobd.env; exec /opt/koder/scheduler/bin/kjobd migrate --config /etc/kjob/kjobd.toml'
  for node in $nodes; do inside "$node" systemctl enable --now kjobd.service; done
  say "done. Check: lxc-attach -n $first -- journalctl -u kjobd -n 20; kjob --server http://$(address_of "$first"):7070,http://$(address_of "${nodes##* }"):7070 status"
fi
