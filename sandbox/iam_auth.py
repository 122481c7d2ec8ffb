"""IAM enforcement fixes, in a subclass of moto's ``IAMRequest`` and one hook that uses it.

- Signatures: moto signs a body-less request (every QuickSight GET/DELETE) with its parsed
  parameters as the payload, so a correct SigV4 signature never matches; the SDK signs an empty
  payload there, and so does this class.
- Trust policies: see ``sandbox.trust``; AssumeRole on a role that does not exist is refused
  instead of minting credentials for nothing.
- Identity policies: moto ignores their conditions, turns an Allow whose condition fails into a
  Deny, matches Resource as a regular expression and never reads NotResource or policy
  variables. Here each policy is evaluated as IAM does (``sandbox.evaluation``,
  ``sandbox.conditions``) against a request context holding the global keys AWS sets
  (``sandbox.context_keys``) and the service's own (``sts:ExternalId``,
  ``quicksight:SessionName`` ...), on the resource the Service Authorization Reference gives the
  action (``sandbox.sar``): an explicit Deny wins, an Allow whose condition does not hold simply
  does not apply, and an element the emulator does not implement refuses the request, naming it.
- ``authorize`` checks one action on a resource ARN and returns the caller, so QuickSight can
  authorize against the real user ARN and also check GetAuthCode on the UserArn.

``sandbox.moto_hooks`` makes moto's other services (STS, IAM) use this class too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC
from typing import Any, TypeVar
from xml.sax.saxutils import escape

from botocore.awsrequest import AWSRequest
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import AccessDeniedError
from moto.iam.access_control import AssumedRoleAccessKey, IAMPolicy, IAMRequest
from moto.iam.exceptions import NoSuchEntity, NotFoundException
from moto.iam.utils import REQUIRE_RESOURCE_ACCESS_POLICIES_CHECK
from moto.sts.models import sts_backends

from sandbox import runtime, sar
from sandbox.conditions import RequestContext, UnsupportedPolicyElement, request_context
from sandbox.context_keys import unmodelled_keys
from sandbox.evaluation import Decision, evaluate
from sandbox.trust import Caller, allows_by_naming_the_caller, trust_decision

log = logging.getLogger(__name__)
T = TypeVar("T")

ServiceContext = Mapping[str, str | Sequence[str] | None]


class UnsupportedElementDenied(AccessDeniedError):
    """AccessDenied because a policy uses an element the emulator does not implement: the
    message names it, so the refusal is loud, never an allow."""

    def __init__(self, caller_arn: str, action: str, error: UnsupportedPolicyElement) -> None:
        super().__init__(caller_arn, action)
        self.description = (self.description or "").replace(
            f"perform: {action}</Message>", f"perform: {action}: {escape(str(error))}</Message>"
        )
        self.message = f"User: {caller_arn} is not authorized to perform: {action}: {error}"


class SandboxIAMRequest(IAMRequest):
    def _create_aws_request(self) -> AWSRequest:
        signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"])
        headers = self._create_headers_for_aws_request(signed.split(";"), self._headers)
        request = AWSRequest(
            method=self._method, url=self._path, data=self._payload(), headers=headers
        )
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    def _payload(self) -> Any:
        if self._body:
            return self._body
        # A form POST arrives parsed (werkzeug empties the raw body), which moto re-encodes
        # from its parameters; only a request that sent no body at all is signed as empty.
        sent = int(self._headers.get("Content-Length") or 0)
        return self._data if sent else b""

    def caller(self) -> Caller:
        key = self._access_key
        if isinstance(key, AssumedRoleAccessKey):
            # moto keeps only the role's name on the key; the role (with its path) is in IAM.
            role_name: str = key._owner_role_name
            try:
                role_arn: str | None = self.backend.get_role(role_name).arn
            except NotFoundException:
                role_arn = None
            return Caller(key.arn, self.account_id, role_arn, key._session_name)
        return Caller(key.arn, self.account_id)

    def check_action_permitted(
        self, resource: str, service_context: ServiceContext | None = None
    ) -> None:
        """IAM's evaluation ("Policy evaluation logic"): every identity policy of the caller,
        in the request context (global keys and ``service_context``; STS's and IAM's own keys
        by default); for AssumeRole, the role's trust policy too. An element the emulator does
        not implement refuses the request, naming it."""
        if self._action == "sts:GetCallerIdentity":
            return  # always allowed, even under an explicit Deny (as moto and AWS do)
        try:
            consistent_read(lambda: self._check(resource, service_context))
        except UnsupportedPolicyElement as e:
            log.warning("refused %s: %s", self._action, e)
            raise UnsupportedElementDenied(self._access_key.arn, self._action, e) from None

    def _check(self, resource: str, service_context: ServiceContext | None) -> None:
        service, _, name = self._action.partition(":")
        if not sar.action(service, name).has_resource_type:
            resource = "*"  # SAR: no resource type, so only "Resource": "*" authorizes it
        if _session_policy(self._access_key):
            raise UnsupportedPolicyElement("a session policy", "passed to AssumeRole")
        if self._permissions_boundary():
            # "Policy evaluation logic": a boundary limits what identity policies allow.
            raise UnsupportedPolicyElement("a permissions boundary", "on the caller's role")
        context = self.request_context(service_context)
        decisions = [
            evaluate(_document(policy), action=self._action, resource=resource, context=context)
            for policy in self._access_key.collect_policies()
        ]
        if Decision.DENY in decisions:
            self._raise_access_denied()
        permitted = Decision.ALLOW in decisions
        if self._is_assuming_role_operation(resource):
            permitted = self._trust_permits(resource, context, identity_allows=permitted)
        if not permitted:
            self._raise_access_denied()

    def request_context(self, service_context: ServiceContext | None = None) -> RequestContext:
        """The condition keys of this request: the global keys IAM sets for the caller, and the
        service's own (STS's and IAM's, read from the request, unless ``service_context`` is
        given). Global keys and their availability, "AWS global condition context keys":
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
        """
        caller = self.caller()
        now = runtime.current().clock.now().astimezone(UTC)
        values: dict[str, Any] = {
            "aws:PrincipalArn": caller.principal_arn,
            "aws:PrincipalAccount": caller.account_id,
            "aws:PrincipalType": "AssumedRole" if caller.session_name else "User",
            "aws:PrincipalIsAWSService": "false",
            "aws:ViaAWSService": "false",
            "aws:RequestedRegion": self._region,
            "aws:ResourceAccount": self.account_id,
            "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": str(int(now.timestamp())),
            # The emulator stands in for AWS endpoints, which only accept TLS; its plain HTTP on
            # 127.0.0.1 is the emulator's transport, not a choice the app made.
            "aws:SecureTransport": "true",
            "aws:SourceIp": self.source_ip,
            "aws:UserAgent": self._headers.get("User-Agent"),
            "aws:Referer": self._headers.get("Referer"),
        }
        if caller.session_name:
            # "included in the request context only when the principal uses temporary
            # credentials"; the emulator has no MFA, so it is false.
            values["aws:MultiFactorAuthPresent"] = "false"
        values.update(self._principal_keys(caller))
        if service_context is None:
            service_context, known = self._own_keys()
        else:
            known = {k.lower() for k in service_context}
        values.update(service_context)
        service, _, name = self._action.partition(":")
        unmodelled = unmodelled_keys(service, name, known)
        if self.source_ip is None:
            base = unmodelled

            def unmodelled(key: str) -> str | None:
                return "the caller's address is unknown" if key == "aws:sourceip" else base(key)

        return request_context(values, unmodelled)

    source_ip: str | None = None

    def _principal_keys(self, caller: Caller) -> dict[str, str]:
        """aws:userid, aws:username (IAM users only) and aws:PrincipalTag/<key>."""
        key = self._access_key
        try:
            if isinstance(key, AssumedRoleAccessKey):
                role = self.backend.get_role(key._owner_role_name)
                tags, _ = self.backend.list_role_tags(role.name, None)
                keys = {"aws:userid": f"{role.id}:{caller.session_name}"}
            else:
                user = self.backend.get_user(key._owner_user_name)
                tags = self.backend.list_user_tags(user.name)
                keys = {"aws:userid": user.id, "aws:username": user.name}
        except (NotFoundException, NoSuchEntity):  # deleted meanwhile: no principal keys
            return {}
        keys.update({f"aws:PrincipalTag/{t['Key']}": t["Value"] for t in tags})
        return keys

    def _permissions_boundary(self) -> str | None:
        key = self._access_key
        if not isinstance(key, AssumedRoleAccessKey):
            return None  # moto keeps no boundary on users
        try:
            boundary: str | None = self.backend.get_role(
                key._owner_role_name
            ).permissions_boundary_arn
        except NotFoundException:
            return None
        return boundary

    def _own_keys(self) -> tuple[dict[str, Any], set[str]]:
        """STS's and IAM's keys of this request (query protocol: each parameter is a list),
        and every key computed for the action (present or not)."""
        params = {k: (v[0] if isinstance(v, list) and v else v) for k, v in self._data.items()}
        tags = _query_tags(params)
        found: dict[str, Any] = {"aws:TagKeys": list(tags)}
        found.update({f"aws:RequestTag/{k}": v for k, v in tags.items()})
        known = {"aws:tagkeys", "aws:requesttag/"}
        if self._service == "sts":
            names = {
                "ExternalId": "sts:ExternalId",
                "RoleSessionName": "sts:RoleSessionName",
                "SourceIdentity": "sts:SourceIdentity",
                "DurationSeconds": "sts:DurationSeconds",
            }
            for parameter, key in names.items():
                found[key] = params.get(parameter)
                known.add(key.lower())
            transitive = [v for k, v in params.items() if k.startswith("TransitiveTagKeys.member.")]
            found["sts:TransitiveTagKeys"] = transitive
            known.add("sts:transitivetagkeys")
            tags_of_role = self._role_tags(params.get("RoleArn"))
            for prefix in ("iam:ResourceTag/", "aws:ResourceTag/"):  # the role assumed
                found.update({prefix + k: v for k, v in tags_of_role.items()})
                known.add(prefix.lower())
        elif self._service == "iam":
            found["iam:PolicyARN"] = params.get("PolicyArn")
            known.add("iam:policyarn")
            if self._action in ("iam:CreateRole", "iam:CreateUser"):
                # On other actions the key is the entity's boundary: not computed here.
                found["iam:PermissionsBoundary"] = params.get("PermissionsBoundary")
                known.add("iam:permissionsboundary")
        return found, known

    def _role_tags(self, role_arn: Any) -> dict[str, str]:
        """The tags of the role being assumed."""
        if not isinstance(role_arn, str):
            return {}
        try:
            role = self.backend.get_role_by_arn(role_arn)
            tags, _ = self.backend.list_role_tags(role.name, None)
        except (NotFoundException, NoSuchEntity):
            return {}
        return {t["Key"]: t["Value"] for t in tags}

    def _is_assuming_role_operation(self, resource_arn: str) -> bool:
        return self._action in REQUIRE_RESOURCE_ACCESS_POLICIES_CHECK and ":role/" in resource_arn

    def _trust_permits(
        self, role_arn: str, context: RequestContext, *, identity_allows: bool
    ) -> bool:
        """The role's trust policy must allow the caller ("Policy evaluation logic": role trust
        policies "must explicitly allow access for principals"); in the same account, a trust
        policy naming the caller's own ARN is enough without an identity-based Allow."""
        try:
            role = self.backend.get_role_by_arn(role_arn)
        except NotFoundException:
            return False
        caller = self.caller()
        document = role.assume_role_policy_document
        decision = trust_decision(document, caller, self._action, context)
        if decision is not Decision.ALLOW:
            return False
        same_account = role_arn.split(":")[4] == caller.account_id
        if identity_allows:
            return True
        return same_account and allows_by_naming_the_caller(document, caller, self._action, context)


def consistent_read(read: Callable[[], T]) -> T:
    """``read()``, again if moto's backend changed under it: its dicts are read while other
    request threads write them (CreateRole for one tenant while another's request looks its
    role up), which raises "dictionary changed size during iteration". Reads only: safe."""
    for attempt in range(_READ_ATTEMPTS):
        try:
            return read()
        except RuntimeError as e:
            if "changed size during iteration" not in str(e) or attempt == _READ_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


_READ_ATTEMPTS = 5


def iam_enforced() -> bool:
    """moto's switch: IAM is enforced once INITIAL_NO_AUTH_ACTION_COUNT calls have been made."""
    count: float = ActionAuthenticatorMixin.request_count
    return count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def iam_request(response: Any, action: str) -> SandboxIAMRequest:
    """The IAM view of a moto response object's request, as moto's mixin builds it."""
    path: str = response.raw_path
    if query := response.parsed_url.query:
        path += "?" + query
    request = SandboxIAMRequest(
        account_id=response.current_account,
        method=response.method,
        path=path,
        data=response.data,
        body=response.raw_body,
        headers=response.headers,
        action=action,
    )
    source = getattr(getattr(response, "normalized_request", None), "remote_addr", None)
    request.source_ip = source if isinstance(source, str) and source else None
    return request


def iam_resource(response: Any, request: SandboxIAMRequest, moto_resource: str) -> str:
    """The ARN an IAM or STS request names, of the SAR resource type of its action: a role
    (its real ARN when it exists, so its path is right), a user, a policy; STS AssumeRole's
    RoleArn. ``*`` when the action has none or the request lacks the name (validation then
    refuses it); moto's own choice otherwise."""
    service, _, name = request._action.partition(":")
    types = sar.action(service, name).resource_types
    params = {k: (v[0] if isinstance(v, list) and v else v) for k, v in request._data.items()}
    account, partition = response.current_account, response.partition
    if service == "sts":
        role_arn = params.get("RoleArn")
        return role_arn if "role" in types and isinstance(role_arn, str) else "*"
    if service != "iam" or not types:
        return moto_resource
    kind = types[0]
    name_parameter = {"role": "RoleName", "user": "UserName"}.get(kind)
    entity = params.get(name_parameter) if name_parameter else None
    if isinstance(entity, str):
        lookup = request.backend.get_role if kind == "role" else request.backend.get_user
        try:
            existing: str = lookup(entity).arn
            return existing  # its real path
        except (NotFoundException, NoSuchEntity):
            path = params.get("Path") or "/"
            return f"arn:{partition}:iam::{account}:{kind}{path}{entity}"
    if kind == "policy" and isinstance(params.get("PolicyArn"), str):
        policy_arn: str = params["PolicyArn"]
        return policy_arn
    return moto_resource


def authorize(
    response: Any, action: str, resource: str, service_context: ServiceContext | None = None
) -> Caller:
    """Check the signature and that the caller may do ``action`` on ``resource``, with the
    service's condition keys of the request in ``service_context``.

    Raises moto's IAM errors (AccessDenied, SignatureDoesNotMatch, InvalidClientTokenId).
    """
    request = iam_request(response, action)
    request.check_signature()
    request.check_action_permitted(resource, service_context or {})
    return request.caller()


def _document(policy: Any) -> Mapping[str, Any]:
    """The document of an inline, managed or versioned policy, read as moto's ``IAMPolicy``
    reads them (a managed policy's default version)."""
    document = IAMPolicy(policy)._policy_json
    if not isinstance(document, Mapping):
        raise UnsupportedPolicyElement("a policy document that is not an object", "")
    return document


def _session_policy(key: Any) -> str | None:
    """The session policy AssumeRole was given for this session's credentials, if any."""
    if not isinstance(key, AssumedRoleAccessKey):
        return None
    for assumed in sts_backends[key.account_id][key.partition].assumed_roles:
        if assumed.access_key_id == key._access_key_id:
            policy: str | None = assumed.policy
            return policy
    return None


def _query_tags(params: Mapping[str, Any]) -> dict[str, str]:
    """``Tags.member.N.Key/Value`` of a query-protocol request (IAM, STS)."""
    tags: dict[str, dict[str, str]] = {}
    for name, value in params.items():
        parts = name.split(".")
        if len(parts) == 4 and parts[:2] == ["Tags", "member"] and parts[3] in ("Key", "Value"):
            tags.setdefault(parts[2], {})[parts[3]] = str(value)
    return {t["Key"]: t.get("Value", "") for t in tags.values() if "Key" in t}
