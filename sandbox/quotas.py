"""AWS's default quotas on what the stack creates, refused by the emulator as AWS refuses them.

moto accepts any number of namespaces and roles and any size of policy; AWS does not, and a
`local up` that passes where `pulumi up` would stop at the 101st namespace proves nothing. The
emulator holds one `Quotas` (AWS's defaults unless `qs-embed local serve --quota name=N` or
`Emulator(quotas=...)` raised one, as Service Quotas or AWS Support would) and refuses past
each with AWS's error code and status:

- QuickSight namespaces per account: 100 ("By default, there is a limit of 100 namespaces per
  AWS account", https://docs.aws.amazon.com/quicksight/latest/APIReference/API_CreateNamespace.html);
  LimitExceededException (409, ResourceType NAMESPACE: botocore's CreateNamespace errors and
  LimitExceededException shape). AWS's message text is not documented: the one here is ours.
- From the IAM and STS quotas page
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), all as IAM's
  `LimitExceeded` (409, botocore's `LimitExceededException` shape), sizes counted as IAM counts
  them, without white space: roles per account 1,000 ("Cannot exceed quota for
  RolesPerAccount: N"); role trust policy length 2,048 ("Cannot exceed quota for
  ACLSizePerRole: N"); a role's inline policies together 10,240 ("Maximum policy size of 10240
  bytes exceeded for role R"); managed policy size 6,144 ("Cannot exceed quota for PolicySize:
  6144"); managed policies attached per role 10 ("Cannot exceed quota for PoliciesPerRole: N").
  The wording is IAM's as users quote it (kubernetes/kops#12558, kubeflow/kubeflow#6687,
  openshift/release#69365, ministryofjustice/cloud-platform-environments#14118 and #14473).

AWS documents no quota on CustomPermissions profiles or QuickSight users per account: none is
enforced here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # moto is imported by `install`, in the emulator's process only
    from moto.iam.exceptions import LimitExceededException
    from moto.iam.models import IAMBackend


@dataclass(frozen=True)
class Quotas:
    """The quotas one emulator enforces; the adjustable ones can be raised at start."""

    namespaces: int = 100
    roles: int = 1000
    trust_policy_chars: int = 2048
    attached_policies_per_role: int = 10
    # Not adjustable in AWS: fixed here too.
    ROLE_POLICIES_CHARS = 10_240
    MANAGED_POLICY_CHARS = 6_144

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 1:
                raise ValueError(f"quota {f.name} must be at least 1")

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def raised(self, settings: Iterable[str]) -> Quotas:
        """These quotas with `name=N` settings applied (`--quota namespaces=500`);
        ValueError naming what is wrong and what is allowed."""
        changes: dict[str, int] = {}
        for setting in settings:
            name, _, value = setting.partition("=")
            if name not in self.names():
                raise ValueError(
                    f"{setting!r}: unknown quota {name!r}; raisable: {', '.join(self.names())}"
                )
            default = getattr(DEFAULTS, name)
            if not value.isdigit() or int(value) < default:
                # Lower than AWS's default, the emulator would refuse what AWS allows.
                raise ValueError(
                    f"{setting!r}: give {name}=N, N a whole number of at least AWS's "
                    f"default {default}"
                )
            changes[name] = int(value)
        return replace(self, **changes)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.names()}


DEFAULTS = Quotas()
_current = DEFAULTS


def configure(quotas: Quotas) -> None:
    """The quotas of the emulator in this process (sandbox.server, at start)."""
    global _current
    _current = quotas


def current() -> Quotas:
    return _current


def iam_size(document: str) -> int:
    """Characters IAM counts against its size quotas: "IAM does not count white space"."""
    return len(re.sub(r"\s", "", document))


# -- QuickSight ----------------------------------------------------------------------------------


def check_namespace_quota(existing: Iterable[str], default: str) -> None:
    """Before CreateNamespace: QuickSight's LimitExceededException past the quota (the
    `default` namespace is not counted)."""
    from sandbox.quicksight.exceptions import QuickSightError

    count = sum(1 for name in existing if name != default)
    if count >= _current.namespaces:
        raise QuickSightError(
            "LimitExceededException",
            f"The number of namespaces in this account has reached its limit of "
            f"{_current.namespaces}. To increase your limit, create a ticket with AWS Support.",
            resource_type="NAMESPACE",
        )


# -- IAM (moto's backend, patched in the emulator's process only) -------------------------------


def _limit(message: str) -> LimitExceededException:
    from moto.iam.exceptions import LimitExceededException

    return LimitExceededException(message)


def _check_trust(document: str) -> None:
    if iam_size(document) > _current.trust_policy_chars:
        raise _limit(f"Cannot exceed quota for ACLSizePerRole: {_current.trust_policy_chars}")


def _check_managed(document: str) -> None:
    if iam_size(document) > Quotas.MANAGED_POLICY_CHARS:
        raise _limit(f"Cannot exceed quota for PolicySize: {Quotas.MANAGED_POLICY_CHARS}")


def _create_role(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_role(self: IAMBackend, role_name: str, trust: str, *a: Any, **kw: Any) -> Any:
        if len(self.roles) >= _current.roles:
            raise _limit(f"Cannot exceed quota for RolesPerAccount: {_current.roles}")
        _check_trust(trust)
        return original(self, role_name, trust, *a, **kw)

    return create_role


def _update_assume_role_policy(original: Callable[..., Any]) -> Callable[..., Any]:
    def update_assume_role_policy(self: IAMBackend, role_name: str, policy_document: str) -> Any:
        _check_trust(policy_document)
        return original(self, role_name, policy_document)

    return update_assume_role_policy


def _put_role_policy(original: Callable[..., Any]) -> Callable[..., Any]:
    def put_role_policy(
        self: IAMBackend, role_name: str, policy_name: str, policy_json: str
    ) -> Any:
        role = self.get_role(role_name)
        others = (doc for name, doc in role.policies.items() if name != policy_name)
        total = iam_size(policy_json) + sum(iam_size(doc) for doc in others)
        if total > Quotas.ROLE_POLICIES_CHARS:
            raise _limit(
                f"Maximum policy size of {Quotas.ROLE_POLICIES_CHARS} bytes exceeded for role "
                f"{role_name}"
            )
        return original(self, role_name, policy_name, policy_json)

    return put_role_policy


def _create_policy(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_policy(
        self: IAMBackend, description: str, path: str, document: str, *a: Any, **kw: Any
    ) -> Any:
        _check_managed(document)
        return original(self, description, path, document, *a, **kw)

    return create_policy


def _create_policy_version(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_policy_version(self: IAMBackend, arn: str, document: str, *a: Any, **kw: Any) -> Any:
        _check_managed(document)
        return original(self, arn, document, *a, **kw)

    return create_policy_version


def _attach_role_policy(original: Callable[..., Any]) -> Callable[..., Any]:
    def attach_role_policy(self: IAMBackend, policy_arn: str, role_name: str) -> Any:
        attached = self.get_role(role_name).managed_policies
        if policy_arn not in attached and len(attached) >= _current.attached_policies_per_role:
            raise _limit(
                f"Cannot exceed quota for PoliciesPerRole: {_current.attached_policies_per_role}"
            )
        return original(self, policy_arn, role_name)

    return attach_role_policy


_PATCHES = {
    "create_role": _create_role,
    "update_assume_role_policy": _update_assume_role_policy,
    "put_role_policy": _put_role_policy,
    "create_policy": _create_policy,
    "create_policy_version": _create_policy_version,
    "attach_role_policy": _attach_role_policy,
}


def iam_patches() -> dict[str, Callable[..., Any]]:
    """moto IAMBackend's methods, each wrapped with its quota check (name -> method)."""
    from moto.iam.models import IAMBackend

    return {name: wrap(getattr(IAMBackend, name)) for name, wrap in _PATCHES.items()}


def _account_summary(original: Callable[..., Any]) -> Callable[..., Any]:
    """GetAccountSummary reports the quotas enforced (moto's are AWS's defaults, fixed)."""

    def init(self: Any, iam_backend: Any) -> None:
        original(self, iam_backend)
        self._roles_quota = _current.roles
        self._assume_role_policy_size_quota = _current.trust_policy_chars
        self._attached_policies_per_role_quota = _current.attached_policies_per_role

    return init


def install(quotas: Quotas = DEFAULTS) -> None:
    """Enforce `quotas` on moto's IAM in this process: the emulator's own, once at start
    (like `sandbox.moto_hooks`), so moto elsewhere is untouched."""
    from moto.iam.models import AccountSummary, IAMBackend

    configure(quotas)
    for name, method in iam_patches().items():
        setattr(IAMBackend, name, method)
    AccountSummary.__init__ = _account_summary(AccountSummary.__init__)  # type: ignore[method-assign]
