#!/usr/bin/env bash
# Sparkgrad's GPU discovery script for Spark resource scheduling
# (spark.executor.resource.gpu.discoveryScript). Spark runs it when an executor starts; it prints the
# GPUs this executor may use as JSON: {"name": "gpu", "addresses": ["0", "1"]}.
#
# The addresses are the CUDA device ordinals the executor's process sees: when CUDA_VISIBLE_DEVICES
# restricts the process (a container runtime or a scheduler sets it), CUDA renumbers the visible devices
# from 0, so the script reports 0..n-1; otherwise it reports nvidia-smi's indices.
set -euo pipefail

name=sparkgrad-gpu-discovery

if [[ -n ${CUDA_VISIBLE_DEVICES:-} && ${CUDA_VISIBLE_DEVICES} != NoDevFiles ]]; then
  IFS=, read -r -a visible <<< "$CUDA_VISIBLE_DEVICES"
  addresses=""
  for ((i = 0; i < ${#visible[@]}; i++)); do
    addresses+="${addresses:+, }\"$i\""
  done
  printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
  exit 0
fi

if ! command -v nvidia-smi > /dev/null 2>&1; then
  echo "$name: nvidia-smi not found on $(hostname): this executor has no NVIDIA driver tools," \
       "so it cannot offer GPUs (run GPU jobs on GPU nodes, or set device: cpu)" >&2
  exit 1
fi

if ! indices=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>&1); then
  echo "$name: nvidia-smi failed on $(hostname): $indices" >&2
  exit 1
fi

addresses=""
while IFS= read -r index; do
  index=${index//[[:space:]]/}
  [[ -z $index ]] && continue
  if [[ ! $index =~ ^[0-9]+$ ]]; then
    echo "$name: unexpected nvidia-smi output on $(hostname): '$index'" >&2
    exit 1
  fi
  addresses+="${addresses:+, }\"$index\""
done <<< "$indices"
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
