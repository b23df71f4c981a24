"""convsim's engine and kernel: records, config, campaigns, executors, results, the CLI.

Core (layer 1): `records`, `protocols`, `registry`, `config` (models), `yaml_files`
and `campaign_file` (reading them), `packs` (the domain pack contract), `sandbox`,
`acts`, `perturb`, `profiles`, `fakes`, `llm`, `redact`, `rules_model`, `results`.
Engine (layer 3): `campaign`, `manifest`, `agent_processes`, `worker`, `loop`,
`executors`, `summary`, `analytics`, `gate`, `report`, `evaluate`. Plug-ins
(layer 2: connectors, user simulators, bundled domain packs, the reference agent)
live in `connectors`, `openai_agent`, `users`, `domains`, `reference_agent` and are
reached through the registry. The public API is `convsim/__init__`.
"""
