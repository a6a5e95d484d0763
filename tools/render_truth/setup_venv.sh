#!/usr/bin/env bash
# Creates tools/render_truth/.venv for the truth renderer and installs the system libraries it
# needs (Debian: libosmesa6 for offscreen OpenGL on the CPU, ffmpeg for H.264). Idempotent.
#
# torch goes in FIRST and alone, and must be a CPU build: a dry run is checked before anything is
# downloaded, and the install is refused if pip would take a CUDA build (nvidia-* wheels, or a
# torch whose version lacks "+cpu").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="${PY:-$(command -v python3.11 || command -v python3)}"
venv="$here/.venv"
stamp="$venv/.installed"

need_apt=()
dpkg -s libosmesa6 >/dev/null 2>&1 || need_apt+=(libosmesa6)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
if ((${#need_apt[@]})); then
    if [ "$(id -u)" = 0 ]; then
        echo "installing Debian packages: ${need_apt[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "missing Debian packages: ${need_apt[*]} (run: sudo apt-get install ${need_apt[*]})" >&2
        exit 1
    fi
fi

if [ -f "$stamp" ] && [ "$stamp" -nt "$here/requirements.txt" ] && [ "$stamp" -nt "$here/requirements-osmesa.txt" ]; then
    exit 0
fi
"$py" -c 'import sys; assert sys.version_info[:2] == (3, 11), "the truth renderer is pinned for Python 3.11"'
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
pip=("$venv/bin/python" -m pip)
"${pip[@]}" install -q --upgrade pip

torch_pin="$(grep -E '^torch==' "$here/requirements.txt")"
if ! "$venv/bin/python" -c 'import torch, sys; sys.exit(torch.version.cuda is not None)' 2>/dev/null; then
    report="$(mktemp)"
    "${pip[@]}" install -q --dry-run --ignore-installed --report "$report" "$torch_pin"
    "$venv/bin/python" - "$report" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1]))["install"]
names = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in items}
cuda = sorted(n for n in names if n.startswith(("nvidia", "triton", "cuda")))
if cuda or "+cpu" not in names.get("torch", ""):
    sys.exit(f"refusing: pip would install a CUDA torch build (torch {names.get('torch')}, {cuda}); "
             "give pip a CPU wheel index for torch and retry")
print(f"torch {names['torch']} (CPU build)")
EOF
    rm -f "$report"
    "${pip[@]}" install -q "$torch_pin"
fi
"${pip[@]}" install -q -r "$here/requirements.txt"
"${pip[@]}" install -q --no-deps -r "$here/requirements-osmesa.txt"
"$venv/bin/python" -c 'import torch, sys; sys.exit("CUDA torch in the venv" if torch.version.cuda else 0)'
touch "$stamp"
