"""Core (layer 1): the nouns and contracts every other layer shares.

Records (`records`), plug-in Protocols (`protocols`) and their registry (`registry`),
config models and the YAML/campaign-file loaders (`config`, `yaml_files`,
`campaign_file`), the domain-pack contract (`packs`), the tool sandbox, results
schemas (`results`), dialog acts, perturbations and named profiles, seeded fake
values, redaction, the one module that calls litellm (`llm`). Imports nothing
above it.
"""
