"""Acme's mutation operators for `convsim adequacy`."""
