"""Mutation operators and the mutant connector of `convsim adequacy`.

A mutant stands in front of the agent under test (any connector) and applies one
realistic defect (`operators.py`); `convsim.engine.adequacy` runs the campaign against
each mutant and asks whether its gate would have caught it. Operators are plug-ins of the
entry-point group `convsim.mutations`: a third party subclasses `MutationOperator`.
"""

from convsim.simulator.mutations.base import MutantContext, MutationOperator, PackFacts, Reply

__all__ = ["MutantContext", "MutationOperator", "PackFacts", "Reply"]
