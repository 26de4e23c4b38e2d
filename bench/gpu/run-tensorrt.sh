#!/usr/bin/env bash
# TensorRT backend on a machine with an NVIDIA GPU: builds the backend with the TensorRT/CUDA natives (-Ptensorrt-redist),
# builds engines from the Silero VAD and PP-OCR classifier models, runs the backend contract and real-model tests, and
# times TensorRT against ONNX Runtime's CPU, CUDA and TensorRT providers side by side (one JVM per configuration).
#
#   bench/gpu/run-tensorrt.sh [ITERATIONS]        (default 2000 timed runs per row, after 200 warm-up runs)
#
# Needs: an NVIDIA driver for CUDA 13.1 (TensorRT rows), Java 17, npm (models), network access to Maven Central and the
# npm registry; about 1 GB of jars the first time. The ONNX Runtime CUDA/TensorRT rows need what onnxruntime_gpu 1.29
# needs (CUDA 12, cuDNN 9, TensorRT 10 for CUDA 12 on the library path); where that is missing those rows say why and
# the others still run. Results: stdout and backend-tensorrt/target/gpu-bench.md (copy them into docs/benchmarks.md
# with the card's name).
set -euo pipefail
cd "$(dirname "$0")/../.."

ITER="${1:-2000}"
MODELS_DIR="${STREAMINFER_MODELS_DIR:-${HOME}/.cache/streaminfer/models}"
OUT=backend-tensorrt/target/gpu-bench.md
MVN=(./mvnw -B -ntp)

command -v nvidia-smi >/dev/null || { echo "run-tensorrt: nvidia-smi not found; this script needs an NVIDIA GPU" >&2; exit 1; }
GPU="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n 1)"
echo "run-tensorrt: GPU ${GPU}"

echo "run-tensorrt: fetching the models into ${MODELS_DIR}"
bash backend-onnx/fetch-models.sh "${MODELS_DIR}"

echo "run-tensorrt: building with the TensorRT and CUDA natives (first time: about 0.9 GB of jars)"
"${MVN[@]}" -q -Ptensorrt-redist -pl backend-tensorrt -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt -DskipTests
TRT_CP="backend-tensorrt/target/test-classes:backend-tensorrt/target/classes:$(cat backend-tensorrt/target/test-classpath.txt)"
JAVA=(java -Dstreaminfer.models.dir="${MODELS_DIR}" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

echo "run-tensorrt: is TensorRT available?"
PROBE="$("${JAVA[@]}" -cp "${TRT_CP}" io.github.streaminfer.backend.tensorrt.AvailabilityProbe)"
echo "${PROBE}"
if ! grep -q '^available=true' <<<"${PROBE}"; then
  echo "run-tensorrt: TensorRT is not available here (cause above); the tests would only be skipped" >&2
  exit 1
fi

echo "run-tensorrt: contract and real-model tests (engines built from ONNX)"
"${MVN[@]}" -Ptensorrt-redist -pl backend-tensorrt -am verify -Dstreaminfer.models.dir="${MODELS_DIR}" \
  -Dtest='TensorRtBackendContractTest,TensorRtRealModelTest,TensorRtOptionsTest' -Dsurefire.failIfNoSpecifiedTests=false
for t in TensorRtRealModelTest TensorRtBackendContractTest; do
  report="backend-tensorrt/target/surefire-reports/TEST-io.github.streaminfer.backend.tensorrt.${t}.xml"
  skipped="$(grep -o 'skipped="[0-9]*"' "${report}" | head -n 1 | tr -dc '0-9')"
  # the contract's one unavailable-path test is skipped where TensorRT is available; nothing else may be
  allowed=0; [[ "${t}" == TensorRtBackendContractTest ]] && allowed=1
  if (( skipped > allowed )); then
    echo "run-tensorrt: ${t} skipped ${skipped} tests on a GPU machine; see ${report}" >&2
    exit 1
  fi
done

echo "run-tensorrt: classpath with onnxruntime_gpu for the ONNX Runtime GPU rows"
"${MVN[@]}" -q -Pgpu -pl backend-tensorrt -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath-gpu.txt -DskipTests
ORT_GPU_CP="backend-tensorrt/target/test-classes:backend-tensorrt/target/classes:$(cat backend-tensorrt/target/test-classpath-gpu.txt)"

{
  echo "GPU: ${GPU}; $(date -u +%Y-%m-%dT%H:%M:%SZ); batch 1; ${ITER} timed runs after 200 warm-up runs; microseconds"
  echo
  echo "| model | configuration | device | load ms | mean | p50 | p99 | max | runs/s | check |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} | tee "${OUT}"
for model in silero ppocr-cls; do
  for config in tensorrt-fp32 tensorrt-fp16 tensorrt-fp16-graph onnx-cpu onnx-cuda onnx-tensorrt; do
    cp="${TRT_CP}"
    [[ "${config}" == onnx-cuda || "${config}" == onnx-tensorrt ]] && cp="${ORT_GPU_CP}"
    if ! row="$("${JAVA[@]}" -cp "${cp}" io.github.streaminfer.backend.tensorrt.BackendComparison \
        "${config}" "${model}" "${ITER}" 2>"backend-tensorrt/target/bench-${model}-${config}.log")"; then
      row="| ${model} | ${config} | failed: $(grep -m1 -E 'Exception|Error' "backend-tensorrt/target/bench-${model}-${config}.log" | cut -c1-160) |"
    fi
    echo "${row}" | tee -a "${OUT}"
  done
done
echo "run-tensorrt: done; table in ${OUT}"
