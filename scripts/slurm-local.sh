#!/usr/bin/env bash
# A real one-node SLURM cluster on 127.0.0.1, to try and test workflow/profiles/slurm.
#
#   scripts/slurm-local.sh install     Debian's slurm-wlm, slurm-client and munge (root or
#                                      sudo), and .venv/slurm: the project's venv plus the
#                                      executor plugins of pyproject's `slurm` extra
#   scripts/slurm-local.sh start DIR [CPUS]
#                                      munged, slurmctld and slurmd with every file under DIR
#                                      (DIR must not exist yet); waits until the node is idle.
#                                      The node offers CPUS cores (default: this machine's);
#                                      more than there are lets more short jobs run at once
#   scripts/slurm-local.sh stop DIR    cancels the cluster's jobs and stops the daemons by
#                                      the PIDs in their pid files
#
# Exit status 3 means "this machine cannot run the cluster" (no root or sudo, no Debian
# packages to be had, a SLURM configuration of its own, another local cluster running),
# with the reason on one line; any other failure is an error.
# /etc/slurm/slurm.conf must name the cluster (a job step drops SLURM_CONF): `start` links
# it to DIR/slurm.conf and `stop` removes the link. So one local cluster runs at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
etc_conf=/etc/slurm/slurm.conf
lock=/run/lock/phylohub-slurm-local.lock

cannot() { echo "slurm-local: cannot run a local SLURM cluster: $*" >&2; exit 3; }
die() { echo "slurm-local: $*" >&2; exit 1; }

as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
    else cannot "this needs root or password-less sudo (to install Debian packages and link $etc_conf)"
    fi
}

install_packages() {
    local missing=() pkg
    for pkg in slurm-wlm slurm-client munge; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null || cannot "no apt-get to install ${missing[*]}"
    echo "slurm-local: installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq >/dev/null 2>&1 || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null || cannot "apt-get could not install ${missing[*]}"
}

# .venv/slurm sees every package of .venv (a .pth line adds its site-packages) and adds
# the executor plugins: snakemake in .venv stays without them (with the slurm plugin
# installed, every snakemake start asks `scontrol show config`, which waits ~9 s where
# slurm-client is installed and no controller answers).
install_plugin_env() {
    local env=.venv/slurm want stamp
    [[ -x .venv/bin/python ]] || die ".venv is missing: run scripts/setup.sh first"
    want=$(cat pyproject.toml constraints.txt scripts/slurm-local.sh | sha256sum | cut -c1-16)
    stamp=$env/.phylohub-slurm
    [[ -f $stamp && $(cat "$stamp") == "$want" ]] && return 0
    echo "slurm-local: installing the executor plugins into $env"
    rm -rf "$env"
    /usr/bin/python3 -m venv "$env"
    local base site
    base=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    site=$("$env/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "import site; site.addsitedir('$base')" >"$site/phylohub-base.pth"
    mapfile -t reqs < <(.venv/bin/python -c 'import tomllib
for r in tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["slurm"]:
    print(r)')
    "$env/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt "${reqs[@]}"
    "$env/bin/python" -c 'import snakemake_executor_plugin_slurm, phylohub, graph_tool'
    echo "$want" >"$stamp"
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
    local dir=$1 cpus=${2:-$(nproc)} node mem
    [[ -e $dir ]] && die "$dir exists; start wants a new folder"
    [[ $(id -u) == 0 ]] || cannot "the daemons run as root here (SlurmUser=root); run as root"
    for cmd in munged slurmctld slurmd sinfo runuser; do
        command -v "$cmd" >/dev/null || cannot "$cmd is missing (scripts/slurm-local.sh install)"
    done
    [[ -r /etc/munge/munge.key ]] || cannot "/etc/munge/munge.key is missing"
    mkdir -p "$(dirname "$dir")"
    dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")

    exec 9>"$lock"
    flock -w 60 9 || cannot "another slurm-local start holds $lock"
    if [[ -L $etc_conf ]]; then
        local other
        other=$(dirname "$(readlink "$etc_conf")")
        alive "$other/run/slurmctld.pid" && cannot "another local cluster runs ($other)"
        rm -f "$etc_conf"
    elif [[ -e $etc_conf ]]; then
        cannot "$etc_conf exists: this machine has a SLURM configuration of its own"
    fi

    node=$(hostname -s)
    mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
    mkdir -p "$dir"/{state,spool,log,run,munge}
    chmod 755 "$dir"
    chown munge:munge "$dir/munge"
    chmod 755 "$dir/munge"
    runuser -u munge -- test -w "$dir/munge" \
        || die "user munge cannot reach $dir/munge: open the folders above it to others (chmod o+x)"
    cat >"$dir/slurm.conf" <<EOF
# A one-node cluster on 127.0.0.1 (scripts/slurm-local.sh); every file under $dir.
ClusterName=phylohub-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# squeue forgets a finished job after MinJobAge seconds: keep it >= 3x the executor's
# --slurm-init-seconds-before-status-checks, or the plugin falls back to sacct, and longer
# than a whole test run on a busy machine (the test reads every job back from squeue).
MinJobAge=3600
DefMemPerCPU=1000
ReturnToService=2
# the node's CPUs are taken from this file, even more than the machine has
SlurmdParameters=config_overrides
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    # from here on, a failed start stops whatever it started
    trap 'stop "$dir" >/dev/null 2>&1 || true' EXIT
    mkdir -p "$(dirname "$etc_conf")"
    ln -s "$dir/slurm.conf" "$etc_conf"

    runuser -u munge -- munged --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
        --seed-file="$dir/munge/munged.seed" --key-file=/etc/munge/munge.key \
        || die "munged did not start (see $dir/munge/munged.log)"
    export SLURM_CONF=$dir/slurm.conf
    slurmctld -f "$SLURM_CONF" || die "slurmctld did not start (see $dir/log/slurmctld.log)"
    slurmd -f "$SLURM_CONF" -N "$node" || die "slurmd did not start (see $dir/log/slurmd.log)"
    local state=""
    for _ in $(seq 60); do
        state=$(sinfo -h -N -n "$node" -o %t 2>/dev/null || true)
        [[ $state == idle ]] && break
        sleep 0.5
    done
    [[ $state == idle ]] || die "node $node is '${state:-unknown}', not idle, after 30 s (logs in $dir/log)"
    trap - EXIT
    echo "slurm-local: node $node idle ($cpus CPUs, $mem MB); SLURM_CONF=$SLURM_CONF"
}

stop_pid() {
    local file=$1 pid
    [[ -f $file ]] || return 0
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
}

stop() {
    local dir=$1
    [[ -f $dir/slurm.conf ]] || die "$dir holds no local cluster"
    dir=$(cd "$dir" && pwd)
    export SLURM_CONF=$dir/slurm.conf
    if alive "$dir/run/slurmctld.pid"; then
        timeout 10 scancel --user="$(id -un)" 2>/dev/null || true
        for _ in $(seq 25); do
            [[ -z $(timeout 5 squeue -h -t PD,R,CG -o %i 2>/dev/null) ]] && break
            sleep 0.2
        done
    fi
    stop_pid "$dir/run/slurmd.pid"
    stop_pid "$dir/run/slurmctld.pid"
    stop_pid "$dir/munge/munged.pid"
    if [[ -L $etc_conf && $(readlink "$etc_conf") == "$dir/slurm.conf" ]]; then
        rm -f "$etc_conf"
    fi
    echo "slurm-local: stopped the cluster of $dir"
}

case ${1:-} in
    install) install_packages; install_plugin_env ;;
    start) [[ $# == 2 || $# == 3 ]] || die "usage: $0 start DIR [CPUS]"; start "${@:2}" ;;
    stop) [[ $# == 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
    *) die "usage: $0 install | start DIR [CPUS] | stop DIR" ;;
esac
