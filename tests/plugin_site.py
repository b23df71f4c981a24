"""A plug-in package installed the way a user would (regular `pip install`, offline) into a
folder put on `sys.path` for the duration of a block, every registry refreshed around it.

Shared by tests/test_plugins.py and tests/engine/test_adequacy.py; load it with importlib,
tests are not a package.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from convsim.core.registry import REGISTRIES


@contextmanager
def installed(source: Path, work: Path, package: str) -> Iterator[Path]:
    """`source` (a package folder with its pyproject.toml) installed into `work/site`, the
    folder it yields; afterwards the folder is off the path and the modules of `package`
    (its import name) are forgotten."""
    shutil.copytree(source, work / "src")  # the build writes beside the sources
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(site),
                    str(work / "src")], check=True, capture_output=True, timeout=300)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    for registry in REGISTRIES.values():
        registry.refresh()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m.split(".")[0] == package]:
            del sys.modules[name]
        for registry in REGISTRIES.values():
            registry.refresh()
