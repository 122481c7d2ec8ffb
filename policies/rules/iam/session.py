"""IAM rules on role session duration: IAM's 12 h maximum, and 1 h for embed roles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from policies.resources import (
    EMBED_ROLE_SESSION_SECONDS,
    IAM_DEFAULT_MAX_SESSION_SECONDS,
    ROLE,
    role_display,
    text,
)
from policies.rules.rule import ADVISORY, resource_rule
from policies.tenant_index import TenantIndex, is_embed_role_name

MAX_SESSION_LIMIT_SECONDS = 43_200
"""IAM's own maximum (12 h); above it IAM refuses the role halfway through `pulumi up`."""


# -- session duration ----------------------------------------------------------------------


def _max_session(props: Mapping[str, Any]) -> int:
    value = props.get("maxSessionDuration")
    # Numbers cross the engine as protobuf doubles.
    return int(value) if isinstance(value, int | float) else IAM_DEFAULT_MAX_SESSION_SECONDS


@resource_rule(
    "iam-session-duration-limit",
    "Role sessions last at most 12 h (IAM's maximum).",
)
def session_duration_limit(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    if args.resource_type != ROLE:
        return
    seconds = _max_session(args.props)
    if seconds > MAX_SESSION_LIMIT_SECONDS:
        report(
            f"role {role_display(args.props, args.name)}: maxSessionDuration {seconds} s is "
            f"above IAM's maximum of {MAX_SESSION_LIMIT_SECONDS} s (12 h)",
            None,
        )


@resource_rule(
    "iam-session-duration-embedding",
    "Embed role sessions last at most 1 h; embedding needs no more.",
    ADVISORY,
)
def session_duration_embedding(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    if args.resource_type != ROLE or not is_embed_role_name(text(args.props, "name")):
        return
    seconds = _max_session(args.props)
    if EMBED_ROLE_SESSION_SECONDS < seconds <= MAX_SESSION_LIMIT_SECONDS:
        report(
            f"role {text(args.props, 'name')}: maxSessionDuration {seconds} s; embedding needs "
            f"at most {EMBED_ROLE_SESSION_SECONDS} s (the embedder refreshes credentials), and "
            "longer sessions keep leaked credentials useful longer",
            None,
        )
