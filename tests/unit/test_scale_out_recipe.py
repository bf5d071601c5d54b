"""The README's scale-out section reads as the recipe the integration test runs, and a
placeholder the test does not fill stops it rather than running something else.

The run itself is ``tests/integration/test_scale_out.py`` (PostgreSQL); this needs nothing.
"""

from __future__ import annotations

import pytest

from tests.support.readme_recipe import Machine, is_service, recipe, substituted

SECTION = """
<!-- scale-out:start -->
```sh
export A=postgresql://USER:PASSWORD@DBHOST/x   # a comment
.venv/bin/prefect server start --port 4200
```
```sh
export B='two words' C=3
.venv/bin/pathways migrate \\
    --quiet
.venv/bin/prefect worker start --pool p
```
<!-- scale-out:end -->
"""


def test_the_readme_section_is_the_prefect_host_then_the_other_machines() -> None:
    host, *others = recipe()
    assert any(is_service(command) for command in host.commands)
    assert "PREFECT_API_DATABASE_CONNECTION_URL" in host.exports
    settings = {name for machine in others for name in machine.exports}
    assert {"PREFECT_API_URL", "PATHWAYS_DATABASE_URL", "PATHWAYS_DISPATCH"} <= settings
    commands = [command for machine in others for command in machine.commands]
    assert commands[-1].startswith(".venv/bin/prefect worker start")
    assert ".venv/bin/python -m deployments.deploy --pool pathways" in commands


def test_exports_commands_and_continued_lines_are_read_apart() -> None:
    assert recipe(SECTION) == [
        Machine(
            {"A": "postgresql://USER:PASSWORD@DBHOST/x"},
            [".venv/bin/prefect server start --port 4200"],
        ),
        Machine(
            {"B": "two words", "C": "3"},
            [".venv/bin/pathways migrate      --quiet", ".venv/bin/prefect worker start --pool p"],
        ),
    ]


def test_every_placeholder_must_be_filled_and_every_replacement_used() -> None:
    filled = substituted(recipe(SECTION), {"USER:PASSWORD@DBHOST": "pg@127.0.0.1:5433"})
    assert filled[0].exports["A"] == "postgresql://pg@127.0.0.1:5433/x"
    with pytest.raises(AssertionError, match="does not fill"):
        substituted(recipe(SECTION), {"DBHOST": "127.0.0.1"})
    with pytest.raises(AssertionError, match="no longer says"):
        substituted(recipe(SECTION), {"USER:PASSWORD@DBHOST": "pg@h", "RENAMED": "x"})
