"""The sample input documents in ``examples/``: one per step that takes input, per pathway.

``pathways case steps PATHWAY STEP --example`` prints one, the README's commands use them, and
a test checks every one is accepted by its step's input model. Times a step records as "when it
happened" are left out: the application fills them with the clock's time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infrastructure.settings import PROJECT_ROOT

EXAMPLES_DIR = PROJECT_ROOT / "examples"


def example_path(pathway: str, step: str) -> Path:
    return EXAMPLES_DIR / pathway / f"{step}.json"


def load_example(pathway: str, step: str) -> dict[str, Any]:
    loaded = json.loads(example_path(pathway, step).read_text("utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{example_path(pathway, step)} does not hold a JSON object")
    return loaded
