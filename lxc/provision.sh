#!/usr/bin/env bash
# Provisions the kjob pair s.sched-1 and s.sched-2 as Debian system containers (systemd as PID 1,
# kjobd as the unchanged deploy/kjobd.service) on an LXC host. The same script provisions a real
# host and the drills of this repository (scripts/lxc-sys gives it a private lxcpath, bridge and
# subnet). Idempotent: an existing container keeps its rootfs and gets its config rewritten.
#
#   sudo lxc/provision.sh --pg-url 'postgres://kjob:PASSWORD@10.77.0.1:5432/kjob' [--dry-run]
#        [--rootfs debootstrap|download] [--release bookworm] [--mirror URL] [--cache-dir DIR]
#        [--lxcpath DIR] [--bridge NAME] [--subnet A.B.C.0/24] [--privileged]
#        [--nodes "s.sched-1 s.sched-2"] [--no-start] [--skip-host-install | --host-root DIR]
#        [--bin-dir DIR] [--kjobd-toml FILE] [--env KEY=VALUE]... [--bind HOST:CONTAINER]...
#   sudo lxc/provision.sh --destroy [--lxcpath DIR] [--bridge NAME] [--nodes ...]
#   lxc/provision.sh --build-rootfs [--release ...] [--mirror ...] [--cache-dir ...]   (prints the tarball)
#   sudo lxc/provision.sh --network-only [--lxcpath DIR] [--bridge NAME] [--subnet ...]   (only the bridge)
#
#   --rootfs       debootstrap: a minbase rootfs with systemd built from --mirror (default: the host's
#                  configured Debian mirror), cached as CACHE/RELEASE-KEY.tar where KEY hashes release,
#                  mirror, architecture and the package list (default cache /var/cache/kjob-lxc, outside
#                  any clone, so every checkout and CI run on the host reuses it).
#                  download: `lxc-create -t download` from images.linuxcontainers.org.
#                  Default: download when that server answers within 3 s, else debootstrap.
#   --lxcpath      where the containers live (default /var/lib/lxc; lxc-autostart starts those at boot)
#   --bridge       host bridge (default kjobbr0), created with the subnet's .1 when missing
#   --subnet       /24 of the pair (default 10.77.0.0/24): gateway .1, s.sched-N at .1N (.11, .12)
#   --privileged   no idmap (default: unprivileged, container root = host uid 100000)
#   --host-root    install kjob with deploy/install.sh --root DIR (a staging tree) instead of on the
#                  host itself; DIR/opt/koder/scheduler is bind-mounted read-only as /opt/koder/scheduler
#   --bin-dir      install.sh --no-build --bin-dir DIR (a build made elsewhere, e.g. the debug build)
#   --kjobd-toml   install FILE as each node's /etc/kjob/kjobd.toml (default: keep the shipped one)
#   --env          extra KJOBD_* line for each node's /etc/kjob/kjobd.env (repeatable)
#   --bind         extra bind mount HOST_DIR:CONTAINER_DIR[:ro] in both nodes (repeatable), e.g. the
#                  Swift runtime of a build that does not link it statically
#   --destroy      stop and delete the nodes, the bridge if this script created it, their veths,
#                  the cgroups LXC leaves behind (lxc.pivot, lxc.payload.*, lxc.monitor.*) and lock files
#
# Steps (per node):
#   1. host: deploy/install.sh (the build into /opt/koder/scheduler, or --host-root DIR);
#      root:100000:65536 in /etc/subuid and /etc/subgid for unprivileged containers; the bridge
#   2. rootfs: extract the cached debootstrap tarball (shifted to the idmap), or lxc-create -t download;
#      the config is lxc/NODE.conf with this bridge, subnet and lxcpath filled in
#   3. start it, wait for systemd (`systemctl is-system-running --wait`, bounded);
#      download rootfs only: apt-get install bubblewrap ca-certificates procps inside
#   4. inside: /opt/koder/scheduler/share/deploy/install.sh --config-only (users kjob and kjob-run,
#      /etc/kjob, /var/log/kjob, the unit), and /etc/kjob/kjobd.env with this node's overrides:
#      KJOBD_NODE_ID, KJOBD_POSTGRES_URL, KJOBD_HTTP_LISTEN=<its address>:7070,
#      KJOBD_EXECUTOR_RUN_AS=kjob-run
#   5. once: kjobd migrate (from the first node); then systemctl enable + restart kjobd in each
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
nodes="s.sched-1 s.sched-2" release=bookworm pg_url="" dry=0 start=1 host_install=1
rootfs_mode="" mirror="" cache_dir=${KJOB_LXC_CACHE:-/var/cache/kjob-lxc} lxcpath=/var/lib/lxc
bridge=kjobbr0 subnet=10.77.0.0/24 privileged=0 host_root="" bin_dir="" kjobd_toml="" destroy=0 build_only=0 network_only=0
extra_env=() binds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pg-url) pg_url=$2; shift ;;
    --nodes) nodes=$2; shift ;;
    --release) release=$2; shift ;;
    --rootfs) rootfs_mode=$2; shift ;;
    --mirror) mirror=$2; shift ;;
    --cache-dir) cache_dir=$2; shift ;;
    --lxcpath) lxcpath=$(realpath -m "$2"); shift ;;
    --bridge) bridge=$2; shift ;;
    --subnet) subnet=$2; shift ;;
    --privileged) privileged=1 ;;
    --host-root) host_root=$(realpath -m "$2"); shift ;;
    --bin-dir) bin_dir=$(realpath -m "$2"); shift ;;
    --kjobd-toml) kjobd_toml=$(realpath "$2"); shift ;;
    --env) extra_env+=("$2"); shift ;;
    --bind) binds+=("$2"); shift ;;
    --dry-run) dry=1 ;;
    --no-start) start=0 ;;
    --skip-host-install) host_install=0 ;;
    --destroy) destroy=1 ;;
    --build-rootfs) build_only=1 ;;
    --network-only) network_only=1 ;;
    -h|--help) sed -n '2,46p' "$0"; exit 0 ;;
    *) echo "provision.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$rootfs_mode" in ""|debootstrap|download) ;; *) echo "provision.sh: --rootfs is debootstrap or download, not '$rootfs_mode'" >&2; exit 2 ;; esac
[[ "$subnet" =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] || { echo "provision.sh: --subnet must be a /24 like 10.77.0.0/24, not '$subnet'" >&2; exit 2; }
net3=${BASH_REMATCH[1]}
[ ${#bridge} -le 12 ] || { echo "provision.sh: --bridge '$bridge' is too long (at most 12 characters: the veths are named BRIDGE-N)" >&2; exit 2; }
for e in "${extra_env[@]}"; do [[ "$e" =~ ^KJOBD_[A-Z0-9_]+= ]] || { echo "provision.sh: --env wants KJOBD_KEY=VALUE, not '$e'" >&2; exit 2; }; done
for b in "${binds[@]}"; do [[ "$b" == /*:/* ]] || { echo "provision.sh: --bind wants /HOST/DIR:/CONTAINER/DIR[:ro], not '$b'" >&2; exit 2; }; done
if [ $dry = 0 ] && [ "$(id -u)" != 0 ]; then echo "provision.sh: run as root (or --dry-run)" >&2; exit 1; fi

say() { echo "provision.sh: $*"; }
run() { if [ $dry = 1 ]; then printf '  would run:'; printf ' %q' "$@"; echo; else "$@"; fi; }
lxc() { local c=$1; shift; "lxc-$c" -P "$lxcpath" "$@"; }
# lxc-attach blocks on a frozen container: every attach is bounded.
inside() { local n=$1; shift; run timeout 120 lxc-attach -P "$lxcpath" -n "$n" --clear-env --set-var PATH=/usr/sbin:/usr/bin:/sbin:/bin -- "$@"; }
node_index() { [[ "$1" =~ ([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}" || { echo "provision.sh: node '$1' has no trailing number" >&2; exit 2; }; }
address_of() { echo "$net3.$((10 + $(node_index "$1")))"; }
gateway=$net3.1
veth_of() { echo "$bridge-$(node_index "$1")"; }
idmap_base=100000

# ------------------------------------------------------------------ teardown
# The cgroups LXC 5 leaves behind after a stop (lxc.pivot) or a crash (lxc.payload.N, lxc.monitor.N),
# in every v1 hierarchy and the unified one. Only empty directories are removed.
remove_cgroups() {
  local n d
  for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    for n in "$@"; do
      [ -d "$d$n" ] || continue
      find "$d$n" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
  done
}
if [ $destroy = 1 ]; then
  for node in $nodes; do
    if [ -e "$lxcpath/$node/config" ]; then
      lxc-unfreeze -P "$lxcpath" -n "$node" 2>/dev/null || true
      run lxc-stop -P "$lxcpath" -n "$node" -k 2>/dev/null || true
      run lxc-destroy -P "$lxcpath" -n "$node" -f >/dev/null 2>&1 || run rm -rf "${lxcpath:?}/$node"
    fi
    ip link show "$(veth_of "$node")" >/dev/null 2>&1 && run ip link del "$(veth_of "$node")"
    remove_cgroups "lxc.payload.$node" "lxc.monitor.$node"
  done
  remove_cgroups lxc.pivot
  if [ -f "$lxcpath/.bridge-$bridge" ]; then
    ip link show "$bridge" >/dev/null 2>&1 && run ip link del "$bridge"
    run rm -f "$lxcpath/.bridge-$bridge"
  fi
  run rm -rf "/run/lxc/lock/${lxcpath#/}"
  # and its now empty parents (LXC creates the lock path's whole tree).
  lock_parent=$(dirname "/run/lxc/lock/${lxcpath#/}")
  while [ "$lock_parent" != /run/lxc/lock ] && rmdir "$lock_parent" 2>/dev/null; do lock_parent=$(dirname "$lock_parent"); done
  rmdir "$lxcpath" 2>/dev/null || true
  say "destroyed $nodes in $lxcpath (bridge $bridge removed only if this script created it)"
  exit 0
fi

# ------------------------------------------------------------------ the debootstrap rootfs
# bubblewrap: job sandboxes; procps: kjobd's process sweep and operators; iproute2/dbus/systemd: a
# booting system. Changing the list (or release, mirror, arch) changes the cache key.
packages="systemd systemd-sysv dbus iproute2 ca-certificates procps bubblewrap less"
host_mirror() {
  local m
  m=$(sed -n 's/^URIs: *\(http[^ ]*debian\/\?\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  [ -n "$m" ] || m=$(awk '$1 == "deb" && $2 ~ /^http/ && $2 !~ /security/ { print ($2 ~ /^\[/ ? $3 : $2); exit }' /etc/apt/sources.list 2>/dev/null)
  echo "${m:-http://deb.debian.org/debian}"
}
[ -n "$mirror" ] || mirror=$(host_mirror)
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
rootfs_key=$(printf '%s\n' "v1" "$release" "$mirror" "$arch" "$packages" | sha256sum | cut -c1-12)
rootfs_tar=$cache_dir/$release-$arch-$rootfs_key.tar

build_rootfs() {
  if [ -s "$rootfs_tar" ]; then say "rootfs cached: $rootfs_tar"; return; fi
  command -v debootstrap >/dev/null || { [ $dry = 1 ] || { echo "provision.sh: debootstrap missing: apt-get install debootstrap" >&2; exit 1; }; }
  local t0=$SECONDS tmp
  say "building the $release rootfs with debootstrap from $mirror (packages: $packages)"
  if [ $dry = 1 ]; then run debootstrap --variant=minbase --include="${packages// /,}" "$release" DIR "$mirror"; return; fi
  mkdir -p "$cache_dir"
  tmp=$(mktemp -d "$cache_dir/build.XXXXXX")
  # debootstrap mounts proc and sys in the target; a failed run can leave them mounted.
  trap 'umount -R "$tmp/rootfs/proc" "$tmp/rootfs/sys" 2>/dev/null; rm -rf --one-file-system "$tmp"' EXIT
  debootstrap --variant=minbase --include="${packages// /,}" "$release" "$tmp/rootfs" "$mirror" > "$tmp/debootstrap.log" 2>&1 ||
    { tail -20 "$tmp/debootstrap.log" >&2; echo "provision.sh: debootstrap failed (log above)" >&2; exit 1; }
  # A container has no consoles to log in on, no hardware clock, and gets its address from lxc.net.
  chroot "$tmp/rootfs" systemctl mask getty@tty1.service console-getty.service systemd-timesyncd.service \
    systemd-networkd-wait-online.service >/dev/null 2>&1 || true
  rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"*
  : > "$tmp/rootfs/etc/machine-id"
  # No device nodes: LXC populates /dev, and a user namespace cannot mknod them.
  tar -C "$tmp/rootfs" --numeric-owner --one-file-system --exclude=./dev/* -cpf "$tmp/rootfs.tar" .
  mv "$tmp/rootfs.tar" "$rootfs_tar"
  rm -rf --one-file-system "$tmp"; trap - EXIT
  say "rootfs built in $((SECONDS - t0)) s: $rootfs_tar ($(du -h "$rootfs_tar" | cut -f1))"
}
if [ $build_only = 1 ]; then build_rootfs; echo "$rootfs_tar"; exit 0; fi

# The bridge, with the subnet's .1 on the host side; remembered so that --destroy removes only ours.
ensure_bridge() {
  run mkdir -p "$lxcpath"
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    say "creating bridge $bridge with $gateway/24"
    run ip link add "$bridge" type bridge
    # A fixed address: by default a bridge takes its ports' lowest MAC, so a node's reboot (its veth
    # leaving and rejoining) could change the gateway's MAC under the other node's ARP cache and cut
    # it off from Postgres for seconds (seen in the reboot drill: the standby that took over lost it).
    run ip link set "$bridge" address "$(printf '02:6b:6a:%02x:%02x:%02x' ${net3//./ })"
    run ip addr add "$gateway/24" dev "$bridge"
    run ip link set "$bridge" up
    run touch "$lxcpath/.bridge-$bridge"
  fi
}
if [ $network_only = 1 ]; then ensure_bridge; exit 0; fi

[ -n "$pg_url" ] || { echo "provision.sh: give --pg-url postgres://kjob:PASSWORD@$gateway:5432/kjob (see deploy/postgres-setup.sql)" >&2; exit 2; }
if [ -z "$rootfs_mode" ]; then
  if curl -sfI -m 3 https://images.linuxcontainers.org/meta/1.0/index-system >/dev/null 2>&1; then rootfs_mode=download; else rootfs_mode=debootstrap; fi
  say "rootfs: $rootfs_mode ($([ $rootfs_mode = download ] && echo "images.linuxcontainers.org answers" || echo "no image server reachable"))"
fi

# ------------------------------------------------------------------ 1. host
for tool in lxc-create lxc-attach lxc-start; do
  command -v $tool >/dev/null || { [ $dry = 1 ] && say "note: $tool missing (apt-get install lxc debootstrap)" || { echo "provision.sh: $tool missing: apt-get install lxc" >&2; exit 1; }; }
done
tree=${host_root:-}/opt/koder/scheduler
if [ $host_install = 1 ]; then
  say "installing kjob into $tree (bind-mounted read-only into the nodes)"
  args=(); [ $dry = 1 ] && args+=(--dry-run); [ -n "$host_root" ] && args+=(--root "$host_root")
  [ -n "$bin_dir" ] && args+=(--no-build --bin-dir "$bin_dir")
  run "$src/deploy/install.sh" "${args[@]}" >/dev/null
fi
[ $dry = 1 ] || [ -x "$tree/bin/kjobd" ] || { echo "provision.sh: $tree/bin/kjobd missing: install first (drop --skip-host-install)" >&2; exit 1; }
if [ $privileged = 0 ]; then
  for f in /etc/subuid /etc/subgid; do
    grep -q "^root:$idmap_base:65536$" "$f" 2>/dev/null || run sh -c "echo root:$idmap_base:65536 >> $f"
  done
fi
ensure_bridge
[ "$rootfs_mode" = debootstrap ] && build_rootfs

# The controllers of the unified hierarchy: on a hybrid host memory and pids are v1 only, where
# lxc.cgroup2.* limits would fail the start; they are written as lxc.cgroup.* there.
v2_controllers=$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null || true)

# lxc/NODE.conf with this host's bridge, subnet, idmap choice, rootfs and cgroup layout.
node_config() {
  local node=$1 line key
  echo "# Generated by lxc/provision.sh from lxc/$node.conf (edit that and re-run provision.sh)."
  while IFS= read -r line; do
    key=${line%% *}
    case "$key" in
      lxc.net.0.link) echo "lxc.net.0.link = $bridge" ;;
      lxc.net.0.ipv4.address) echo "lxc.net.0.ipv4.address = $(address_of "$node")/24" ;;
      lxc.net.0.ipv4.gateway) echo "lxc.net.0.ipv4.gateway = $gateway" ;;
      lxc.idmap) [ $privileged = 1 ] || echo "$line" ;;
      lxc.mount.entry) echo "${line/= \/opt\/koder\/scheduler /= $tree }" ;;
      lxc.include) [[ $privileged = 1 && "$line" == *userns.conf ]] || echo "$line" ;;
      lxc.cgroup2.pids.max|lxc.cgroup2.memory.max)
        local c=${key#lxc.cgroup2.}; c=${c%%.*}
        if [[ " $v2_controllers " == *" $c "* ]]; then echo "$line"
        elif [ "$c" = pids ]; then echo "lxc.cgroup.pids.max = ${line##* }"
        else echo "lxc.cgroup.memory.limit_in_bytes = ${line##* }"; fi ;;
      *) echo "$line" ;;
    esac
  done < "$src/lxc/$node.conf"
  echo "lxc.net.0.veth.pair = $(veth_of "$node")"
  local b host rest opts
  for b in "${binds[@]}"; do
    host=${b%%:*} rest=${b#*:/} opts=bind,create=dir
    case "$rest" in *:ro) rest=${rest%:ro}; opts=bind,ro,create=dir ;; esac
    echo "lxc.mount.entry = $host $rest none $opts 0 0"
  done
  if [ "$rootfs_mode" = debootstrap ]; then
    echo "lxc.include = /usr/share/lxc/config/common.conf"
    echo "lxc.arch = $arch"
    echo "lxc.rootfs.path = dir:$lxcpath/$node/rootfs"
  fi
  [ -d /sys/kernel/security/apparmor ] || echo "lxc.apparmor.profile = unconfined"
  echo "lxc.log.file = $lxcpath/$node/$node.log"
  echo "lxc.log.level = WARN"
}

first=""
for node in $nodes; do
  [ -f "$src/lxc/$node.conf" ] || { echo "provision.sh: no lxc/$node.conf" >&2; exit 2; }
  addr=$(address_of "$node")
  [ -n "$first" ] || first=$node
  # 2. Create (or reconfigure).
  if [ -d "$lxcpath/$node/rootfs" ] && [ -n "$(ls -A "$lxcpath/$node/rootfs" 2>/dev/null)" ]; then
    say "$node exists in $lxcpath; keeping its rootfs, rewriting its config"
  elif [ "$rootfs_mode" = download ]; then
    node_config "$node" > "/tmp/kjob-$node.conf"
    run lxc-create -P "$lxcpath" -n "$node" -f "/tmp/kjob-$node.conf" -t download -- -d debian -r "$release" -a "$arch"
  else
    say "$node: extracting the rootfs into $lxcpath/$node/rootfs ($([ $privileged = 1 ] && echo privileged || echo "idmap u/g 0 $idmap_base 65536"))"
    run mkdir -p "$lxcpath/$node/rootfs"
    run chmod 0755 "$lxcpath/$node"
    if [ $privileged = 1 ]; then
      run tar -C "$lxcpath/$node/rootfs" --numeric-owner -xpf "$rootfs_tar"
    else
      # Extracted by the mapped root of a user namespace, so every owner is shifted by the idmap.
      run chown "$idmap_base:$idmap_base" "$lxcpath/$node/rootfs"
      run lxc-usernsexec -m "b:0:$idmap_base:65536" -- tar -C "$lxcpath/$node/rootfs" --numeric-owner --exclude="./dev/*" -xpf "$rootfs_tar"
    fi
    if [ $dry = 0 ]; then
      echo "$node" > "$lxcpath/$node/rootfs/etc/hostname"
      printf '127.0.0.1 localhost\n127.0.1.1 %s\n%s %s\n' "$node" "$addr" "$node" > "$lxcpath/$node/rootfs/etc/hosts"
    fi
  fi
  if [ $dry = 1 ]; then say "would write $lxcpath/$node/config:"; node_config "$node" | sed 's/^/    /'
  else node_config "$node" > "$lxcpath/$node/config"; fi
  [ $start = 1 ] || continue
  # 3. Start and wait for systemd (bounded).
  lxc-info -P "$lxcpath" -n "$node" -s 2>/dev/null | grep -q RUNNING || run lxc-start -P "$lxcpath" -n "$node"
  run lxc-wait -P "$lxcpath" -n "$node" -s RUNNING -t 60
  # Right after the start systemd may not answer yet (no bus): ask again, bounded.
  t0=$SECONDS state=""
  while [ $dry = 0 ] && [ $((SECONDS - t0)) -lt 90 ]; do
    state=$(inside "$node" systemctl is-system-running --wait 2>/dev/null || true)
    case "$state" in running|degraded|maintenance|stopping) break ;; esac
    sleep 0.2
  done
  say "$node: systemd is ${state:-not answering} after $((SECONDS - t0)) s"
  [ "$state" = running ] || [ "$state" = degraded ] || [ $dry = 1 ] || { echo "provision.sh: $node did not boot (systemd: '$state'); see $lxcpath/$node/$node.log" >&2; exit 1; }
  if [ "$rootfs_mode" = download ]; then
    inside "$node" sh -c 'for i in $(seq 60); do getent hosts deb.debian.org >/dev/null && exit 0; sleep 1; done; echo "no network/DNS in the container after 60 s" >&2; exit 1'
    # The static address comes from lxc.net; keep Debian's ifupdown from also asking DHCP for it.
    inside "$node" sh -c 'printf "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet manual\n" > /etc/network/interfaces'
    inside "$node" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates bubblewrap procps'
  fi
  # 4. Users, directories, unit, and this node's overrides.
  inside "$node" /opt/koder/scheduler/share/deploy/install.sh --config-only >/dev/null
  if [ -n "$kjobd_toml" ]; then
    if [ $dry = 1 ]; then say "would install $kjobd_toml as $node:/etc/kjob/kjobd.toml"
    else timeout 60 lxc-attach -P "$lxcpath" -n "$node" -- sh -c 'umask 027; cat > /etc/kjob/kjobd.toml && chgrp kjob /etc/kjob/kjobd.toml' < "$kjobd_toml"; fi
  fi
  env_text="# Written by lxc/provision.sh for $node.
KJOBD_NODE_ID=$node
KJOBD_POSTGRES_URL=$pg_url
KJOBD_HTTP_LISTEN=$addr:7070
KJOBD_HTTP_PUBLIC_URL=http://$addr:7070
KJOBD_EXECUTOR_RUN_AS=kjob-run"
  for e in "${extra_env[@]}"; do env_text+=$'\n'"$e"; done
  # Agents go in /etc/kjob/kjobd.toml ([agents.NAME] command = [...]): a TOML array does not survive
  # systemd's EnvironmentFile quoting.
  if [ $dry = 1 ]; then
    say "would write $node:/etc/kjob/kjobd.env (0600):"; echo "$env_text" | sed 's/\(postgres:\/\/[^:]*:\)[^@]*@/\1***@/; s/^/    /'
  else
    printf '%s\n' "$env_text" | timeout 60 lxc-attach -P "$lxcpath" -n "$node" -- sh -c 'umask 077; cat > /etc/kjob/kjobd.env'
  fi
  inside "$node" sh -c 'set -a; . /etc/kjob/kjobd.env; exec /opt/koder/scheduler/bin/kjobd check-config --config /etc/kjob/kjobd.toml' >/dev/null
done

# 5. Schema once, then both nodes.
if [ $start = 1 ] && [ -n "$first" ]; then
  inside "$first" sh -c 'set -a; . /etc/kjob/kjobd.env; exec /opt/koder/scheduler/bin/kjobd migrate --config /etc/kjob/kjobd.toml' >/dev/null
  # restart, not --now: the enabled unit may already run with the config from before this run
  # (a container booted before its kjobd.env was rewritten); re-provisioning restarts each node.
  for node in $nodes; do
    inside "$node" systemctl enable kjobd.service 2>/dev/null
    inside "$node" systemctl restart kjobd.service
  done
  last=${nodes##* }
  say "done. Check: lxc-attach -P $lxcpath -n $first -- journalctl -u kjobd -n 20; kjob --server http://$(address_of "$first"):7070,http://$(address_of "$last"):7070 status"
fi
