"""The site's own declaration, data/site.yaml: who the public can reach about the site.

The accessibility statement shows `accessibility_contact` (an email address, and a telephone and a
postal address for anyone who cannot use email). `site()` reads it for the dashboard; `check_site`
reports a problem at its line for `servicestat check`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import ValidationError, field_validator

from core.check_base import CheckContext, StrictModel, label_of, report_errors
from core.models import Text
from core.paths import data_file
from core.yamlio import DeclarationError, DeclarationProblem, read_yaml


class Contact(StrictModel):
    team: Text
    email: Text
    phone: Text
    postal_address: Text

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", value):
            raise ValueError(f"{value!r} is not an email address (name@domain)")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not re.fullmatch(r"\+?[0-9][0-9 ().-]{6,}[0-9]", value):
            raise ValueError(f"{value!r} is not a telephone number (digits, spaces, ( ) . - only)")
        return value


class Site(StrictModel):
    accessibility_contact: Contact


def check_site(ctx: CheckContext, name: str) -> None:
    """site.yaml: an accessibility contact with a team, an email address, a phone and a postal address."""
    data, file, parsed = ctx.yaml(name)
    if not parsed:
        return
    if not isinstance(data, dict):
        ctx.add(file, 1, "expected an `accessibility_contact:` section")
        return
    try:
        Site.model_validate(dict(data))
    except ValidationError as exc:
        report_errors(ctx, file, data, exc)


def site(data_dir: str | os.PathLike[str] | None = None) -> Site:
    """The site declaration; raises DeclarationError (file:line: message) when it is not valid."""
    path = data_file("site.yaml", data_dir)
    label = label_of(Path(path))
    data, problems = read_yaml(Path(path), label)
    if problems:
        raise DeclarationError(problems)
    try:
        return Site.model_validate(dict(data) if isinstance(data, dict) else {})
    except ValidationError as exc:
        raise DeclarationError([DeclarationProblem(label, None, str(exc))]) from None
