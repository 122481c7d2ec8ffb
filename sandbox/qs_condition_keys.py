"""The QuickSight condition keys each action puts in the request context, from its request.

The Service Authorization Reference lists, per action, the service keys a policy may test
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonquicksight.html);
each comes from one request parameter. `quicksight:AllowedEmbeddingDomains` is multivalued
(ArrayOfString): every domain the request lists. A parameter the request omits leaves its key
absent, which `ForAllValues` treats as a match and a `Null` condition can refuse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

CONDITION_KEYS: Mapping[str, Mapping[str, str]] = {
    # action: {condition key: the request parameter it is read from}
    "RegisterUser": {"quicksight:IamArn": "IamArn", "quicksight:SessionName": "SessionName"},
    "GenerateEmbedUrlForRegisteredUser": {"quicksight:AllowedEmbeddingDomains": "AllowedDomains"},
    "CreateGroupMembership": {"quicksight:UserName": "MemberName"},
    "DeleteGroupMembership": {"quicksight:UserName": "MemberName"},
    "DescribeGroupMembership": {"quicksight:UserName": "MemberName"},
}


def quicksight_context(action: str, params: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The service keys of `action` (a QuickSight IAM action name) for a request's inputs.

    Values are taken as sent, as text: a value of the wrong type is still judged by the policy
    (validation refuses the request afterwards), never dropped, which would make the key absent.
    """
    context: dict[str, str | list[str]] = {}
    for key, parameter in CONDITION_KEYS.get(action, {}).items():
        value = params.get(parameter)
        if isinstance(value, list):
            context[key] = [v if isinstance(v, str) else json.dumps(v) for v in value]
        elif value is not None:
            context[key] = value if isinstance(value, str) else json.dumps(value)
    return context
