"""What an AccessDenied means for each API the embedder calls: the IAM action refused, on
which resources, and what grants it in this project.

The actions and resource types are the Service Authorization Reference's
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonquicksight.html):
GetSessionEmbedUrl has no resource type (`Resource: "*"`) and, when a UserArn is sent, is also
authorized as quicksight:GetAuthCode on that user; GenerateEmbedUrlForRegisteredUser is
authorized on the user ARN (condition key quicksight:AllowedEmbeddingDomains);
GenerateEmbedUrlForAnonymousUser on the namespace and on each dashboard, topic or theme ARN of
AuthorizedResourceArns.
"""

from __future__ import annotations

IAM_HINTS: dict[str, str] = {
    "GetSessionEmbedUrl": (
        'GetSessionEmbedUrl needs quicksight:GetSessionEmbedUrl (Resource "*": the action has '
        "no resource type) and, for quicksight identity (UserArn sent), quicksight:GetAuthCode "
        "on the tenant namespace's users (user/<namespace>/*); the embed role gets both when "
        "embedding.experiences lists console"
    ),
    "GenerateEmbedUrlForRegisteredUser": (
        "GenerateEmbedUrlForRegisteredUser needs quicksight:GenerateEmbedUrlForRegisteredUser on "
        "the user's ARN (user/<namespace>/*), with quicksight:AllowedEmbeddingDomains allowing "
        "the domains sent; a dashboard or visual also needs the user's QuickSight permission on "
        "it (the dashboard's own permissions, not IAM)"
    ),
    "GenerateEmbedUrlForAnonymousUser": (
        "GenerateEmbedUrlForAnonymousUser needs quicksight:GenerateEmbedUrlForAnonymousUser on "
        "the tenant's namespace (namespace/<namespace>) and on every dashboard or topic ARN "
        "sent in AuthorizedResourceArns, i.e. those the tenant file's anonymous section lists "
        "(another tenant's are refused by design)"
    ),
    "RegisterUser": (
        "RegisterUser needs quicksight:RegisterUser on the tenant namespace's users "
        "(user/<namespace>/*), granted only with embedding.register_on_first_use"
    ),
}


def iam_hint(operation: str) -> str:
    """The IAM action (and resources) an AccessDenied of `operation` refused."""
    return IAM_HINTS.get(
        operation, f"{operation} needs quicksight:{operation} in the embed role's policy"
    )
