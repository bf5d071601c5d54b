"""A test's own copy of ``config/authorities.yaml``, changed and put in force through the real
setting (``PATHWAYS_AUTHORITY_CONFIG``), so the application reads it as it reads the real one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from infrastructure.caches import reset_caches

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def use_authority_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[dict[str, Any]], None]
) -> None:
    """``change`` edits the parsed file in place; the caller's fixture resets the caches after."""
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "authorities.yaml").read_text("utf-8"))
    change(raw)
    config = tmp_path / "authorities.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv("PATHWAYS_AUTHORITY_CONFIG", str(config))
    reset_caches()
