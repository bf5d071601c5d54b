"""A local SMTP server for demos: every message it receives becomes one ``.eml`` file.

The directory holds real team inboxes, so on a laptop nothing may reach them. ``pathways serve``
points the application's SMTP URL here instead, and anyone can open the files to read what
staff would get.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

log = logging.getLogger(__name__)

# aiosmtpd logs each envelope's addresses at INFO; application logs carry case references only.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class MailFolderHandler:
    """aiosmtpd handler writing Maildir-style unique names, so files sort by arrival."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._sequence = itertools.count(1)
        self._host = socket.gethostname().replace("/", "_").replace(":", "_")

    def _unique_name(self) -> str:
        seconds, micro = divmod(time.time_ns() // 1000, 1_000_000)
        return f"{seconds}.M{micro:06d}P{os.getpid()}Q{next(self._sequence)}.{self._host}.eml"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        name = self._unique_name()
        partial = self.directory / f".{name}.part"
        # Written aside and renamed, so a reader never opens half a message.
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.replace(self.directory / name)
        log.info("mail sink: saved %s", name)
        return "250 Message accepted for delivery"


def start_mail_sink(port: int, directory: Path) -> Controller:
    """Listen on 127.0.0.1:``port`` in a background thread; ``stop()`` the result to end it."""
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(MailFolderHandler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    return controller
