"""Compiles the gettext catalogues (core/locale/*/LC_MESSAGES/messages.po -> .mo) whenever the
package is built or installed, editable installs included; everything else is in
pyproject.toml."""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).resolve().parent))


class BuildWithCatalogues(build_py):
    """``build_py`` that first compiles the translations beside their sources."""

    def run(self) -> None:
        from devtools.catalogues import compile_all

        compile_all()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
