"""What IAM authorizes each QuickSight request against: its resource ARN and condition keys.

Resource ARNs: moto authorizes every QuickSight call against ``*`` (its QuickSight responses
define no ``_determine_resource``), so a policy scoped to ``user/acme/*`` would never be tested.
Which resource type an action is authorized on comes from the Service Authorization Reference
(``sandbox.sar``, parliament's copy): an action with none (GetSessionEmbedUrl,
DeleteCustomPermissions, ListNamespaces ...) is authorized against ``*`` only;
``RESOURCE_TEMPLATES`` says how a request names each type.

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

from sandbox import sar

RESOURCE_TEMPLATES: Mapping[str, str] = {
    # SAR resource type -> how a request names it (the ARN after ``arn:...:<account>:``).
    "user": "user/{Namespace}/{UserName}",
    "group": "group/{Namespace}/{GroupName}",
    "namespace": "namespace/{Namespace}",
    "custompermissions": "custompermissions/{CustomPermissionsName}",
    "dashboard": "dashboard/{DashboardId}",
    "datasource": "datasource/{DataSourceId}",
    "dataset": "dataset/{DataSetId}",
    "ingestion": "dataset/{DataSetId}/ingestion/{IngestionId}",
    "analysis": "analysis/{AnalysisId}",
    "template": "template/{TemplateId}",
    "theme": "theme/{ThemeId}",
    "topic": "topic/{TopicId}",
}
ACTION_TEMPLATES: Mapping[str, str] = {
    # Where the request names its resource otherwise: list operations use the namespace-wide
    # wildcard of their type; a few take the ARN itself.
    "ListUsers": "user/{Namespace}/*",
    "DeleteUserByPrincipalId": "user/{Namespace}/*",
    "ListGroups": "group/{Namespace}/*",
    "SearchGroups": "group/{Namespace}/*",
    "ListDashboards": "dashboard/*",
    "GenerateEmbedUrlForRegisteredUser": "{UserArn}",
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
    """The resource IAM authorizes ``operation`` against: ``*`` when the Service Authorization
    Reference gives it no resource type (only ``"Resource": "*"`` authorizes it), else the ARN
    the request names, of the SAR's first resource type (checked against its ARN format).

    ``arn_prefix`` is ``arn:<partition>:quicksight:<region>:<account>:``. A field the request
    lacks gives ``*``: the request is then refused by validation, not authorized more widely.
    """
    action = sar.action("quicksight", operation)
    if not action.has_resource_type:
        return "*"
    template = ACTION_TEMPLATES.get(operation) or RESOURCE_TEMPLATES.get(action.resource_types[0])
    if template is None:
        # No request field names this type (e.g. CreateDataSet's data sources): only a
        # policy whose Resource covers "*" authorizes it here.
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
    if template.startswith("{"):
        # An ARN the caller sent: one of another type is the caller's error, which validation
        # refuses after authorization (a policy scoped to the type's ARNs never covers it).
        return resource
    return action.authorized_resource(arn_prefix + resource)


CONDITION_KEYS: Mapping[str, Mapping[str, str]] = {
    # action: {condition key: the request parameter it is read from}
    "RegisterUser": {"quicksight:IamArn": "IamArn", "quicksight:SessionName": "SessionName"},
    "GenerateEmbedUrlForRegisteredUser": {"quicksight:AllowedEmbeddingDomains": "AllowedDomains"},
    "GenerateEmbedUrlForAnonymousUser": {"quicksight:AllowedEmbeddingDomains": "AllowedDomains"},
    "CreateGroupMembership": {"quicksight:UserName": "MemberName"},
    "DeleteGroupMembership": {"quicksight:UserName": "MemberName"},
    "DescribeGroupMembership": {"quicksight:UserName": "MemberName"},
}


def quicksight_context(action: str, params: Mapping[str, Any]) -> dict[str, str | list[str] | None]:
    """The service keys of `action` (a QuickSight IAM action name) for a request's inputs.

    Values are taken as sent, as text: a value of the wrong type is still judged by the policy
    (validation refuses the request afterwards), never dropped, which would make the key absent.
    """
    context: dict[str, str | list[str] | None] = {}
    for key, parameter in CONDITION_KEYS.get(action, {}).items():
        value = params.get(parameter)
        if isinstance(value, list):
            context[key] = [v if isinstance(v, str) else json.dumps(v) for v in value]
        else:
            context[key] = None if value is None else _text(value)
    # aws:TagKeys and aws:RequestTag/<key>: the Tags a request sends ("AWS global condition
    # context keys"), for the actions the SAR lists them for.
    tags = params.get("Tags")
    listed = sar.action("quicksight", action)
    if listed.lists_key("aws:tagkeys"):
        pairs = [t for t in tags if isinstance(t, Mapping)] if isinstance(tags, list) else []
        context["aws:TagKeys"] = [_text(t.get("Key")) for t in pairs]
        context["aws:RequestTag/"] = None  # computed (absent unless a tag names it)
        for tag in pairs:
            context[f"aws:RequestTag/{_text(tag.get('Key'))}"] = _text(tag.get("Value"))
    return context


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
