"""Customers (user simulators, plug-ins): `agenda` (offline), `llm` (litellm), `replay`."""
