"""What IAM authorizes each QuickSight request against: its resource ARN and condition keys.

Resource ARNs: moto authorizes every QuickSight call against ``*`` (its QuickSight responses
define no ``_determine_resource``), so a policy scoped to ``user/acme/*`` would never be tested.
``RESOURCE_TEMPLATES`` holds the resource types of the Service Authorization Reference; list
operations use the namespace-wide wildcard of their type. Operations not listed (account
settings, and GetSessionEmbedUrl, which has no resource type) are authorized against ``*``.

Condition keys: the Service Authorization Reference lists, per action, the service keys a
policy may test
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonquicksight.html);
each comes from one request parameter (``CONDITION_KEYS``).
``quicksight:AllowedEmbeddingDomains`` is multivalued (ArrayOfString): every domain the request
lists. A parameter the request omits leaves its key absent, which ``ForAllValues`` treats as a
match and a ``Null`` condition can refuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_USER = "user/{Namespace}/{UserName}"
_GROUP = "group/{Namespace}/{GroupName}"
_PROFILE = "custompermissions/{CustomPermissionsName}"
_DATA_SOURCE = "datasource/{DataSourceId}"

RESOURCE_TEMPLATES: Mapping[str, str] = {
    "DescribeUser": _USER,
    "UpdateUser": _USER,
    "DeleteUser": _USER,
    "UpdateUserCustomPermission": _USER,
    "DeleteUserCustomPermission": _USER,
    "ListUserGroups": _USER,
    "ListUsers": "user/{Namespace}/*",
    "DeleteUserByPrincipalId": "user/{Namespace}/*",
    "RegisterUser": _USER,  # UserName derived from IamArn/SessionName for IAM identities
    "GenerateEmbedUrlForRegisteredUser": "{UserArn}",
    # The required resource type; each of AuthorizedResourceArns (dashboard, topic) is
    # authorized too, by the handler (Service Authorization Reference, resource types of
    # GenerateEmbedUrlForAnonymousUser: namespace*, dashboard, theme, topic).
    "GenerateEmbedUrlForAnonymousUser": "namespace/{Namespace}",
    "CreateGroup": _GROUP,
    "DescribeGroup": _GROUP,
    "UpdateGroup": _GROUP,
    "DeleteGroup": _GROUP,
    "CreateGroupMembership": _GROUP,
    "DescribeGroupMembership": _GROUP,
    "DeleteGroupMembership": _GROUP,
    "ListGroupMemberships": _GROUP,
    "ListGroups": "group/{Namespace}/*",
    "SearchGroups": "group/{Namespace}/*",
    "CreateNamespace": "namespace/{Namespace}",
    "DescribeNamespace": "namespace/{Namespace}",
    "DeleteNamespace": "namespace/{Namespace}",
    "ListNamespaces": "namespace/*",
    "CreateCustomPermissions": _PROFILE,
    "DescribeCustomPermissions": _PROFILE,
    "UpdateCustomPermissions": _PROFILE,
    "DeleteCustomPermissions": _PROFILE,
    "ListCustomPermissions": "custompermissions/*",
    "CreateDashboard": "dashboard/{DashboardId}",
    "DescribeDashboard": "dashboard/{DashboardId}",
    "ListDashboards": "dashboard/*",
    "CreateTopic": "topic/{TopicId}",
    "DescribeTopic": "topic/{TopicId}",
    "CreateDataSource": _DATA_SOURCE,
    "DescribeDataSource": _DATA_SOURCE,
    "UpdateDataSource": _DATA_SOURCE,
    "DeleteDataSource": _DATA_SOURCE,
    "ListDataSources": "datasource/*",
    "CreateDataSet": "dataset/{DataSetId}",
    "CreateIngestion": "dataset/{DataSetId}",
    "TagResource": "{ResourceArn}",
    "UntagResource": "{ResourceArn}",
    "ListTagsForResource": "{ResourceArn}",
}

_FIELD = re.compile(r"\{(\w+)\}")
IAM_IDENTITY_ARN = re.compile(
    r"arn:[\w-]+:iam::(?P<account>\d{12}):(?P<kind>role|user)/(?:[^/]+/)*(?P<name>[^/]+)"
)


def iam_identity_user_name(iam_arn: str, session_name: str | None) -> str | None:
    """The QuickSight user name of an IAM identity: an IAM user's name, or ``<role>/<session>``
    for a session of a role; None if the ARN is neither (or a role lacks the session)."""
    match = IAM_IDENTITY_ARN.fullmatch(iam_arn)
    if match is None:
        return None
    if match["kind"] == "user":
        return match["name"]
    return f"{match['name']}/{session_name}" if session_name else None


def resource_arn(operation: str, params: Mapping[str, Any], arn_prefix: str) -> str:
    """``arn_prefix`` is ``arn:<partition>:quicksight:<region>:<account>:``. A field the request
    lacks gives ``*``: the request is then refused by validation, not authorized more widely."""
    template = RESOURCE_TEMPLATES.get(operation)
    if template is None:
        return "*"
    if operation == "RegisterUser" and params.get("IdentityType") == "IAM":
        iam_arn, session = params.get("IamArn"), params.get("SessionName")
        name = iam_identity_user_name(iam_arn, session) if isinstance(iam_arn, str) else None
        params = {**params, "UserName": name}
    values: dict[str, str] = {}
    for name in _FIELD.findall(template):
        value = params.get(name)
        if not isinstance(value, str) or not value:
            return "*"
        values[name] = value
    resource = template.format(**values)
    return resource if template.startswith("{") else arn_prefix + resource


CONDITION_KEYS: Mapping[str, Mapping[str, str]] = {
    # action: {condition key: the request parameter it is read from}
    "RegisterUser": {"quicksight:IamArn": "IamArn", "quicksight:SessionName": "SessionName"},
    "GenerateEmbedUrlForRegisteredUser": {"quicksight:AllowedEmbeddingDomains": "AllowedDomains"},
    "GenerateEmbedUrlForAnonymousUser": {"quicksight:AllowedEmbeddingDomains": "AllowedDomains"},
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
