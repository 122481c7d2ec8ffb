"""Which condition keys a request to the emulator holds, and which it cannot tell.

A key a policy tests is either in the request context (``sandbox.iam_auth`` computes it), or
known to be absent in this request, or one the emulator does not compute: the last is refused
loudly (``UnsupportedPolicyElement``), because treating it as absent would let a Deny on it
never fire.

Global keys, with each key's "Availability" in the IAM User Guide, "AWS global condition
context keys":
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
Service keys: those the Service Authorization Reference lists for the action (``sandbox.sar``);
a key it does not list for the action is not in that action's request context.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sandbox import sar
from sandbox.conditions import UnsupportedPolicyElement

COMPUTED_GLOBAL_KEYS = frozenset(
    {
        # Always present ("This key is always included in the request context"):
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:principalisawsservice",  # "false": the emulator's callers are IAM principals
        "aws:userid",
        "aws:currenttime",
        "aws:epochtime",
        "aws:securetransport",
        "aws:sourceip",
        "aws:requestedregion",
        "aws:viaawsservice",  # "false": no AWS service calls the emulator on a caller's behalf
        "aws:useragent",
        "aws:resourceaccount",
        # Present where they apply, computed by sandbox.iam_auth:
        "aws:username",  # IAM users only
        "aws:multifactorauthpresent",  # temporary credentials only (false: no MFA here)
        "aws:referer",  # only when the caller sends the header
    }
)
COMPUTED_GLOBAL_PREFIXES = ("aws:principaltag/",)
# Keys of the request itself, present where the SAR lists them for the action:
REQUEST_KEYS = ("aws:requesttag/", "aws:tagkeys", "aws:resourcetag/")

ABSENT_GLOBAL_KEYS = frozenset(
    {
        # "only if the principal is a member of an organization" (the emulator's is in none):
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:resourceorgid",
        "aws:resourceorgpaths",
        # Service principals only; the emulator's callers are IAM principals:
        "aws:principalservicename",
        "aws:principalservicenameslist",
        # Only when an AWS service makes the request on a principal's behalf:
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        # Only through a VPC endpoint, from EC2, or for federated / root sessions:
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourcevpcarn",
        "aws:vpcsourceip",
        "aws:ec2instancesourcevpc",
        "aws:ec2instancesourceprivateipv4",
        "aws:federatedprovider",
        "aws:assumedroot",
        "aws:multifactorauthage",  # only when MFA was used (never here)
        "aws:isvpcendpoint",
    }
)


def unmodelled_keys(
    service: str, action_name: str, known: Collection[str]
) -> Callable[[str], str | None]:
    """For a request of ``service:action_name``: why a key that is not in its context cannot be
    judged, or None when it is absent in this request as it would be on AWS. ``known``: the
    service and request-tag keys the emulator computes for this action (lower-cased; a prefix
    such as ``aws:requesttag/`` ends with '/'), whether or not this request carries them."""
    try:
        listed: sar.Action | None = sar.action(service, action_name)
    except UnsupportedPolicyElement:
        listed = None

    def is_known(key: str) -> bool:
        return key in known or any(p.endswith("/") and key.startswith(p) for p in known)

    def why(key: str) -> str | None:
        if key.startswith("aws:"):
            if key in COMPUTED_GLOBAL_KEYS or key.startswith(COMPUTED_GLOBAL_PREFIXES):
                return None  # computed: when not in the context, it is absent here
            if key in ABSENT_GLOBAL_KEYS:
                return None
            if not key.startswith(REQUEST_KEYS):
                return "a global key the emulator does not compute"
        if listed is None:
            return f"{service}:{action_name} is not in the Service Authorization Reference"
        if not listed.lists_key(key) or is_known(key):
            return None  # a key of another action or service is not in this request
        return f"listed for {service}:{action_name} by the SAR, not computed by the emulator"

    return why
