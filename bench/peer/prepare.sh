# Sourced by scripts/bench for `scripts/bench peer`; sets peer_args, the arguments of
# org.sakd.bench.PeerBenchmark. Options:
#   --pair demo|mid   demo: r3d-tiny → r3d-micro on 8×56² clips (the defaults);
#                     mid: r3d18-w0.5 → r3d10-w0.25 on 8×112² clips (short side 128, videos 160×120)
#   --epochs N        epochs of each measurement, the first one a warm-up (default 4; mid: 3)
#   --rounds N        the Java rows and the PyTorch program take turns N times; one ratio per round
#                     and their median (default 3; mid: 1)
#   --decoders N      decoder threads (Java) = DataLoader worker processes (PyTorch) (default 1)
#   --python EXE      the Python that runs bench/peer/torch_kd.py (default: a venv with the image's
#                     torch wheel, else Debian's python3-torch)
#   --json            one JSON object instead of the table
#   key=value         any other setting, for both sides
# The data set is generated once per pair under ${SAKD_PEER_DATA:-target/peer-data} and reused.

pair=demo
epochs=""
rounds=""
decoders=1
python=""
peer_json=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pair) pair="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --decoders) decoders="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --json) peer_json=(--json); shift ;;
    *=*) extra+=("$1"); shift ;;
    *) echo "scripts/bench peer: unknown option $1 (see bench/peer/prepare.sh)" >&2; exit 2 ;;
  esac
done
case "$pair" in
  demo) pair_settings=(model.teacher=r3d-tiny model.student=r3d-micro); epochs="${epochs:-4}"
    rounds="${rounds:-3}" ;;
  mid) epochs="${epochs:-3}"; rounds="${rounds:-1}"
    pair_settings=(model.teacher=r3d18-w0.5 model.student=r3d10-w0.25 data.clip.short-side=128
         data.clip.crop=112 data.synthetic.width=160 data.synthetic.height=120) ;;
  *) echo "scripts/bench peer: --pair demo|mid, got $pair" >&2; exit 2 ;;
esac
data="${SAKD_PEER_DATA:-$root/target/peer-data}/$pair"
settings=("data.root=\"$data\"" "data.format=synthetic" "data.decoders=$decoders" "${pair_settings[@]}"
  "${extra[@]}")
sets=()
for s in "${settings[@]}"; do sets+=(--set "$s"); done
SAKD_PROGRESS=off "$root/scripts/sakd" generate "${sets[@]}" >&2

# A Python that imports torch and PyAV: $1 a Python; prints nothing, status 0 when it does.
peer_python_ok() {
  "$1" - >/dev/null 2>&1 <<'PY'
import av, torch
w = torch.zeros(2, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)  # torch 2.x imports sympy here
(w * w).sum().backward()
opt.step()
PY
}

# Debian packages, installed when missing (we are root); one apt-get update when an install fails.
peer_apt() {
  command -v apt-get >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2; }
}

peer_missing=""
if [ -z "$python" ]; then
  venv="${SAKD_PEER_VENV:-$root/target/peer-venv}"
  wheel="$(ls /opt/wheels/torch-*+cpu-cp311-*.whl 2>/dev/null | sort -V | tail -1 || true)"
  if [ -x /usr/bin/python3 ] && ! /usr/bin/python3 -c "import av" 2>/dev/null; then
    echo "scripts/bench peer: installing Debian's python3-av (PyAV) for decoding" >&2
    peer_apt python3-av || true
  fi
  if [ -x "$venv/bin/python" ] && peer_python_ok "$venv/bin/python"; then
    python="$venv/bin/python"
  elif [ -n "$wheel" ] && [ -x /usr/bin/python3 ]; then
    # the image's CPU wheel in a venv over Debian's Python (which brings PyAV); its dependencies
    # newer than Debian's (typing_extensions, sympy) from the image's wheel folder when there is one
    echo "scripts/bench peer: installing $wheel into $venv" >&2
    rm -rf "$venv"
    /usr/bin/python3 -m venv --system-site-packages "$venv" >&2 || true   # python3-venv may be missing
    if [ -d /opt/pypi/files ]; then
      "$venv/bin/pip" install -q --no-index --find-links /opt/pypi/files "$wheel" >&2 \
        || "$venv/bin/pip" install -q --no-index --no-deps "$wheel" >&2 || true
    else
      "$venv/bin/pip" install -q --no-index --no-deps "$wheel" >&2 || true
    fi
    if peer_python_ok "$venv/bin/python"; then
      python="$venv/bin/python"
    else
      echo "scripts/bench peer: $wheel does not import with Debian's Python:" >&2
      "$venv/bin/python" -c "import torch" 2>&1 | tail -1 >&2 || true
    fi
  fi
  if [ -z "$python" ] && [ -x /usr/bin/python3 ]; then
    if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
      echo "scripts/bench peer: installing Debian's python3-torch" >&2
      peer_apt python3-torch || true
    fi
    peer_python_ok /usr/bin/python3 && python=/usr/bin/python3
  fi
  [ -n "$python" ] || peer_missing="no Python here imports torch and PyAV (tried the image's torch wheel in $venv and Debian's python3-torch with python3-av)"
elif ! peer_python_ok "$python"; then
  peer_missing="$python cannot import torch and PyAV"
  python=""
fi
if [ -n "$python" ]; then
  echo "scripts/bench peer: PyTorch side runs with $python" >&2
  peer_args=(--python "$python" --script "$root/bench/peer/torch_kd.py")
else
  echo "scripts/bench peer: $peer_missing; measuring the project's side only" >&2
  peer_args=(--peer-missing "$peer_missing")
fi
peer_args+=(--epochs "$epochs" --rounds "$rounds" "${peer_json[@]}" "${settings[@]}")
