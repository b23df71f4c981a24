"""Scenarios: customer goals with expectations, and their generators.

Imports only `simulator.records`; the engine calls the generators to build a
campaign's scenario set. Transcript importers and mining come here too.
"""

from scenarios.retail import ScenarioGenConfig, generate_retail_scenarios

__all__ = ["ScenarioGenConfig", "generate_retail_scenarios"]
