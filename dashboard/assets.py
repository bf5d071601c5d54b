"""Where the front-end assets are: GOV.UK Frontend (and axe-core for the tests), installed from
the npm registry into ``dashboard/assets/node_modules`` by ``make install``. Nothing is copied
into the repository and nothing is fetched from a CDN."""

from __future__ import annotations

from pathlib import Path
from typing import Final

ASSETS: Final = Path(__file__).parent / "assets"
NODE_MODULES: Final = ASSETS / "node_modules"
GOVUK_DIST: Final = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
AXE_SCRIPT: Final = NODE_MODULES / "axe-core" / "axe.min.js"
STATIC: Final = Path(__file__).parent / "static"


class AssetsMissingError(RuntimeError):
    """The npm packages are not installed: the dashboard would render unstyled."""


def govuk_dist() -> Path:
    if not (GOVUK_DIST / "govuk-frontend.min.css").is_file():
        raise AssetsMissingError(
            "dashboard assets: govuk-frontend is not installed; run `make install` "
            f"(npm ci in {ASSETS})"
        )
    return GOVUK_DIST
