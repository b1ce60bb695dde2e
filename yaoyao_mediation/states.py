"""One check for every model's table of allowed state moves (CONVENTIONS.md "States")."""

from django.core.exceptions import ValidationError


def require_transition(obj, new_status: str, *, message: str | None = None) -> None:
    """Raise ValidationError unless `type(obj).TRANSITIONS[obj.status]` allows `new_status`."""
    allowed = type(obj).TRANSITIONS[obj.status]
    if new_status not in allowed:
        raise ValidationError(message or f"{obj.status} → {new_status}", code="transition")
