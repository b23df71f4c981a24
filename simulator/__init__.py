"""convsim's engine and kernel: records, config, campaigns, executors, results, the CLI.

Core (layer 1): `records`, `protocols`, `registry`, `config`, `packs` (the domain
pack contract) and `sandbox`. Engine (layer 3): `campaign`, `worker`, `loop`,
`executors`, `results`, `summary`. Plug-ins (layer 2: connectors, user
simulators, bundled domain packs) live in `connectors`, `users`, `domains` and
are reached through the registry. The public API is `convsim/__init__`.
"""
