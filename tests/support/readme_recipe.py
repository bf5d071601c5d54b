"""The README's scale-out recipe as the test runs it.

The recipe is read from the README's ``sh`` blocks between the ``scale-out:start`` and
``scale-out:end`` markers: the first block is the Prefect host, every later one another machine
sharing one set of settings. ``export`` lines become that machine's environment; every other
line is a command. Only the placeholders are replaced, each of which must occur, so a README
edit that renames one fails the test instead of running something else.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from infrastructure.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
START = "<!-- scale-out:start"
END = "<!-- scale-out:end -->"
SERVICE_COMMANDS = (".venv/bin/prefect server start", ".venv/bin/prefect worker start")
"""Commands that keep running: started in the background, stopped at the end."""
LEFT_OVER = re.compile(r"\b(?:DBHOST|PREFECT_HOST|USER|PASSWORD|RELAY_\w+|AUDIT_KEY|COUNCIL\w*)\b")


@dataclass(frozen=True)
class Machine:
    """One ``sh`` block: the settings it exports and the commands it runs, in order."""

    exports: dict[str, str]
    commands: list[str]


def recipe(text: str | None = None) -> list[Machine]:
    text = README.read_text("utf-8") if text is None else text
    assert START in text and END in text, f"README.md has no {START} … {END} section"
    section = text.split(START, 1)[1].split(END, 1)[0]
    machines = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL):
        exports: dict[str, str] = {}
        commands: list[str] = []
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if words[0] == "export":
                for assignment in words[1:]:
                    name, _, value = assignment.partition("=")
                    exports[name] = value
            else:
                commands.append(line.strip())
        machines.append(Machine(exports, commands))
    assert len(machines) >= 2, "the scale-out section needs the Prefect host and other machines"
    return machines


def substituted(machines: list[Machine], replacements: Mapping[str, str]) -> list[Machine]:
    """Each replacement applied everywhere; each must occur, and no placeholder may be left."""
    used = dict.fromkeys(replacements, 0)

    def put(text: str) -> str:
        for placeholder, value in replacements.items():
            used[placeholder] += text.count(placeholder)
            text = text.replace(placeholder, value)
        left = LEFT_OVER.findall(text)
        assert not left, f"a README placeholder the test does not fill: {left} in {text!r}"
        return text

    done = [
        Machine({k: put(v) for k, v in m.exports.items()}, [put(c) for c in m.commands])
        for m in machines
    ]
    unused = [placeholder for placeholder, count in used.items() if not count]
    assert not unused, f"the README's scale-out section no longer says {unused}"
    return done


def is_service(command: str) -> bool:
    return command.startswith(SERVICE_COMMANDS)
