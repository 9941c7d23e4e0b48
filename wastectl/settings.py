"""Load the application settings for a command, turning validation errors into one clear line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from wastectl.errors import ConfigError

if TYPE_CHECKING:
    from api.settings import Settings

_PASSWORD_IN_URL = re.compile(
    r"(?P<scheme>[a-z0-9+]+://)(?P<user>[^:@/]*):(?P<password>[^@/]*)@", re.IGNORECASE
)


def redact_url(url: str) -> str:
    """`postgresql://u:secret@h/db` -> `postgresql://u:***@h/db`."""
    return _PASSWORD_IN_URL.sub(lambda m: f"{m['scheme']}{m['user']}:***@", url)


def load(*, serving: bool = False, **overrides: Any) -> Settings:
    """The settings of a command; `serving=True` (`wastectl dev`) adds the API's start-up refusals."""
    from pydantic import ValidationError

    from api.settings import load_settings

    try:
        return load_settings(serving=serving, **overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            name = f"WASTE_{field.upper()}" if field else "configuration"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError(
            "invalid configuration: " + "; ".join(problems),
            hint="see docs/configuration.md for every WASTE_* variable",
        ) from None


def public_view(settings: Settings) -> dict[str, Any]:
    """Every setting with secrets masked and passwords removed from URLs: safe to print or log."""
    from pydantic import SecretStr

    view: dict[str, Any] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            view[name] = "**********" if value.get_secret_value() else ""
        elif isinstance(value, str) and "://" in value:
            view[name] = redact_url(value)
        elif value is None or isinstance(value, (bool, int, float, list)):
            view[name] = value
        else:
            view[name] = str(value)
    view["resolved_database_url"] = redact_url(settings.resolved_database_url)
    return view
