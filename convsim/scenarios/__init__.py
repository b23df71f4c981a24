"""Scenarios: transcript importers, PII scrubbing, mining, and scenario generation.

A plug-in package (layer 2): imports only the kernel. The engine reaches
`scenario_stream` (lazy) through the registry; domain knowledge comes from packs.
"""
