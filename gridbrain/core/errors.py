"""Domain errors. Each names what went wrong so the API can answer with a clear 4xx."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    status = 400
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule

    def as_dict(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.rule is not None:
            out["rule"] = self.rule
        return out


class Invalid(DomainError):
    """Input breaks a rule: names the field and the rule."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, rule: str, message: str | None = None) -> None:
        super().__init__(message or f"{field}: {rule}", field=field, rule=rule)


class MissingField(Invalid):
    def __init__(self, field: str) -> None:
        super().__init__(field, "required", f"{field} is required")


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class TooManyAttempts(DomainError):
    """Too many tries in too short a time (login throttling): 429 with Retry-After."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(message, field=field, rule="throttled")
        self.retry_after_s = max(1, int(retry_after_s))
