#!/usr/bin/env bash
# The CUDA path, proven: run on a machine with an NVIDIA GPU and a CUDA build of torch, from
# the repository root. Needs the project installed (pip install -e .) and Fashion-MNIST in
# /usr/share/datasets/fashion-mnist (apt install dataset-fashion-mnist), or it skips the CNN.
# Prints each check and ends non-zero if one failed; stops after 5 minutes at the latest.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
timeout 300 python bench/gpu_check.py
