#!/usr/bin/env bash
# Replays the Dockerfile's build stage without Docker: copies what it COPYs into a clean folder, runs its
# RUN lines there with a fresh virtual environment, then starts the entry point and asks /readyz, as the
# HEALTHCHECK does. Reading the steps from the Dockerfile keeps the two in step.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export VENV="$work/venv" PIP_DISABLE_PIP_VERSION_CHECK=1
stage="$(sed -n '1,/^FROM .* AS build$/d; /^FROM /q; p' "$root/Dockerfile")"
mkdir -p "$work/app"
while read -r _ source target; do
  mkdir -p "$work/app/$(dirname "$target")"
  cp -r "$root/$source" "$work/app/$target"
done < <(grep -E '^COPY [^-]' <<<"$stage" | awk '{t=$NF; for (i=2;i<NF;i++) print "COPY", $i, (t ~ /\/$/ || t == "./" ? t $i : t)}')
cd "$work/app"
start=$(date +%s)
while read -r line; do
  echo "+ ${line#RUN }"
  bash -c "${line#RUN }"
done < <(grep -E '^RUN ' <<<"$stage")
echo "build stage replayed in $(( $(date +%s) - start ))s"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
FRAMING_BIND="127.0.0.1:$port" "$VENV/bin/gunicorn" -c service/gunicorn.conf.py service.wsgi:app >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  if "$VENV/bin/python" -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=2).status == 200 else 1)" 2>/dev/null; then
    echo "readyz 200: the image's entry point serves the trained model"
    exit 0
  fi
  sleep 0.2
done
cat "$work/server.log"
echo "the service never became ready" >&2
exit 1
