"""The stack's `aws:` configuration read as pulumi-aws reads it, made into one boto3 session.

The Pulumi engine hands a dynamic provider the stack's whole configuration, every value a
string (objects and lists JSON-encoded), keys with their namespace (`aws:region`): pulumi
`pkg/resource/deploy/target.go` (GetPackageConfig: "For dynamic providers, we always pass the
full configuration") and `sdk/go/common/resource/config/value.go` (Value). The users' provider
builds its session from it here, so it acts with the credentials, account, region and endpoints
the stack gives pulumi-aws, and the local engine builds its pulumi-aws clients from the same
configuration through this same code.

Sources of each rule, beside it:
- key names and types: the installed SDK's `pulumi_aws/config/vars.py` and
  `pulumi_aws/config/outputs.py` (`AssumeRoles`, `Endpoints`);
- defaults and checks pulumi-aws adds: pulumi-aws `provider/resources.go` (Config:
  skipRegionValidation defaults to true, skipMetadataApiCheck to true, region from
  AWS_REGION/AWS_DEFAULT_REGION) and `provider/config.go` (`aws:assumeRole` refused, the
  missing-region message `provider/errors/no_region.txt`);
- the rest as the Terraform provider does it: terraform-provider-aws
  `internal/provider/sdkv2/provider.go` (schema, validations, expandAssumeRole,
  expandEndpoints), `internal/conns/config.go` (ConfigureProvider: region validation, account
  lookup, VerifyAccountIDAllowed) and hashicorp/aws-sdk-go-base `aws_config.go`
  (GetAwsAccountIDAndPartition) and `internal/config/config.go` (VerifyAccountIDAllowed).

Secrets (access key, secret key, token, external ids) never appear in a repr, a message or a
log line of this module.
"""

from __future__ import annotations

import difflib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlparse

import boto3
import botocore.session
from botocore.config import Config as BotocoreConfig
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from embedder.credentials import signing_session

NAMESPACE = "aws"
MIN_ROLE_SECONDS, MAX_ROLE_SECONDS = 15 * 60, 12 * 3600
"""provider.go validAssumeRoleDuration: "between 15 minutes and 12 hours"."""
NO_REGION = (
    "Missing region information\n"
    "Make sure you have set your AWS region, e.g. `pulumi config set aws:region us-west-2`."
)
"""pulumi-aws provider/errors/no_region.txt, word for word."""
ENDPOINT_SERVICES = ("quicksight", "sts", "iam")
"""The services this stack calls: their keys in `aws:endpoints` (config/outputs.py Endpoints)."""
UNSUPPORTED = (
    "assumeRoleWithWebIdentity",
    "customCaBundle",
    "ec2MetadataServiceEndpoint",
    "ec2MetadataServiceEndpointMode",
    "httpProxy",
    "httpsProxy",
    "insecure",
    "noProxy",
    "sharedConfigFile",
    "sharedCredentialsFile",
    "useDualstackEndpoint",
    "useFipsEndpoint",
)
"""Settings pulumi-aws honours that this provider does not: refused, never silently ignored
(the users would otherwise be registered through another path than the stack's roles)."""
KEYS = (
    "accessKey",
    "allowedAccountIds",
    "assumeRole",
    "assumeRoles",
    "endpoints",
    "forbiddenAccountIds",
    "maxRetries",
    "profile",
    "region",
    "retryMode",
    "secretKey",
    "sharedConfigFiles",
    "sharedCredentialsFiles",
    "skipCredentialsValidation",
    "skipMetadataApiCheck",
    "skipRegionValidation",
    "skipRequestingAccountId",
    "stsRegion",
    "token",
    *UNSUPPORTED,
)
"""Every `aws:` key read here (`assumeRole` only to refuse it, as pulumi-aws does)."""
_SESSION_NAME = re.compile(r"^[\w+=,.@\-]{2,64}$")  # provider.go validAssumeRoleSessionName
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/\-]{2,1224}$")  # provider.go assume_role.external_id
_ROLE_ARN = re.compile(r"^arn:[\w-]+:iam::\d{12}:role/[\w+=,.@/\-]+$")
_GO_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class AwsConfigError(ValueError):
    """The stack's `aws:` configuration cannot configure the provider (which key, why)."""


class CredentialsValidationError(AwsConfigError):
    """The configured credentials could not be validated (STS GetCallerIdentity failed: an
    endpoint that is not AWS, unreachable, or refusing the keys)."""


@dataclass(frozen=True)
class AssumeRole:
    """One entry of `aws:assumeRoles` (a chain: each is assumed with the previous one's
    credentials, as aws-sdk-go-base does)."""

    role_arn: str
    session_name: str | None = None
    external_id: str | None = field(default=None, repr=False)
    duration_seconds: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    source_identity: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict, repr=False)
    transitive_tag_keys: tuple[str, ...] = ()

    def sts_arguments(self) -> dict[str, Any]:
        """AssumeRole's parameters besides RoleArn (botocore fills RoleSessionName if unset)."""
        arguments: dict[str, Any] = {}
        if self.session_name:
            arguments["RoleSessionName"] = self.session_name
        if self.external_id:
            arguments["ExternalId"] = self.external_id
        if self.duration_seconds:
            arguments["DurationSeconds"] = self.duration_seconds
        if self.policy:
            arguments["Policy"] = self.policy
        if self.policy_arns:
            arguments["PolicyArns"] = [{"arn": arn} for arn in self.policy_arns]
        if self.source_identity:
            arguments["SourceIdentity"] = self.source_identity
        if self.tags:
            arguments["Tags"] = [{"Key": k, "Value": v} for k, v in self.tags.items()]
        if self.transitive_tag_keys:
            arguments["TransitiveTagKeys"] = list(self.transitive_tag_keys)
        return arguments


@dataclass(frozen=True)
class AwsProviderConfig:
    """What the stack's `aws:` keys say, checked; `session()` and `client()` act on it."""

    region: str
    profile: str | None = None
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    shared_config_file: str | None = None
    shared_credentials_file: str | None = None
    assume_roles: tuple[AssumeRole, ...] = ()
    endpoints: Mapping[str, str] = field(default_factory=dict)
    sts_region: str | None = None
    allowed_account_ids: frozenset[str] = frozenset()
    forbidden_account_ids: frozenset[str] = frozenset()
    skip_credentials_validation: bool = False
    skip_requesting_account_id: bool = False
    skip_metadata_api_check: bool = True
    skip_region_validation: bool = True
    max_retries: int | None = None
    retry_mode: str | None = None

    @classmethod
    def from_pulumi_config(
        cls, config: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> AwsProviderConfig:
        """Read the `aws:` keys of a stack's configuration (other keys are ignored)."""
        reader = _Reader(config)
        for key in UNSUPPORTED:
            if reader.raw(key) is not None:
                raise AwsConfigError(
                    f"aws:{key} is set, which the users' QuickSight provider does not support; "
                    "configure credentials with aws:profile, aws:accessKey/aws:secretKey/"
                    "aws:token or aws:assumeRoles"
                )
        if reader.raw("assumeRole") is not None:
            # pulumi-aws provider/config.go parseAssumeRoles, word for word.
            raise AwsConfigError("invalid config key 'aws:assumeRole', should be 'aws:assumeRoles'")
        env = environ if environ is not None else {}
        # pulumi-aws resources.go: region's default comes from AWS_REGION, AWS_DEFAULT_REGION.
        region = reader.string("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if not region:
            raise AwsConfigError(NO_REGION)
        allowed: frozenset[str] = frozenset(reader.strings("allowedAccountIds"))
        forbidden: frozenset[str] = frozenset(reader.strings("forbiddenAccountIds"))
        if allowed and forbidden:  # provider.go: allowed_account_ids ConflictsWith forbidden
            raise AwsConfigError(
                "aws:allowedAccountIds and aws:forbiddenAccountIds cannot both be set"
            )
        settings = cls(
            region=region,
            profile=reader.string("profile"),
            access_key=reader.string("accessKey"),
            secret_key=reader.string("secretKey"),
            token=reader.string("token"),
            shared_config_file=_one_file(reader, "sharedConfigFiles"),
            shared_credentials_file=_one_file(reader, "sharedCredentialsFiles"),
            assume_roles=tuple(
                _assume_role(entry, i) for i, entry in enumerate(reader.array("assumeRoles"))
            ),
            endpoints=_endpoints(reader.array("endpoints")),
            sts_region=reader.string("stsRegion"),
            allowed_account_ids=allowed,
            forbidden_account_ids=forbidden,
            skip_credentials_validation=reader.boolean("skipCredentialsValidation", False),
            skip_requesting_account_id=reader.boolean("skipRequestingAccountId", False),
            skip_metadata_api_check=reader.boolean("skipMetadataApiCheck", True),
            skip_region_validation=reader.boolean("skipRegionValidation", True),
            max_retries=reader.integer("maxRetries"),
            retry_mode=reader.choice("retryMode", ("standard", "adaptive")),
        )
        if bool(settings.access_key) != bool(settings.secret_key):
            raise AwsConfigError("aws:accessKey and aws:secretKey must be set together")
        if not settings.skip_region_validation:
            settings.check_region(settings.region, "aws:region")
        return settings

    @staticmethod
    def check_region(region: str, where: str) -> None:
        """conns/config.go: `basevalidation.SupportedRegion` when skipRegionValidation is false
        (here from botocore's endpoint data); the closest known region is suggested."""
        known = known_regions()
        if region in known:
            return
        close = closest(region, known)
        hint = f" (did you mean {close}?)" if close else ""
        raise AwsConfigError(f"{where}: {region!r} is not a known AWS region{hint}")

    # -- the session ----------------------------------------------------------------------

    def session(self) -> boto3.Session:
        """One boto3 session with the configured credentials (assumed roles chained)."""
        core = botocore.session.Session(profile=self.profile)
        if self.shared_config_file:
            core.set_config_variable("config_file", self.shared_config_file)
        if self.shared_credentials_file:
            core.set_config_variable("credentials_file", self.shared_credentials_file)
        if self.skip_metadata_api_check:
            # The EC2 metadata service is never asked (pulumi-aws's default): without other
            # credentials the error is "no credentials", not a wait on a link-local address.
            core.get_component("credential_provider").remove("iam-role")
        if self.access_key and self.secret_key:
            core.set_credentials(self.access_key, self.secret_key, self.token)
        for role in self.assume_roles:
            core = self._assumed(core, role)
        return boto3.Session(botocore_session=core, region_name=self.region)

    def _assumed(
        self, source: botocore.session.Session, role: AssumeRole
    ) -> botocore.session.Session:
        credentials = source.get_credentials()
        if credentials is None:
            raise AwsConfigError(
                f"aws:assumeRoles: no credentials to assume {role.role_arn} with (set "
                "aws:profile or aws:accessKey/aws:secretKey, or the AWS_* environment)"
            )
        region = self.sts_region or self.region

        def sts_client(service: str, **kwargs: Any) -> Any:
            options = {"region_name": region, **self._client_options("sts")}
            return source.create_client(service, **{**kwargs, **options})

        fetcher = AssumeRoleCredentialFetcher(
            sts_client, credentials, role.role_arn, extra_args=role.sts_arguments()
        )
        # botocore's own assume-role path for profiles: credentials fetched, then refreshed
        # before they expire; the embedder's signing session carries them.
        refreshing = DeferredRefreshableCredentials(
            refresh_using=fetcher.fetch_credentials, method="assume-role"
        )
        return signing_session(source, refreshing)

    def _client_options(self, service: str) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if service in self.endpoints:
            options["endpoint_url"] = self.endpoints[service]
        retries: dict[str, Any] = {}
        if self.max_retries is not None:
            retries["max_attempts"] = self.max_retries
        if self.retry_mode is not None:
            retries["mode"] = self.retry_mode
        if retries:
            options["config"] = BotocoreConfig(retries=retries)  # type: ignore[arg-type]
        return options

    def client(self, session: boto3.Session, service: str, region: str | None = None) -> Any:
        """A client of `service` from `session`: the configured endpoint, the resource's region
        (else the provider's; STS in aws:stsRegion when set)."""
        if service == "sts":
            region = self.sts_region or region
        options = {"region_name": region or self.region, **self._client_options(service)}
        untyped: Any = session  # boto3-stubs types clients per literal service name
        return untyped.client(service, **options)

    def caller_account(self, session: boto3.Session) -> str | None:
        """The account the credentials act in, as the aws provider finds it at configure
        (aws-sdk-go-base GetAwsAccountIDAndPartition), or None when the flags skip it."""
        if self.skip_credentials_validation and self.skip_requesting_account_id:
            return None
        try:
            identity = self.client(session, "sts").get_caller_identity()
            account = str(identity["Account"])
        except Exception as e:  # whatever answered, it did not say whose keys these are
            if not self.skip_credentials_validation:
                raise CredentialsValidationError(
                    f"validating provider credentials: {_safe(e)}"
                ) from None
            return None  # a warning there ("AWS account ID not found"), not an error
        return account

    def verify_account(self, account: str | None) -> None:
        """aws-sdk-go-base VerifyAccountIDAllowed: forbidden first, then the allow list."""
        if account in self.forbidden_account_ids or (
            self.allowed_account_ids and account not in self.allowed_account_ids
        ):
            raise AwsConfigError(f"AWS account ID not allowed: {account or ''}")


class ConfiguredClients:
    """Clients of one configured session, each made once per (service, region) under a lock:
    a boto3 session is not thread-safe, its clients are (the provider host serves calls on a
    pool of threads: pulumi `sdk/python/lib/pulumi/dynamic/__main__.py`, max_workers=4)."""

    def __init__(self, settings: AwsProviderConfig) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._session: boto3.Session | None = None
        self._made: dict[tuple[str, str | None], Any] = {}
        self.account: str | None = None

    def configure(self) -> None:
        """Build the session and check the account, as the aws provider does at configure."""
        with self._lock:
            try:
                session = self.settings.session()
            except BotoCoreError as e:  # a missing profile, an unreadable config file
                raise AwsConfigError(str(e)) from None
            account = self.settings.caller_account(session)
            self.settings.verify_account(account)
            self._session, self.account = session, account

    def session(self) -> boto3.Session:
        if self._session is None:
            raise AwsConfigError("the provider was not configured (no stack config given)")
        return self._session

    def __call__(self, service: str, region: str | None = None) -> Any:
        with self._lock:
            if self._session is None:
                raise AwsConfigError("the provider was not configured (no stack config given)")
            key = (service, region)
            if key not in self._made:
                self._made[key] = self.settings.client(self._session, service, region)
            return self._made[key]


def closest(word: str, known: frozenset[str]) -> str | None:
    """The known word fewest typing slips away (a swapped pair counts one), if close enough."""
    ranked = sorted(
        known, key=lambda k: (_slips(word, k), -difflib.SequenceMatcher(None, word, k).ratio())
    )
    if ranked and _slips(word, ranked[0]) <= max(2, len(word) // 4):
        return ranked[0]
    return None


def _slips(a: str, b: str) -> int:
    """Edit distance counting an adjacent transposition as one (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


@cache
def known_regions() -> frozenset[str]:
    """Every region of every partition botocore's endpoint data knows."""
    session = boto3.session.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for service in ("sts", "ec2")
        for region in session.get_available_regions(service, partition)
    )


# -- reading the values ---------------------------------------------------------------------


class _Reader:
    """Values of `aws:` keys: strings from the engine (JSON for objects and lists), or the
    decoded values a caller passes."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config

    def raw(self, key: str) -> Any:
        return self._config.get(f"{NAMESPACE}:{key}")

    def _decoded(self, key: str) -> Any:
        value = self.raw(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                return json.loads(value)
            except ValueError:
                raise AwsConfigError(f"aws:{key} is not valid JSON") from None
        return value

    def string(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise AwsConfigError(f"aws:{key} must be a string")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise AwsConfigError(f"aws:{key} must be true or false")

    def integer(self, key: str) -> int | None:
        value = self.raw(key)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise AwsConfigError(f"aws:{key} must be a whole number") from None

    def choice(self, key: str, allowed: tuple[str, ...]) -> str | None:
        value = self.string(key)
        if value is not None and value not in allowed:
            raise AwsConfigError(f"aws:{key} must be one of {', '.join(allowed)}")
        return value

    def array(self, key: str) -> list[Any]:
        value = self._decoded(key)
        if value is None or value == "":
            return []
        if not isinstance(value, list):
            raise AwsConfigError(f"expected aws:{key} to be an array")  # config.go's wording
        return value

    def strings(self, key: str) -> list[str]:
        values = self.array(key)
        if not all(isinstance(v, str) for v in values):
            raise AwsConfigError(f"aws:{key} must be a list of strings")
        return values


def _one_file(reader: _Reader, key: str) -> str | None:
    files = reader.strings(key)
    if len(files) > 1:
        # botocore reads one config and one credentials file; the Terraform provider merges
        # several: refused rather than reading only the first.
        raise AwsConfigError(f"aws:{key}: this provider reads one file, {len(files)} are given")
    return files[0] if files else None


def _assume_role(entry: Any, index: int) -> AssumeRole:
    where = f"aws:assumeRoles[{index}]"
    if not isinstance(entry, Mapping):
        raise AwsConfigError(f"{where} must be an object")
    role_arn = entry.get("roleArn")
    if not role_arn:  # expandAssumeRole: NewAttributeRequiredError(path, "role_arn")
        raise AwsConfigError(f"{where}.roleArn is required")
    if not isinstance(role_arn, str) or not _ROLE_ARN.match(role_arn):
        raise AwsConfigError(f"{where}.roleArn is not an IAM role ARN")
    session_name = entry.get("sessionName") or None
    if session_name is not None and not _SESSION_NAME.match(str(session_name)):
        raise AwsConfigError(f"{where}.sessionName must be 2..64 of [\\w+=,.@-]")
    external_id = entry.get("externalId") or None
    if external_id is not None and not _EXTERNAL_ID.match(str(external_id)):
        raise AwsConfigError(f"{where}.externalId must be 2..1224 of [\\w+=,.@:/-]")
    policy = entry.get("policy") or None
    if policy is not None:
        try:
            json.loads(policy)  # provider.go: validation.StringIsJSON
        except (TypeError, ValueError):
            raise AwsConfigError(f"{where}.policy is not JSON") from None
    tags = entry.get("tags") or {}
    if not isinstance(tags, Mapping) or not all(isinstance(v, str) for v in tags.values()):
        raise AwsConfigError(f"{where}.tags must map tag keys to strings")
    return AssumeRole(
        role_arn=role_arn,
        session_name=session_name,
        external_id=external_id,
        duration_seconds=_duration(entry.get("duration"), f"{where}.duration"),
        policy=policy,
        policy_arns=tuple(entry.get("policyArns") or ()),
        source_identity=entry.get("sourceIdentity") or None,
        tags=dict(tags),
        transitive_tag_keys=tuple(entry.get("transitiveTagKeys") or ()),
    )


def _duration(value: Any, where: str) -> int | None:
    """A Go duration ("1h", "15m", "90m30s"), 15 minutes to 12 hours, in whole seconds."""
    if value is None or value == "":
        return None
    text = str(value)
    parts = _GO_DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise AwsConfigError(f"{where}: {text!r} is not a duration such as 1h or 15m")
    seconds = int(sum(float(n) * _GO_UNITS[u] for n, u in parts))
    if not MIN_ROLE_SECONDS <= seconds <= MAX_ROLE_SECONDS:
        raise AwsConfigError(f"{where} must be between 15 minutes and 12 hours")
    return seconds


def _endpoints(entries: list[Any]) -> dict[str, str]:
    """expandEndpoints: the blocks' non-empty entries, the first of a service winning; each a
    URL (aws:endpoints[0].quicksight = http://127.0.0.1:5000)."""
    endpoints: dict[str, str] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise AwsConfigError(f"aws:endpoints[{i}] must be an object of service: URL")
        for service, url in entry.items():
            if not url:
                continue
            parsed = urlparse(str(url))
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise AwsConfigError(f"aws:endpoints[{i}].{service}: {url!r} is not an http(s) URL")
            endpoints.setdefault(str(service), str(url))
    return endpoints


def _safe(error: BaseException) -> str:
    """An AWS error's code and message (never a request's headers or parameters)."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'error')}: {details.get('Message', '')}"
    if isinstance(error, BotoCoreError):
        return str(error)
    return f"the endpoint's answer is not an AWS STS answer ({type(error).__name__}: {error})"


SECRET_KEYS = frozenset({"aws:accessKey", "aws:secretKey", "aws:token"})
"""Set with `pulumi config set --secret` (encrypted in the stack file, secret on the wire)."""


@dataclass(frozen=True)
class StackConfig:
    """A stack's configuration as the engine hands it to providers: fully qualified keys,
    string values (lists and objects JSON-encoded), and which keys are secret."""

    values: Mapping[str, str] = field(repr=False)
    secret_keys: frozenset[str] = SECRET_KEYS

    def __repr__(self) -> str:
        return f"StackConfig(keys={sorted(self.values)})"


def stack_config_for(session: boto3.Session, endpoint_url: str | None = None) -> StackConfig:
    """The `aws:` config a user writes to point pulumi-aws at `endpoint_url` (an emulator)
    with `session`'s region and credentials: `aws:endpoints` for quicksight, sts and iam,
    `aws:region`, and `aws:accessKey`/`aws:secretKey`/`aws:token` (as Pulumi ESC sets them)."""
    values: dict[str, str] = {}
    if session.region_name:
        values["aws:region"] = session.region_name
    credentials = session.get_credentials()
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        values["aws:accessKey"] = frozen.access_key or ""
        values["aws:secretKey"] = frozen.secret_key or ""
        if frozen.token:
            values["aws:token"] = frozen.token
    if endpoint_url:
        values["aws:endpoints"] = json.dumps([dict.fromkeys(ENDPOINT_SERVICES, endpoint_url)])
    return StackConfig(values)
