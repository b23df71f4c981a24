"""Personas: simulated customers (identity, traits, style) and their generator.

Imports only `simulator.records`; the engine uses `generate_personas` to people
a campaign.
"""

from personas.generator import PersonaGenConfig, generate_personas

__all__ = ["PersonaGenConfig", "generate_personas"]
