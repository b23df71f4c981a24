"""Bundled domain packs (layer 2): retail (the demo), telecom (tau2-bench), coffee (Taskmaster-4).

Each is registered under the `convsim.domains` entry-point group exactly as a
third party's pack would be; the engine never imports them.
"""
