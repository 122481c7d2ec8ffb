"""Which IAM actions an embed role may hold, and what an action wildcard really grants.

The embedding actions are the ones `policies.embed_role` grants (named there once); the
resource types come from `policies.authorization_reference` (AWS's published IAM definition). A
wildcard is judged by what it expands to today, over every action AWS's IAM definition or
botocore's API model names for the service: `quicksight:GetSessionEmbed*` is fine,
`quicksight:Get*` is not.
"""

from __future__ import annotations

import re
from functools import cache

import botocore.session
from botocore.exceptions import UnknownServiceError

from policies.authorization_reference import action_resource_types
from policies.embed_role import (
    ASSUME_ROLE,
    GENERATE_EMBED_URL,
    GET_AUTH_CODE,
    GET_SESSION_EMBED_URL,
    REGISTER_USER,
)

EMBEDDING_ACTIONS = frozenset(
    {GET_SESSION_EMBED_URL, GET_AUTH_CODE, GENERATE_EMBED_URL, REGISTER_USER}
)
"""What an embed role's permissions may allow: minting console URLs for its tenant's users."""
TRUST_ACTIONS = frozenset({ASSUME_ROLE})
"""What an embed role's trust policy may allow its app principals."""


def is_wildcard(action: str) -> bool:
    return "*" in action or "?" in action


def service_of(action: str) -> str:
    return action.split(":", 1)[0].lower()


@cache
def known_actions(service: str) -> frozenset[str]:
    """`service:Action` names AWS documents, widened by botocore's newer API operations.

    parliament's IAM definition is a snapshot; botocore is upgraded with the SDK. Operation
    names are IAM action names for QuickSight, and where they are not (a few services), the
    extra names only make a wildcard look broader, never narrower.
    """
    try:
        documented = set(action_resource_types(service))
    except KeyError:
        documented = set()
    try:
        model = botocore.session.get_session().get_service_model(service)
        documented |= {f"{service}:{op}" for op in model.operation_names}
    except UnknownServiceError:
        pass
    return frozenset(documented)


def expand(pattern: str) -> frozenset[str]:
    """The known actions an IAM action pattern matches (IAM matches case-insensitively)."""
    service, _, name = pattern.partition(":")
    regex = re.compile(
        re.escape(name).replace(r"\*", ".*").replace(r"\?", "."), flags=re.IGNORECASE
    )
    return frozenset(
        a for a in known_actions(service.lower()) if regex.fullmatch(a.partition(":")[2])
    )


def resource_types(action: str) -> frozenset[str] | None:
    """Resource types an exact action can be scoped to; empty: none (`"*"` is required);
    None: AWS's IAM definition does not know the action."""
    try:
        table = action_resource_types(service_of(action))
    except KeyError:
        return None
    by_lower = {a.lower(): types for a, types in table.items()}
    return by_lower.get(action.lower())
