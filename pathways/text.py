"""Names and free text as pathway inputs accept them: ``Annotated[str, Text(200)]``.

Text is NFC-normalised, so "é" typed as one character or as "e" plus an accent is the same
name, and stripped. It may not hold control characters (a NUL breaks PostgreSQL; others
rewrite a terminal or a log line), bidirectional controls (they make a name read differently
from how it is stored) or unpaired surrogates (they cannot be stored as UTF-8). Free text may
span lines; a name or a one-line value may not. A refusal names the rule, never the value:
the value is usually someone's name.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Final, get_args

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""The Arabic letter mark, LRM and RLM, the embeddings and overrides, and the isolates."""
LINE_SEPARATORS: Final = frozenset("\n\u2028\u2029")
FREE_TEXT_CONTROLS: Final = frozenset("\n\t")
"""The only control characters free text may hold."""
INVISIBLE: Final = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
"""Text made only of these categories (spaces, zero-width characters) shows nothing."""

NAME_MAX = 200


def _refused(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(f"text_{kind}", message)


def _check_characters(text: str, *, multiline: bool) -> None:
    for character in text:
        if character in BIDI_CONTROLS:
            raise _refused(
                "bidi_control",
                "must not contain bidirectional control characters (such as U+202E): "
                "they make text read differently from what is stored",
            )
        if character in LINE_SEPARATORS and not multiline:
            raise _refused("line_break", "must be a single line")
        category = unicodedata.category(character)
        if category == "Cc" and not (multiline and character in FREE_TEXT_CONTROLS):
            allowed = " other than new lines and tabs" if multiline else ""
            raise _refused(
                "control_character", f"must not contain control characters{allowed} (such as NUL)"
            )
        if category == "Cs":
            raise _refused("surrogate", "must be valid Unicode text (not an unpaired surrogate)")


def is_blank(text: str) -> bool:
    """Nothing a reader would see: empty, or only spaces and zero-width characters."""
    return all(unicodedata.category(character) in INVISIBLE for character in text)


@dataclass(frozen=True)
class Text:
    """Pydantic metadata for a text field. On ``str | None`` a blank value is None (not given);
    on ``str`` it is refused unless ``allow_blank``."""

    max_length: int
    multiline: bool = False
    allow_blank: bool = False

    def clean(self, value: str, *, allow_blank: bool | None = None) -> str:
        """The value NFC-normalised and stripped, or a refusal naming the rule it breaks."""
        text = value.replace("\r\n", "\n").replace("\r", "\n") if self.multiline else value
        text = unicodedata.normalize("NFC", text).strip()
        _check_characters(text, multiline=self.multiline)
        blank_allowed = self.allow_blank if allow_blank is None else allow_blank
        if not blank_allowed and is_blank(text):
            raise _refused("blank", "must not be blank")
        if len(text) > self.max_length:
            raise _refused("too_long", f"must be at most {self.max_length} characters")
        return text

    def _clean_or_none(self, value: str) -> str | None:
        text = self.clean(value, allow_blank=True)
        return None if is_blank(text) else text

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        # Strict: a number or bytes is not text, and is not quietly turned into some.
        text = core_schema.str_schema(strict=True)
        if type(None) in get_args(source):
            return core_schema.nullable_schema(
                core_schema.no_info_after_validator_function(self._clean_or_none, text)
            )
        return core_schema.no_info_after_validator_function(self.clean, text)


PersonName = Annotated[str, Text(NAME_MAX)]
"""A person's full name: one line, not blank."""
