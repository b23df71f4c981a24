"""Evaluators: rule-based (and later LLM-judge) scoring of conversations.

Each module registers itself with `simulator.registry.evaluator`; the engine
looks evaluators up by name. They import only the kernel's records.
"""
