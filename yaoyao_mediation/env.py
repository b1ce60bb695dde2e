"""Reading settings from the environment.

Every reader raises ImproperlyConfigured with the variable's name on a bad value, so a typo in a
deployment stops the process at start instead of running with a silently different setting.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise ImproperlyConfigured(f"{name} is a comma-separated list without empty items, not {value!r}")
    return items


def env_choices(name: str, default: list[str], allowed: set[str]) -> list[str]:
    items = env_list(name, default)
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise ImproperlyConfigured(f"{name} may only name {sorted(allowed)}; unknown: {unknown}")
    return items


def env_url(name: str, schemes: set[str]) -> str | None:
    """A URL whose scheme is one of `schemes` and that names a host or a socket path."""
    value = env_str(name)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise ImproperlyConfigured(f"{name} must start with one of {sorted(schemes)}://, not {value!r}")
    if not (parts.hostname or parts.path.strip("/") or "host=" in parts.query):
        raise ImproperlyConfigured(f"{name} names no server: {value!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port: {value!r}") from None
    return value
