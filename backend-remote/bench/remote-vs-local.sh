#!/usr/bin/env bash
# Local ONNX Runtime against the same model served by the Python Open Inference Protocol server on loopback
# (gRPC and REST), side by side: p50/p99 per stage and the remote overhead per frame.
#   backend-remote/bench/remote-vs-local.sh              # 2000 measured frames per backend after 200 warm-up
#   backend-remote/bench/remote-vs-local.sh 200 50       # smoke run
# Builds through the reactor (nothing is installed), creates the server's venv when needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
./mvnw -B -ntp -q -pl backend-remote -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt >&2
CP="backend-remote/target/test-classes:backend-remote/target/classes:$(cat backend-remote/target/test-classpath.txt)"
cd backend-remote
exec java -cp "$(echo "$CP" | sed "s#^backend-remote/#$ROOT/backend-remote/#; s#:backend-remote/#:$ROOT/backend-remote/#g")" \
  -Dstreaminfer.oip.venv="${STREAMINFER_OIP_VENV:-$HOME/.cache/streaminfer/oip-venv}" \
  io.github.streaminfer.backend.remote.RemoteVsLocalBench "$@"
