"""Domain packs: everything convsim knows about one business, behind one contract.

Core (layer 1). `model` defines the contract (`Domain`, `Tool`, `Slot`, the
`@tool` decorator); `declarative` loads a pack folder (`domain.yaml`: tables,
tools as behaviours over them, slots, persona binding, scenario templates);
`proxy` forwards tools to a team's own backend; `discovery` finds packs by
name (entry points `convsim.domains`), `module:attr` or folder path. The engine
only ever sees a `Domain`; it never imports a pack.
"""
