"""Decisions (layer 3, below the engine): what a run means.

`summary` (the printed table), `analytics` (pass rates, comparisons, flips),
`gate` (the CI verdict), `report` and `report_svg` (the HTML report), `fidelity`
(simulated vs real customers). Reads Parquet results; imports core only.
"""
