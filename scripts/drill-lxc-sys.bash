# Sourced by scripts/drill when KJOB_DRILL_LXC=1 and scripts/lxc-pair runs system containers
# (scripts/lxc-sys): overrides the drill's node and fault hooks (defined in scripts/drill for plain
# processes) with the containers' own mechanisms. Not executable on its own.
#
#   services   Postgres, the fault proxy and the relay sink listen on the bridge address (kjobbr0's .1)
#   kill9      kill -9 of kjobd inside; systemd restarts it (Restart=always) and it rejoins as standby
#   freeze     lxc-freeze / lxc-unfreeze
#   cutoff     the node's host-side veth down for the fault, then up (a real partition, API included)
#   graceful   lxc-stop (systemd stops kjobd: drain and handover), then lxc-start
#   reboot     lxc-stop then lxc-start of the active: autostart of the enabled unit, rejoin as standby
#   upgrade    the README's procedure: install the build into the tree, restart the standby, wait until
#              it serves again, restart the active (one handover; takeover measured from that restart)
#   teardown   scripts/lxc-sys destroy (containers, veths, bridge, cgroups, lock files)

# The pair's state outside the share, so the nodes never see each other's rootfs.
export KJOB_PAIR_DIR=$root/.run/$tag-pair
export KJOB_LXC_SHARE=$work
"$pair" network
svc_host=$("$pair" address)
export KJOB_PG_LISTEN=$svc_host

drill_sink_cert() { "$pair" relay-cert "$relay"; }
drill_node_url() { "$pair" url "$1"; }
drill_node_path() { "$pair" node-path "$1"; }
drill_cut_off() { "$pair" cutoff "$1"; }
drill_heal() { "$pair" heal "$1"; }
drill_teardown() { "$pair" destroy >/dev/null 2>&1 || true; }

# What the drill is running on: per node, PID 1 and kjobd's unit (scripts/lxc-sys facts).
drill_facts() {
  local n
  for n in s.sched-1 s.sched-2; do
    "$pair" facts "$n" | sed 's/^/drill: /' || say "$n is not a systemd container running kjobd.service"
  done
}

# kill -9: no start-node; systemd brings kjobd back (bounded), as a standby.
# (wait_for evals its condition in its own scope: the node goes in a variable, not "$1".)
drill_after_kill9() {
  local restarted_node=$1
  wait_for 30 "systemd to restart kjobd in $1" '"$pair" pid "$restarted_node"' &&
    say "$1: systemd restarted kjobd (host pid $("$pair" pid "$1"))" || true
}

drill_reboot() {
  local rebooted_node=$1
  "$pair" reboot "$1"
  wait_for 60 "kjobd in the rebooted $1" '"$pair" pid "$rebooted_node"' &&
    say "$1: back after reboot (kjobd host pid $("$pair" pid "$1"))" || true
}

drill_upgrade() {
  local upgraded_active=$1 upgraded_standby=s.sched-1
  [ "$1" = s.sched-1 ] && upgraded_standby=s.sched-2
  "$pair" install
  "$pair" restart "$upgraded_standby"
  wait_for 60 "$upgraded_standby to serve again" 'curl -sf "$("$pair" url "$upgraded_standby")/healthz"' || true
  wait_for 30 "$upgraded_standby to be a standby" \
    '[ "$(scripts/pg psql -Atc "select role from kjob.nodes where id = '"'"'$upgraded_standby'"'"'")" = standby ]' || true
  # The handover starts with the active's restart: run_scenario measures the takeover from here.
  fault_at=$(now)
  "$pair" restart "$upgraded_active"
  say "upgraded: $upgraded_standby restarted, then $upgraded_active"
}
