"""The lifecycle of extension and suspension requests (延期、挂起申请): a pure state machine.

    requested --approve--> approved --end--> ended      (suspensions only: the clocks run again)
    requested --reject--> rejected                      (with a note saying why)

Only an approved request moves (extension) or stops (suspension) a deadline's clocks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from gridbrain.core.errors import Conflict, Forbidden, Invalid, MissingField
from gridbrain.supervision.model import Limit


class PauseKind(StrEnum):
    EXTENSION = "extension"  # 延期: more time
    SUSPENSION = "suspension"  # 挂起: the clocks stop until the suspension ends


class PauseState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    ENDED = "ended"


class PauseAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    END = "end"


def pause_moves(kind: PauseKind, state: PauseState) -> dict[PauseAction, PauseState]:
    """requested --approve/reject--> approved | rejected; an approved suspension --end--> ended."""
    if state == PauseState.REQUESTED:
        return {PauseAction.APPROVE: PauseState.APPROVED, PauseAction.REJECT: PauseState.REJECTED}
    if state == PauseState.APPROVED and kind == PauseKind.SUSPENSION:
        return {PauseAction.END: PauseState.ENDED}
    return {}


@dataclass(frozen=True)
class RequestPause:
    """A handler asks for more time (extension, with how much) or to stop the clock (suspension)."""

    event_id: str
    kind: PauseKind
    reason: str
    extra: Limit | None = None

    @classmethod
    def of(
        cls, event_id: str, kind: str, reason: str | None, value: float | None = None, unit: str | None = None
    ) -> RequestPause:
        """The command from raw input; names the field that breaks a rule."""
        try:
            k = PauseKind(kind)
        except ValueError:
            raise Invalid("kind", "must be extension or suspension") from None
        if not (reason or "").strip():
            raise MissingField("reason")
        extra = Limit.of(value, unit, "extension") if k == PauseKind.EXTENSION else None
        return cls(event_id, k, (reason or "").strip(), extra)


@dataclass(frozen=True)
class Decide:
    """An operator approves or rejects a request; a rejection says why."""

    pause_id: int
    approve: bool
    note: str | None = None


@dataclass(frozen=True)
class PauseRequest:
    """An extension or suspension request as its lifecycle sees it."""

    id: int
    kind: PauseKind
    status: PauseState
    requested_by: str

    def move(self, action: PauseAction) -> PauseState:
        """The state `action` leads to, or a 409 naming the state and what is allowed."""
        moves = pause_moves(self.kind, self.status)
        if action not in moves:
            allowed = ", ".join(moves) or "nothing"
            raise Conflict(
                f"{self.kind} request {self.id} is {self.status}: {action} is not allowed; allowed: {allowed}",
                field="pause_id",
                rule=f"state_{self.status}",
            )
        return moves[action]


def decided(p: PauseRequest, cmd: Decide, *, by: str, may_decide_own: bool = False) -> PauseRequest:
    """The decision on a request: nobody decides their own (but an admin), a rejection has a note."""
    state = p.move(PauseAction.APPROVE if cmd.approve else PauseAction.REJECT)
    if p.requested_by == by and not may_decide_own:
        raise Forbidden("nobody approves their own request")
    if not cmd.approve and not (cmd.note or "").strip():
        raise MissingField("note")
    return replace(p, status=state)


def ended(p: PauseRequest) -> PauseRequest:
    """An approved suspension ends: the clocks run again."""
    return replace(p, status=p.move(PauseAction.END))
