"""Evaluators (plug-ins, layer 2): rule-based and LLM-judge scoring of conversations.

Each module's `make` is registered in pyproject's `convsim.evaluators` entry-point group,
exactly like a third party's evaluator; the engine looks evaluators up by name through
`convsim.core.registry` and never imports this package. They import only the core.
"""
