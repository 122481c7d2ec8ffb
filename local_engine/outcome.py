"""What the local engine reports: the change lines it prints, the result of a run, the failure
of a change (with what was applied before it)."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from infra.offline import OfflineRun
from infra.tenant_stack import TenantStack

SYMBOLS = {
    "gone": "!",
    "drift": "!",
    "create": "+",
    "import": "=",
    "update": "~",
    "replace": "+-",
    "delete": "-",
    "forget": "-",
}


@dataclass(frozen=True)
class ResourceChange:
    """One change the engine made (a line of its output)."""

    op: str
    type: str
    name: str
    detail: str = ""

    def __str__(self) -> str:
        line = f"{SYMBOLS[self.op]:<2} {self.op:<7} {self.name}  {self.type}"
        return f"{line}  ({self.detail})" if self.detail else line


@dataclass
class EngineResult:
    changes: list[ResourceChange]
    unchanged: int
    run: OfflineRun[dict[str, TenantStack]] | None = None
    preview: bool = False
    """The changes are what `up` would make (`local up --preview`): nothing was changed."""

    def summary(self) -> str:
        counts = {op: sum(c.op == op for c in self.changes) for op in SYMBOLS}
        found = [
            f"{counts['gone']} found gone",
            f"{counts['drift']} found changed in AWS",
        ]
        parts = [
            f"{counts['create']} created",
            f"{counts['import']} adopted",
            f"{counts['update']} updated",
            f"{counts['replace']} replaced",
            f"{counts['delete']} deleted",
            f"{counts['forget']} forgotten (retained)",
            f"{self.unchanged} unchanged",
        ]
        refreshed = f"refresh: {', '.join(found)}; " if counts["gone"] or counts["drift"] else ""
        would = "would be: " if self.preview else ""
        return refreshed + would + ", ".join(parts)


class ApplyFailed(Exception):
    """A change failed; the state holds every change made before it (`applied`)."""

    def __init__(self, resource: str, type_token: str, reason: str) -> None:
        super().__init__(f"{resource} ({type_token}): {reason}")
        self.resource, self.type, self.reason = resource, type_token, reason
        self.applied: list[ResourceChange] = []


def failure_reason(error: BaseException) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'error')}: {details.get('Message', '')}"
    return str(error) or type(error).__name__


def as_failure(error: Exception) -> ApplyFailed:
    return ApplyFailed("program", "pulumi", failure_reason(error))
