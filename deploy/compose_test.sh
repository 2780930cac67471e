#!/usr/bin/env bash
# Validates docker-compose.yml offline (no Docker engine is needed for `config`).
set -euo pipefail
cd "$(dirname "$0")/.."
docker-compose -f docker-compose.yml config -q
echo "docker-compose.yml: valid"
