"""Simulator (layer 2, plug-ins): who plays a conversation.

`customers` (the agenda, LLM and replay user simulators) and `connectors` (the
`http`, `python` and `openai` agent connectors). The loop that plays them against
each other is `convsim.engine.loop`; the tool sandbox and perturbations they share
are core (`convsim.core.sandbox`, `convsim.core.perturb`).
"""
