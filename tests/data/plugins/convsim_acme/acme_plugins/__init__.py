"""Acme's convsim plug-ins (a third party's package: it imports only `convsim`'s public API)."""
