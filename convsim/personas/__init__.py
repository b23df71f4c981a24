"""Personas: simulated customers (identity, traits, style) and their generator.

Imports only the kernel (`convsim.core.records`, `config`, `registry`); the
engine reaches `generate_campaign_personas` through the registry.
"""

from convsim.personas.generator import PersonaGenConfig, generate_campaign_personas, generate_personas

__all__ = ["PersonaGenConfig", "generate_campaign_personas", "generate_personas"]
