"""Parses the seed 002 contact block (spec §9) into normalised authority records.

Pure: takes the text, returns values; no files, database or configuration. The seed was a
two-column table flattened with tabs, so each entry starts with a tab-indented council name,
followed by untabbed lines in no fixed order: "Tel -"/"Tel:", the website, "Out of hours"
with "-", ":", an en dash or no separator (sometimes "Out of hours emergency"), and the team
inbox. Maidstone has no inbox but an extra daytime number and office, and a note about an
online referral form whose link was lost. Lines starting with ``#`` are comments.

Everything is trimmed; telephone numbers come out in E.164. Whether an authority is a district
or unitary council, and which children's services it uses, is configuration, not seed data
(``config/authorities.yaml``), so the parser does not decide it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers

SECTION_TITLE = "Homelessness / out of hours contacts"

# Spec §9 issue 4: the seed names "Tunbridge Wells" without its council type.
FULL_NAMES = {"Tunbridge Wells": "Tunbridge Wells Borough Council"}

OOH_SAME_AS_MAIN_GAP = "OOH number equals daytime number: unverified"

_NAME_SUFFIX = re.compile(r"\s+(?:Borough|District|City|County)?\s*Council$")
_SEPARATOR = r"\s*(?:[-:–—]\s*)?"
_TEL = re.compile(rf"^Tel(?:ephone)?\b{_SEPARATOR}(?P<value>.*)$", re.IGNORECASE)
_OOH = re.compile(
    rf"^Out of hours(?P<emergency>\s+emergency)?{_SEPARATOR}(?P<value>.*)$", re.IGNORECASE
)
_WEBSITE = re.compile(r"^(?:https?://)?(?P<host>www\.[A-Za-z0-9.-]+\.[A-Za-z]{2,})/?$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_REFERRAL_FORM = re.compile(r"online referral form", re.IGNORECASE)
_CALL = re.compile(
    r"^(?P<label>.*?)\s*\bCall\s+(?P<phone>\+?\d[\d ]{8,15}\d)"
    r"(?:\s+or\s+visit\s+(?P<place>[^()]*?))?"
    r"\s*(?:\((?P<hours>[^()]*)\))?$",
    re.IGNORECASE,
)
_FIXED_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.MOBILE,
}


class SeedParseError(ValueError):
    """The seed block is malformed; the message names the entry, the field and the line."""

    def __init__(self, entry: str, field_name: str, problem: str, line: int | None = None) -> None:
        where = f" (line {line})" if line is not None else ""
        super().__init__(f"seed 002 contacts: {entry}: {field_name}: {problem}{where}")
        self.entry = entry
        self.field_name = field_name
        self.line = line


@dataclass(frozen=True)
class SeedExtraContact:
    """A contact beyond the standard four fields (Maidstone's daytime helpline and office)."""

    label: str
    phone: str | None
    office: str | None
    address: str | None
    hours: str | None
    text: str
    source_line: int

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "label": self.label,
            "phone": self.phone,
            "office": self.office,
            "address": self.address,
            "hours": self.hours,
            "text": self.text,
            "source_line": self.source_line,
        }


@dataclass(frozen=True)
class SeedAuthority:
    """One seed entry, trimmed and normalised. ``source_line`` is the line of its name."""

    id: str
    name: str
    seed_name: str
    main_phone: str
    ooh_phone: str
    ooh_same_as_main: bool
    ooh_emergency: bool
    email: str | None
    website: str
    extra_contacts: tuple[SeedExtraContact, ...] = ()
    data_gaps: tuple[str, ...] = ()
    source_line: int = 0


@dataclass
class _Entry:
    seed_name: str
    line: int
    values: dict[str, tuple[str, int]] = field(default_factory=dict)
    ooh_emergency: bool = False
    extras: list[SeedExtraContact] = field(default_factory=list)
    referral_form_line: int | None = None


def authority_id(name: str) -> str:
    """Slug of a council name: "Folkestone and Hythe District Council" -> "folkestone-hythe"."""
    short = _NAME_SUFFIX.sub("", name.strip())
    words = [w for w in re.split(r"[^a-z0-9]+", short.lower()) if w and w != "and"]
    return "-".join(words)


def short_name(name: str) -> str:
    """The place name without "Borough Council" etc.: "Dartford Borough Council" -> "Dartford"."""
    return _NAME_SUFFIX.sub("", name.strip())


def parse_phone(raw: str, *, entry: str, field_name: str, line: int | None = None) -> str:
    """A UK number in E.164, or SeedParseError naming the entry and field."""
    value = raw.strip()
    if not value:
        raise SeedParseError(entry, field_name, "no telephone number", line)
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException as exc:
        raise SeedParseError(entry, field_name, f"cannot parse '{value}': {exc}", line) from exc
    if not phonenumbers.is_valid_number(number):
        raise SeedParseError(entry, field_name, f"'{value}' is not a valid UK number", line)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _is_non_geographic(e164: str) -> bool:
    return phonenumbers.number_type(phonenumbers.parse(e164, "GB")) not in _FIXED_TYPES


def _national_prefix(e164: str) -> str:
    national = "0" + e164.removeprefix("+44")
    return national[:4]


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _extra_contact(line_text: str, entry: str, line: int) -> SeedExtraContact | None:
    match = _CALL.match(line_text)
    if match is None:
        return None
    place = _collapse(match["place"] or "") or None
    office: str | None = None
    address: str | None = None
    if place:
        office, _, rest = place.partition(",")
        office = office.strip()
        address = _collapse(rest) or None
    hours = match["hours"]
    return SeedExtraContact(
        label=_collapse(match["label"]) or "Extra contact",
        phone=parse_phone(match["phone"], entry=entry, field_name="extra contact", line=line),
        office=office,
        address=address,
        # "9am- 4.30pm" in the seed: close up the spaces around range hyphens and dashes.
        hours=re.sub(r"\s*([-–])\s*", r"\1", _collapse(hours)) if hours else None,
        text=_collapse(line_text),
        source_line=line,
    )


def _set(entry: _Entry, key: str, value: str, line: int) -> None:
    if key in entry.values:
        first = entry.values[key][1]
        raise SeedParseError(entry.seed_name, key, f"given twice (first on line {first})", line)
    entry.values[key] = (value, line)


def _split_entries(text: str) -> list[_Entry]:
    entries: list[_Entry] = []
    current: _Entry | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or stripped == SECTION_TITLE:
            continue
        if raw[:1] == "\t":
            current = _Entry(seed_name=_collapse(stripped), line=number)
            entries.append(current)
            continue
        if current is None:
            raise SeedParseError(
                "(before the first entry)", "line", f"unexpected '{stripped}'", number
            )
        _classify(current, stripped, number)
    return entries


def _classify(entry: _Entry, text: str, line: int) -> None:
    if match := _TEL.match(text):
        _set(entry, "main_phone", match["value"], line)
    elif match := _OOH.match(text):
        entry.ooh_emergency = entry.ooh_emergency or bool(match["emergency"])
        _set(entry, "ooh_phone", match["value"], line)
    elif match := _WEBSITE.match(text):
        _set(entry, "website", f"https://{match['host'].lower()}", line)
    elif _EMAIL.match(text):
        _set(entry, "email", text, line)
    elif _REFERRAL_FORM.search(text):
        entry.referral_form_line = line
    elif (extra := _extra_contact(text, entry.seed_name, line)) is not None:
        entry.extras.append(extra)
    else:
        raise SeedParseError(entry.seed_name, "line", f"unrecognised line '{text}'", line)


def _require(entry: _Entry, key: str) -> tuple[str, int]:
    try:
        return entry.values[key]
    except KeyError:
        raise SeedParseError(entry.seed_name, key, "missing", entry.line) from None


def _build(entry: _Entry) -> SeedAuthority:
    gaps: list[str] = []
    name = entry.seed_name
    if _NAME_SUFFIX.search(name) is None:
        full = FULL_NAMES.get(name)
        if full is None:
            gaps.append(f"council type missing from seed name '{name}'")
        else:
            gaps.append(f"seed gives only '{name}'; full name '{full}' supplied")
            name = full
    label = short_name(name)

    main_raw, main_line = _require(entry, "main_phone")
    ooh_raw, ooh_line = _require(entry, "ooh_phone")
    website, _ = _require(entry, "website")
    main_phone = parse_phone(
        main_raw, entry=entry.seed_name, field_name="main_phone", line=main_line
    )
    ooh_phone = parse_phone(ooh_raw, entry=entry.seed_name, field_name="ooh_phone", line=ooh_line)

    email_value = entry.values.get("email")
    if email_value is None:
        if entry.referral_form_line is None:
            raise SeedParseError(entry.seed_name, "email", "missing", entry.line)
        gaps.append("no email in seed; online referral form link lost")
    elif entry.referral_form_line is not None:
        gaps.append("online referral form mentioned in seed but its link was lost")

    ooh_same = ooh_phone == main_phone
    if ooh_same:
        gaps.append(OOH_SAME_AS_MAIN_GAP)
    for value, what in ((main_phone, "main number"), (ooh_phone, "OOH")):
        if _is_non_geographic(value):
            gaps.append(f"{label} {what} is a non-geographic {_national_prefix(value)} number")
    if entry.ooh_emergency:
        gaps.append("seed labels the OOH number 'emergency': what it covers is unverified")

    return SeedAuthority(
        id=authority_id(name),
        name=name,
        seed_name=entry.seed_name,
        main_phone=main_phone,
        ooh_phone=ooh_phone,
        ooh_same_as_main=ooh_same,
        ooh_emergency=entry.ooh_emergency,
        email=email_value[0] if email_value else None,
        website=website,
        extra_contacts=tuple(entry.extras),
        data_gaps=tuple(gaps),
        source_line=entry.line,
    )


def parse_contacts(text: str) -> list[SeedAuthority]:
    """Every entry of the contact block, sorted by full council name."""
    authorities = [_build(entry) for entry in _split_entries(text)]
    if not authorities:
        raise SeedParseError("(whole block)", "entries", "no authorities found")
    seen: dict[str, SeedAuthority] = {}
    for authority in authorities:
        if authority.id in seen:
            raise SeedParseError(
                authority.seed_name,
                "id",
                f"'{authority.id}' already used by '{seen[authority.id].seed_name}' "
                f"(line {seen[authority.id].source_line})",
                authority.source_line,
            )
        seen[authority.id] = authority
    return sorted(authorities, key=lambda a: a.name)
