"""The tenant file model (`tenants/<tenant>.yaml`): frozen, strict, checked against AWS's limits.

Field-level rules live on the fields; rules that relate several fields are collected by
`TenantConfig._cross_field_rules` and reported each with its own location, so a user learns
every mistake of a file in one run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal, Protocol, Self

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from tenant_file.entry_points import allow_list_pattern_problem, entry_point_problem, is_allowed
from tenant_file.experience_config import (
    EXPERIENCES,
    Anonymous,
    DashboardId,
    Experience,
    FrozenModel,
    experience_problems,
)
from tenant_file.limits import region_partitions, service_limits
from tenant_file.names import embed_role_name, profile_physical_name, role_session_user_name
from tenant_file.origins import allowed_origin_problem

TENANT_PATTERN = r"^[a-z][a-z0-9-]{1,38}$"
PROFILE_KEY_PATTERN = r"^[a-z][a-z0-9_-]{0,30}$"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Exact principals only: a role, a user, an assumed-role session or (with an ExternalId) a root.
# Matched with re.ASCII: IAM's names are `[\w+=,.@-]` in Java's sense, ASCII only
# (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html, RoleName).
PRINCIPAL_PATTERN = (
    r"^arn:(aws|aws-cn|aws-us-gov):(iam::[0-9]{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)"
    r"|sts::[0-9]{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+)$"
)
# Characters IAM does not read literally in a Resource ARN: `${...}` is a policy variable
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html), `*` and
# `?` are wildcards (https://docs.aws.amazon.com/IAM/latest/UserGuide/
# reference_policies_elements_resource.html); `/` would split the user's ARN path. The other
# names that land in ARNs (tenant, namespace, profile keys) have patterns that exclude them.
IAM_WILDCARDS = re.compile(r"[*?/${}]")
MAX_ALLOWED_DOMAINS = 3
"""GenerateEmbedUrlForRegisteredUser takes up to three AllowedDomains per call
(https://docs.aws.amazon.com/quicksight/latest/user/embedding-run-time.html)."""


LOOKALIKE_CHARACTERS = re.compile("[\u007f-\u00a0\u00ad]")
"""Characters AWS's user name pattern (`[\u0020-\u00ff]+`) accepts that make two names look
alike: DEL and the C1 controls (NEL among them), which print as nothing or break a line, the
no-break space (looks like a space) and the soft hyphen (invisible)."""


_CONTROL_NAMES = {
    "\x7f": "DELETE, a control character",
    "\x85": "NEXT LINE (NEL), a control character",
}


def lookalike_problem(name: str) -> str | None:
    """Why `name` is refused though AWS accepts it, or None."""
    import unicodedata

    found = LOOKALIKE_CHARACTERS.search(name)
    if found is None:
        return None
    char = found.group()
    what = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "a C1 control character")
    return (
        f"holds U+{ord(char):04X} ({what.lower()}) at character {found.start() + 1}: AWS "
        "accepts it, but it prints as nothing or as another character, so two user names "
        "would look alike; use printable characters only"
    )


def console_user_roles() -> tuple[str, ...]:
    """The QuickSight user roles that may use the embedded console (AUTHOR/ADMIN and _PRO)."""
    return tuple(r for r in service_limits().user_roles if r.startswith(("AUTHOR", "ADMIN")))


def _refusing(problem_of: Callable[[str], str | None]) -> Callable[[str], str]:
    """A validator from a function saying what is wrong with a value (None: nothing)."""

    def check(value: str) -> str:
        problem = problem_of(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    return check


def _check_lifetime(minutes: int) -> int:
    limits = service_limits()
    if not limits.session_lifetime_min <= minutes <= limits.session_lifetime_max:
        raise ValueError(
            f"must be {limits.session_lifetime_min}..{limits.session_lifetime_max} minutes"
        )
    return minutes


def _check_account_id(value: str) -> str:
    return service_limits().account_id.validated(value)


def _check_role(role: str) -> str:
    allowed = console_user_roles()
    if role in allowed:
        return role
    if role in service_limits().user_roles:
        raise ValueError(
            f"{role} users cannot open the embedded console (it needs an author or admin); "
            f"allowed: {', '.join(allowed)}"
        )
    raise ValueError(f"allowed: {', '.join(allowed)}")


def _check_capability(name: str) -> str:
    names = service_limits().capability_names
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(
            f"is not a QuickSight capability (botocore's Capabilities shape has {len(names)}){hint}"
        )
    return name


def _check_principal(arn: str) -> str:
    if "*" in arn:
        raise ValueError("wildcards are not allowed: list the exact IAM principal ARNs")
    if not re.fullmatch(PRINCIPAL_PATTERN, arn, re.ASCII):
        raise ValueError(
            "is not an IAM principal ARN (arn:aws:iam::<12 digits>:role/<name>, "
            ":user/<name>, :root, or arn:aws:sts::<12 digits>:assumed-role/<role>/<session>)"
        )
    return arn


Lifetime = Annotated[StrictInt, AfterValidator(_check_lifetime)]
EntryPoint = Annotated[str, AfterValidator(_refusing(entry_point_problem))]
AllowListEntry = Annotated[str, AfterValidator(_refusing(allow_list_pattern_problem))]
Capability = Annotated[str, AfterValidator(_check_capability)]
Principal = Annotated[str, AfterValidator(_check_principal)]
Origin = Annotated[str, AfterValidator(_refusing(allowed_origin_problem))]


class _Frozen(FrozenModel):
    """Frozen, unknown keys refused (`embedder.experience_config.FrozenModel`)."""


class PermissionProfile(_Frozen):
    """A CustomPermissions profile: QuickSight capabilities can only be denied."""

    deny: tuple[Capability, ...] = Field(
        min_length=1, description="Capability names (botocore's QuickSight Capabilities shape)."
    )
    adopt: StrictBool = Field(
        default=False,
        description="Take over an existing CustomPermissions of this name; its capabilities "
        "must already equal deny.",
    )

    @field_validator("deny")
    @classmethod
    def _no_duplicates(cls, deny: tuple[str, ...]) -> tuple[str, ...]:
        seen = {c for c in deny if deny.count(c) > 1}
        if seen:
            raise ValueError(f"lists {', '.join(sorted(seen))} more than once")
        return deny


class TenantUser(_Frozen):
    """A QuickSight user of the tenant (iam identity: the embed role's session name)."""

    name: str = Field(description="QuickSight user name; iam identity: the role session name.")
    email: Annotated[str, Field(pattern=EMAIL_PATTERN)]
    role: Annotated[str, AfterValidator(_check_role)] = Field(
        description="AUTHOR or ADMIN (or their _PRO forms): console embedding needs them."
    )
    profile: str | None = Field(default=None, description="A key of permission_profiles.")
    adopt: StrictBool = Field(
        default=False,
        description="Take over an existing QuickSight user of this name (only then); "
        "without it an existing user is refused.",
    )


class Embedding(_Frozen):
    """How the tenant's app embeds the console."""

    identity: Literal["quicksight", "iam"] = Field(
        description="quicksight: QuickSight users, UserArn sent; iam: role sessions."
    )
    app_principals: tuple[Principal, ...] = Field(
        min_length=1, description="Exact IAM principal ARNs allowed to assume the embed role."
    )
    external_id: SecretStr | None = Field(
        default=None, description="Optional sts:ExternalId the app principals must present."
    )
    default_entry_point: EntryPoint = "/start"
    allowed_entry_points: tuple[AllowListEntry, ...] | None = Field(
        default=None, min_length=1, description="Allow-list; /dashboards/* style globs allowed."
    )
    allowed_domains: tuple[Origin, ...] = Field(
        default=(),
        max_length=MAX_ALLOWED_DOMAINS,
        description="https origins that may frame the console (successor API), at most 3 "
        "(AWS's AllowedDomains takes up to three); https://*.acme.example admits the "
        "subdomains of acme.example.",
    )
    session_lifetime_minutes: Lifetime = Field(
        default=600,
        description="Default and ceiling of the embedded session, 15..600 minutes; "
        "apps may ask for less, never more.",
    )
    register_on_first_use: StrictBool = Field(
        default=False,
        description="iam identity only: the embedder registers a user's role session in "
        "QuickSight on first use (RegisterUser) and the embed role may do so for the file's "
        "session names; off: the stack alone registers users.",
    )
    experiences: tuple[Experience, ...] = Field(
        default=("console",),
        min_length=1,
        description=f"What registered users may open: {', '.join(EXPERIENCES)} "
        "(q: QSearchBar and GenerativeQnA).",
    )
    dashboards: tuple[DashboardId, ...] = Field(
        default=(),
        description="Dashboard ids registered users may open (dashboard and visual "
        "experiences); checked by the embedder, QuickSight's own dashboard permissions apply "
        "too.",
    )

    @field_validator("external_id")
    @classmethod
    def _external_id_limits(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            # The message never repeats the secret itself.
            problem = service_limits().external_id.check(value.get_secret_value())
            if problem is not None:
                raise ValueError(f"{problem} (AWS sts ExternalId)")
        return value


class TenantConfig(_Frozen):
    """One tenant file. `namespace` defaults to the tenant's name (one namespace per tenant)."""

    tenant: Annotated[str, Field(pattern=TENANT_PATTERN)]
    account_id: Annotated[str, AfterValidator(_check_account_id)] | None = None
    region: Annotated[str, Field(pattern=REGION_PATTERN)] = "us-east-1"
    namespace: str = Field(
        default="", description="QuickSight namespace; default: the tenant name."
    )
    retain_users_on_delete: StrictBool = Field(
        default=True,
        description="Keep QuickSight users (and the assets they own) when removed from the file.",
    )
    adopt_namespace: StrictBool = Field(
        default=False,
        description="Take over an existing QuickSight namespace of this name (only then).",
    )
    embedding: Embedding
    anonymous: Anonymous | None = Field(
        default=None,
        description="Anonymous readers (GenerateEmbedUrlForAnonymousUser); absent: none.",
    )
    permission_profiles: dict[
        Annotated[str, Field(pattern=PROFILE_KEY_PATTERN)], PermissionProfile
    ] = Field(default_factory=dict)
    users: tuple[TenantUser, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _namespace_defaults_to_tenant(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and "namespace" not in data
            and isinstance(data.get("tenant"), str)
        ):
            return {**data, "namespace": data["tenant"]}
        return data

    @field_validator("region", mode="before")
    @classmethod
    def _region_exists(cls, region: Any) -> Any:
        # Before the pattern: a typo (`us_east_1`) gets the close regions, not the regex.
        regions = region_partitions()
        if isinstance(region, str) and region not in regions:
            import difflib

            close = difflib.get_close_matches(region.lower(), regions, n=3)
            hint = f" (close: {', '.join(close)})" if close else ""
            raise ValueError(f"is not a region in botocore's endpoint data (endpoints.json){hint}")
        return region

    @field_validator("namespace")
    @classmethod
    def _namespace_limits(cls, namespace: str) -> str:
        if not namespace:
            raise ValueError("must not be empty")
        if namespace.lower() == "default" and namespace != "default":
            # Whether QuickSight tells `Default` from the shared `default` is not documented:
            # never risk the exact-ARN protection of the account's own namespace on it.
            raise ValueError(
                f"{namespace!r} reads as QuickSight's shared namespace: write 'default' for "
                "it, or choose another name"
            )
        return service_limits().namespace.validated(namespace)

    @model_validator(mode="after")
    def _cross_field(self) -> Self:
        problems = self._cross_field_rules()
        if problems:
            raise CrossFieldError(problems)
        return self

    def _cross_field_rules(self) -> list[tuple[str, str]]:
        limits = service_limits()
        problems: list[tuple[str, str]] = []
        emb = self.embedding
        if not is_allowed(emb.default_entry_point, emb.allowed_entry_points):
            problems.append(
                ("embedding.default_entry_point", "is not in embedding.allowed_entry_points")
            )
        if emb.register_on_first_use and emb.identity != "iam":
            problems.append(
                (
                    "embedding.register_on_first_use",
                    "is for iam identity only (just-in-time registration of the embed role's "
                    "sessions); quicksight identity users are registered by the stack: "
                    "remove it or set it to false",
                )
            )
        for i, arn in enumerate(emb.app_principals):
            if arn.endswith(":root") and emb.external_id is None:
                problems.append(
                    (
                        f"embedding.app_principals[{i}]",
                        "trusting a whole account needs embedding.external_id; "
                        "prefer the app's exact role ARN",
                    )
                )
        if self.adopt_namespace and self.namespace == "default":
            problems.append(
                (
                    "adopt_namespace",
                    "the default namespace is never created or owned by a tenant; "
                    "remove adopt_namespace",
                )
            )
        problems.extend(self._partition_problems())
        problems.extend(experience_problems(emb.experiences, emb.dashboards, self.anonymous))
        for key in self.permission_profiles:
            physical = profile_physical_name(self.tenant, key)
            problem = limits.custom_permissions_name.check(physical)
            if problem is not None:
                problems.append((f"permission_profiles.{key}", f"name {physical!r} {problem}"))
        seen: dict[str, int] = {}
        folded: dict[str, int] = {}
        for i, user in enumerate(self.users):
            where = f"users[{i}]"
            if user.name in seen:
                problems.append(
                    (
                        f"{where}.name",
                        f"duplicate user {user.name!r} (also users[{seen[user.name]}])",
                    )
                )
            elif user.name.casefold() in folded:
                other = folded[user.name.casefold()]
                problems.append(
                    (
                        f"{where}.name",
                        f"{user.name!r} differs from users[{other}] "
                        f"({self.users[other].name!r}) only by case: AWS keeps both, and two "
                        "users who look alike are one mistake away from the other's console",
                    )
                )
            seen.setdefault(user.name, i)
            folded.setdefault(user.name.casefold(), i)
            name_problem = self._user_name_problem(user.name)
            if name_problem is not None:
                problems.append((f"{where}.name", name_problem))
            if user.profile is not None and user.profile not in self.permission_profiles:
                known = ", ".join(sorted(self.permission_profiles)) or "none defined"
                problems.append(
                    (f"{where}.profile", f"unknown profile {user.profile!r}; known: {known}")
                )
        return problems

    def _partition_problems(self) -> list[tuple[str, str]]:
        """A role trusts principals of its own partition only: IAM identities do not cross
        partitions (https://docs.aws.amazon.com/whitepapers/latest/
        aws-fault-isolation-boundaries/partitions.html)."""
        partition = region_partitions().get(self.region)
        problems: list[tuple[str, str]] = []
        for i, arn in enumerate(self.embedding.app_principals):
            theirs = arn.split(":", 2)[1]
            if partition is not None and theirs != partition:
                problems.append(
                    (
                        f"embedding.app_principals[{i}]",
                        f"is in partition {theirs!r} but region {self.region} is in "
                        f"{partition!r}: a role can trust principals of its own partition only "
                        f"(arn:{partition}:...)",
                    )
                )
        return problems

    def _user_name_problem(self, name: str) -> str | None:
        limits = service_limits()
        lookalike = lookalike_problem(name)
        if lookalike is not None:
            return lookalike
        if IAM_WILDCARDS.search(name):
            return (
                "must not contain *, ?, /, $, { or } (in the user's ARN IAM reads ${...} as a "
                "policy variable and * and ? as wildcards)"
            )
        if self.embedding.identity == "iam":
            problem = limits.role_session_name.check(name)
            return None if problem is None else f"{problem} (iam identity: an STS RoleSessionName)"
        problem = limits.quicksight_user_name.check(name)
        if problem is None and name != name.strip():
            problem = "must not have surrounding spaces (they break IAM user ARNs)"
        return problem

    # Derived names: one place that says how each AWS name is built.
    @property
    def role_name(self) -> str:
        return embed_role_name(self.tenant)

    def profile_name(self, profile: str) -> str:
        return profile_physical_name(self.tenant, profile)

    def quicksight_user_name(self, user: str) -> str:
        """`user`'s name in QuickSight: itself, or for iam identity its role session's
        `qs-embed-<tenant>/<user>`."""
        if self.embedding.identity == "iam":
            return role_session_user_name(self.role_name, user)
        return user

    @property
    def registers_on_first_use(self) -> bool:
        """Whether just-in-time registration is on: the embedder registers a role session on
        first use and the embed role may call RegisterUser for it (iam identity only; the
        model refuses the flag elsewhere). The one place this is decided."""
        return self.embedding.identity == "iam" and self.embedding.register_on_first_use

    def user(self, name: str) -> TenantUser | None:
        return next((u for u in self.users if u.name == name), None)


class CrossFieldError(ValueError):
    """Rules that relate several fields; each item is (dotted location, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{loc}: {msg}" for loc, msg in problems))


class _TrustedApps(Protocol):
    @property
    def app_principals(self) -> Sequence[str]: ...


class TenantNames(Protocol):
    """What the checks of a directory as a whole read of each tenant (`tenant_file.loader`'s
    `tenant_set_problems`): a `TenantConfig`, or for the files of other shards the lighter
    reading of `tenant_file.names_only`. A check that reads more must add it here, and there."""

    @property
    def tenant(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def account_id(self) -> str | None: ...
    @property
    def role_name(self) -> str: ...
    @property
    def permission_profiles(self) -> Mapping[str, object]: ...
    @property
    def embedding(self) -> _TrustedApps: ...
    def profile_name(self, profile: str) -> str: ...
