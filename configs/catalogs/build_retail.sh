#!/usr/bin/env bash
# Rebuild the demo catalog (configs/catalogs/retail) from the transcripts shipped in the repo:
# the tau-bench retail conversations (customer language, style), the tau2 retail tasks
# (the agent process per intent) and the tau-bench retail training tasks (persona adjectives).
# Run from the repository root with convsim installed.
set -euo pipefail
export CONVSIM_PII_SALT="${CONVSIM_PII_SALT:-convsim-demo}"  # reproducible pseudonyms
rm -rf build/retail configs/catalogs/retail
convsim ingest convsim/scenarios/data/transcripts/tau_bench/retail_few_shot.jsonl -f openai -o build/retail/transcripts
convsim ingest convsim/scenarios/data/transcripts/tau2/retail_tasks.json -f tau2 -o build/retail/tau2
convsim mine build/retail/transcripts -c configs/mining/retail.yaml -o configs/catalogs/retail
