#!/usr/bin/env bash
# Set up phylohub on a Debian machine: graph-tool from Debian, a venv at .venv, the package.
# Idempotent: a second run with unchanged pyproject.toml/constraints.txt returns at once.
# `--test` also installs what the tests need: Debian's Chromium (the report is tested in
# a real browser).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv

packages=(python3-graph-tool python3-cairo python3-venv)
if [[ ${1:-} == --test ]]; then
    packages+=(chromium)
fi
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) == 0 ]] || sudo=sudo
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

want=$(cat pyproject.toml constraints.txt scripts/setup.sh | sha256sum | cut -c1-16)
stamp=$venv/.phylohub-setup
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    exit 0
fi

# Debian's python3 has the ABI graph-tool was built for. The venv does not see Debian's
# other Python packages (old numpy, scipy, ...); only graph_tool and cairo are exposed.
[[ -x $venv/bin/python ]] || /usr/bin/python3 -m venv "$venv"
mkdir -p "$venv/debian-site"
for mod in graph_tool cairo; do
    ln -sfn "/usr/lib/python3/dist-packages/$mod" "$venv/debian-site/$mod"
done
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$(pwd)/$venv/debian-site" >"$site/debian-graph-tool.pth"

echo "setup: installing phylohub and its dependencies into $venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -c constraints.txt -e '.[dev]'
"$venv/bin/python" -c 'import graph_tool.topology, numpy; assert numpy.__version__ < "2"' \
    || { echo "setup: graph-tool does not import in $venv" >&2; exit 1; }
echo "$want" >"$stamp"
echo "setup: ready"
