"""Personas: simulated customers (identity, traits, style) and their generator.

Imports only the kernel (`convsim.core.records`, `config`, `registry`); the
engine reaches `campaign_persona_pool` (each persona made when first picked) through the
registry.
"""

from convsim.personas.generator import (
    PersonaGenConfig,
    PersonaPool,
    campaign_persona_pool,
    generate_campaign_personas,
    generate_personas,
)

__all__ = ["PersonaGenConfig", "PersonaPool", "campaign_persona_pool", "generate_campaign_personas",
           "generate_personas"]
