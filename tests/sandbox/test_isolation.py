"""IAM is enforced for real: tenant isolation rests on GetAuthCode, scoped user ARNs and trust."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from policies.embed_role import embed_role_permissions_policy, embed_role_trust_policy, policy_json
from sandbox import Emulator, EmulatorSession
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import load_tenants

from .conftest import (
    ACCOUNT,
    NO_RETRIES,
    Tenant,
    assume,
    embed_policy,
    make_embed_role,
    quicksight_as_new_role,
    user_arn,
)


def _code(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = error.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_embed_role_mints_for_its_own_tenant(acme_embed: EmulatorSession) -> None:
    qs = acme_embed.client("quicksight", config=NO_RETRIES)

    response = qs.get_session_embed_url(
        AwsAccountId=ACCOUNT, UserArn=user_arn("acme", "acme-author"), EntryPoint="/start"
    )

    assert response["Status"] == 200
    assert response["EmbedUrl"].startswith("http://127.0.0.1:")


def test_embed_role_is_denied_another_tenants_user(acme_embed: EmulatorSession) -> None:
    qs = acme_embed.client("quicksight", config=NO_RETRIES)

    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=user_arn("globex", "globex-author"))

    assert _code(denied) == ("AccessDeniedException", 401)
    assert "quicksight:GetAuthCode" in str(denied.value)
    assert "user/globex/globex-author" in str(denied.value)


def test_describe_user_is_authorized_against_the_user_arn(
    emulator: Emulator, admin: EmulatorSession, tenants: dict[str, Tenant]
) -> None:
    """The builders never grant DescribeUser: this role is granted it on acme's users."""
    portal = tenants["acme"].portal_arn
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "quicksight:DescribeUser",
                "Resource": f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/acme/*",
            }
        ],
    }
    qs = quicksight_as_new_role(emulator, admin, "qs-embed-describe", portal, policy)

    own = qs.describe_user(AwsAccountId=ACCOUNT, Namespace="acme", UserName="acme-author")
    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        qs.describe_user(AwsAccountId=ACCOUNT, Namespace="globex", UserName="globex-author")

    assert own["User"]["Arn"] == user_arn("acme", "acme-author")
    assert _code(denied) == ("AccessDeniedException", 401)


def test_role_without_the_grant_is_denied(
    emulator: Emulator, admin: EmulatorSession, tenants: dict[str, Tenant]
) -> None:
    portal = tenants["acme"].portal_arn
    qs = quicksight_as_new_role(emulator, admin, "qs-embed-nogrant", portal, None)

    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=user_arn("acme", "acme-author"))

    assert _code(denied) == ("AccessDeniedException", 401)
    assert "quicksight:GetSessionEmbedUrl" in str(denied.value)


def test_get_auth_code_is_needed_besides_get_session_embed_url(
    emulator: Emulator, admin: EmulatorSession, tenants: dict[str, Tenant]
) -> None:
    portal = tenants["acme"].portal_arn
    policy = embed_policy("acme")
    policy["Statement"] = policy["Statement"][:1]  # GetSessionEmbedUrl only
    qs = quicksight_as_new_role(emulator, admin, "qs-embed-noauthcode", portal, policy)

    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=user_arn("acme", "acme-author"))

    assert "quicksight:GetAuthCode" in str(denied.value)


def test_explicit_deny_wins(
    emulator: Emulator, admin: EmulatorSession, tenants: dict[str, Tenant]
) -> None:
    portal = tenants["acme"].portal_arn
    policy = embed_policy("acme")
    policy["Statement"].append(
        {
            "Effect": "Deny",
            "Action": "quicksight:GetAuthCode",
            "Resource": user_arn("acme", "acme-author"),
        }
    )
    qs = quicksight_as_new_role(emulator, admin, "qs-embed-denyone", portal, policy)

    with pytest.raises(qs.exceptions.AccessDeniedException):
        qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=user_arn("acme", "acme-author"))


def test_register_user_is_authorized_against_the_derived_user_arn(
    emulator: Emulator, admin: EmulatorSession, tenants: dict[str, Tenant]
) -> None:
    """Just-in-time registration of role sessions, scoped to the tenant's namespace."""
    acme = tenants["acme"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "quicksight:RegisterUser",
                "Resource": f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/acme/*",
            }
        ],
    }
    qs = quicksight_as_new_role(emulator, admin, "qs-embed-jit", acme.portal_arn, policy)

    def register(namespace: str) -> object:
        return qs.register_user(
            AwsAccountId=ACCOUNT,
            Namespace=namespace,
            IdentityType="IAM",
            IamArn=acme.role_arn,
            SessionName=f"jit-{namespace}",
            Email="jit@acme.example",
            UserRole="AUTHOR",
        )

    registered = register("acme")
    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        register("globex")

    assert registered["User"]["Arn"] == user_arn("acme", "qs-embed-acme/jit-acme")  # type: ignore[index]
    assert "user/globex/qs-embed-acme/jit-globex" in str(denied.value)


def test_only_the_trusted_app_principal_assumes_the_embed_role(
    emulator: Emulator, tenants: dict[str, Tenant]
) -> None:
    globex_portal = emulator.principal_session(tenants["globex"].portal_arn)

    with pytest.raises(ClientError) as denied:
        assume(emulator, globex_portal, tenants["acme"].role_arn)

    assert _code(denied) == ("AccessDenied", 403)


def test_assuming_a_role_that_does_not_exist_is_denied(
    emulator: Emulator, tenants: dict[str, Tenant]
) -> None:
    portal = emulator.principal_session(tenants["acme"].portal_arn)

    with pytest.raises(ClientError) as denied:
        assume(emulator, portal, f"arn:aws:iam::{ACCOUNT}:role/qs-embed-nobody")

    assert _code(denied) == ("AccessDenied", 403)


def test_external_id_condition_is_enforced(
    emulator: Emulator, admin: EmulatorSession, tenants: dict[str, Tenant]
) -> None:
    portal_arn = tenants["acme"].portal_arn
    role = make_embed_role(
        admin, "qs-embed-extid", portal_arn, embed_policy("acme"), external_id="s3cret-id"
    )
    portal = emulator.principal_session(portal_arn)

    for wrong in (None, "other-id"):
        with pytest.raises(ClientError) as denied:
            assume(emulator, portal, role, external_id=wrong)
        assert _code(denied) == ("AccessDenied", 403)
    session = assume(emulator, portal, role, external_id="s3cret-id")

    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/qs-embed-extid/app"


def test_an_iam_user_app_principal_can_be_trusted(
    emulator: Emulator, admin: EmulatorSession, tenants: dict[str, Tenant]
) -> None:
    user_principal = f"arn:aws:iam::{ACCOUNT}:user/acme-batch"
    role = make_embed_role(admin, "qs-embed-batch", user_principal, embed_policy("acme"))

    session = assume(emulator, emulator.principal_session(user_principal), role)

    assert "assumed-role/qs-embed-batch/" in session.client("sts").get_caller_identity()["Arn"]


def test_wrong_secret_is_a_signature_error_not_access_denied(emulator: Emulator) -> None:
    admin_key = emulator.env()["AWS_ACCESS_KEY_ID"]
    qs = emulator.session(admin_key, "not-the-secret").client("quicksight", config=NO_RETRIES)

    with pytest.raises(ClientError) as refused:
        qs.list_namespaces(AwsAccountId=ACCOUNT)

    assert _code(refused) == ("InvalidSignatureException", 403)


def test_unknown_access_key_is_refused(emulator: Emulator) -> None:
    qs = emulator.session("AKIAUNKNOWNKEY000000", "x").client("quicksight", config=NO_RETRIES)

    with pytest.raises(ClientError) as refused:
        qs.list_namespaces(AwsAccountId=ACCOUNT)

    assert _code(refused) == ("UnrecognizedClientException", 403)


def test_signed_get_and_delete_requests_pass_signature_checks(qs_admin: object) -> None:
    """moto used to compute the signature of body-less requests over its parsed parameters."""
    qs = qs_admin
    qs.create_namespace(AwsAccountId=ACCOUNT, Namespace="sigcheck", IdentityStore="QUICKSIGHT")  # type: ignore[attr-defined]

    described = qs.describe_namespace(AwsAccountId=ACCOUNT, Namespace="sigcheck")  # type: ignore[attr-defined]
    qs.delete_namespace(AwsAccountId=ACCOUNT, Namespace="sigcheck")  # type: ignore[attr-defined]

    assert described["Namespace"]["Name"] == "sigcheck"


# -- the review's attacks on the policies the builders render ------------------------------
#
# Each role below carries exactly what `policies.embed_role` renders for its tenant file; the app's
# calls skip the embedder (raw boto3 as the embed role), so only IAM stands in the way.


def _config(tenant: str, identity: str, users: list[str], **embedding: object) -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant": tenant,
            "account_id": ACCOUNT,
            "namespace": tenant,
            "embedding": {
                "identity": identity,
                "app_principals": [f"arn:aws:iam::{ACCOUNT}:role/{tenant}-portal"],
                **embedding,
            },
            "users": [
                {"name": u, "email": f"{u}@{tenant}.example", "role": "AUTHOR"} for u in users
            ],
        }
    )


JIT = _config("t-jit", "iam", ["dana", "eli"], register_on_first_use=True)
NO_JIT = _config("t-nojit", "iam", ["dee"])
FRAMED = _config(
    "t-framed", "quicksight", ["fay"], allowed_domains=["https://portal.framed.example"]
)


@pytest.fixture(scope="module")
def rendered(emulator: Emulator, admin: EmulatorSession, qs_admin: Any) -> dict[str, str]:
    """The three tenants' namespaces, users and embed roles, as the builders render them."""
    iam = admin.client("iam")
    roles = {}
    for config in (JIT, NO_JIT, FRAMED):
        qs_admin.create_namespace(
            AwsAccountId=ACCOUNT, Namespace=config.namespace, IdentityStore="QUICKSIGHT"
        )
        emulator.principal_session(config.embedding.app_principals[0])
        role = iam.create_role(
            RoleName=config.role_name,
            AssumeRolePolicyDocument=policy_json(embed_role_trust_policy(config)),
        )["Role"]
        permissions = embed_role_permissions_policy(config, partition="aws", account_id=ACCOUNT)
        iam.put_role_policy(
            RoleName=config.role_name, PolicyName="embed", PolicyDocument=policy_json(permissions)
        )
        roles[config.tenant] = role["Arn"]
    qs_admin.register_user(
        AwsAccountId=ACCOUNT, Namespace=FRAMED.namespace, IdentityType="QUICKSIGHT",
        UserName="fay", Email="fay@t-framed.example", UserRole="AUTHOR",
    )  # fmt: skip
    qs_admin.register_user(
        AwsAccountId=ACCOUNT, Namespace=NO_JIT.namespace, IdentityType="IAM",
        IamArn=roles[NO_JIT.tenant], SessionName="dee", Email="dee@t-nojit.example",
        UserRole="AUTHOR",
    )  # fmt: skip
    return roles


def _as_role(emulator: Emulator, config: TenantConfig, session_name: str) -> Any:
    """The tenant's own app, assuming the tenant's embed role as a user of the file."""
    app = emulator.principal_session(config.embedding.app_principals[0])
    role = f"arn:aws:iam::{ACCOUNT}:role/{config.role_name}"
    return assume(emulator, app, role, session_name).client("quicksight", config=NO_RETRIES)


def _register(qs: Any, config: TenantConfig, **identity: str) -> Any:
    return qs.register_user(
        AwsAccountId=ACCOUNT,
        Namespace=config.namespace,
        Email="mallory@evil.example",
        UserRole="ADMIN",
        **identity,
    )


def test_jit_registration_of_a_session_name_outside_the_file_is_denied(
    emulator: Emulator, rendered: dict[str, str]
) -> None:
    """The review: as the role, RegisterUser for a session not in the file was ALLOWED."""
    qs = _as_role(emulator, JIT, "dana")
    role = rendered[JIT.tenant]

    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        _register(qs, JIT, IdentityType="IAM", IamArn=role, SessionName="mallory")
    registered = _register(qs, JIT, IdentityType="IAM", IamArn=role, SessionName="eli")

    assert "quicksight:RegisterUser" in str(denied.value)
    assert registered["User"]["Arn"] == user_arn(JIT.namespace, f"{JIT.role_name}/eli")


def test_quicksight_identity_registration_by_an_iam_tenants_role_is_denied(
    emulator: Emulator, rendered: dict[str, str]
) -> None:
    """The review: an ADMIN QuickSight-identity user named like one of the role's sessions
    (so inside the role's `user/<ns>/<role>/*` resource) was ALLOWED; quicksight:IamArn is
    absent from such a request, so the ArnEquals condition cannot match."""
    qs = _as_role(emulator, JIT, "dana")

    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        _register(qs, JIT, IdentityType="QUICKSIGHT", UserName=f"{JIT.role_name}/mallory")

    assert f"user/{JIT.namespace}/{JIT.role_name}/mallory" in str(denied.value)


def test_admin_self_registration_is_denied_when_jit_registration_is_off(
    emulator: Emulator, admin: EmulatorSession, rendered: dict[str, str]
) -> None:
    """Off by default: the role carries no RegisterUser, so its app cannot register (or
    re-register) the file's own user as an ADMIN without the file's profile."""
    qs = _as_role(emulator, NO_JIT, "dee")
    admin.client("quicksight").delete_user(
        AwsAccountId=ACCOUNT, Namespace=NO_JIT.namespace, UserName=f"{NO_JIT.role_name}/dee"
    )
    try:
        with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
            _register(
                qs, NO_JIT, IdentityType="IAM", IamArn=rendered[NO_JIT.tenant], SessionName="dee"
            )
    finally:
        admin.client("quicksight").register_user(
            AwsAccountId=ACCOUNT, Namespace=NO_JIT.namespace, IdentityType="IAM",
            IamArn=rendered[NO_JIT.tenant], SessionName="dee", Email="dee@t-nojit.example",
            UserRole="AUTHOR",
        )  # fmt: skip

    assert "quicksight:RegisterUser" in str(denied.value)


def _generate(qs: Any, arn: str, **domains: list[str]) -> Any:
    return qs.generate_embed_url_for_registered_user(
        AwsAccountId=ACCOUNT,
        UserArn=arn,
        ExperienceConfiguration={"QuickSightConsole": {"InitialPath": "/start"}},
        **domains,
    )


@pytest.mark.parametrize(
    ("domains", "allowed"),
    [
        (["https://evil.example"], False),
        (["https://portal.framed.example", "https://evil.example"], False),
        (None, False),  # no AllowedDomains: framed by whatever the account allows
        (["https://portal.framed.example"], True),
    ],
    ids=["evil", "evil-beside-own", "none-sent", "own"],
)
def test_generate_embed_url_only_for_the_files_domains(
    domains: list[str] | None, allowed: bool, emulator: Emulator, rendered: dict[str, str]
) -> None:
    """The review: as acme's role, AllowedDomains=["https://evil.example"] was ALLOWED."""
    qs = _as_role(emulator, FRAMED, "app")
    sent = {} if domains is None else {"AllowedDomains": domains}

    if allowed:
        assert _generate(qs, user_arn(FRAMED.namespace, "fay"), **sent)["Status"] == 200
    else:
        with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
            _generate(qs, user_arn(FRAMED.namespace, "fay"), **sent)
        assert "quicksight:GenerateEmbedUrlForRegisteredUser" in str(denied.value)


def test_a_tenant_without_allowed_domains_may_name_none(
    emulator: Emulator, rendered: dict[str, str]
) -> None:
    qs = _as_role(emulator, NO_JIT, "dee")
    dee = user_arn(NO_JIT.namespace, f"{NO_JIT.role_name}/dee")

    with pytest.raises(qs.exceptions.AccessDeniedException):
        _generate(qs, dee, AllowedDomains=["https://evil.example"])
    assert _generate(qs, dee)["Status"] == 200


def test_a_root_trusting_neighbour_gets_in_so_validate_refuses_the_pair(
    emulator: Emulator, admin: EmulatorSession, tmp_path: Path
) -> None:
    """Trust of the account root with an ExternalId: IAM (and so the emulator) lets any
    principal of the account that may call sts:AssumeRole in, the neighbour's app included,
    since the ExternalId is in the repository. Only validating the directory stops it."""
    victim = _config("t-rooted", "quicksight", ["ron"], external_id="rooted-ext-0001")
    victim = victim.model_copy(
        update={"embedding": victim.embedding.model_copy(
            update={"app_principals": (f"arn:aws:iam::{ACCOUNT}:root",)}
        )}
    )  # fmt: skip
    neighbour = _config("t-nextdoor", "quicksight", ["nia"])
    role = make_embed_role(
        admin, victim.role_name, f"arn:aws:iam::{ACCOUNT}:root", None, external_id="rooted-ext-0001"
    )
    app = emulator.principal_session(neighbour.embedding.app_principals[0])

    identity = assume(emulator, app, role, external_id="rooted-ext-0001").client("sts")
    assert identity.get_caller_identity()["Arn"].endswith(f"assumed-role/{victim.role_name}/app")
    for config in (victim, neighbour):
        (tmp_path / f"{config.tenant}.yaml").write_text(
            yaml.safe_dump(config.model_dump(mode="json", exclude_none=True) | {
                "embedding": {
                    **config.embedding.model_dump(mode="json", exclude_none=True),
                    **({"external_id": "rooted-ext-0001"} if config is victim else {}),
                }
            })
        )  # fmt: skip
    with pytest.raises(ConfigError) as refused:
        load_tenants([tmp_path])
    [problem] = refused.value.problems
    assert (Path(problem.source).name, problem.location) == (
        "t-rooted.yaml",
        "embedding.app_principals[0]",
    )
    assert "app principals of tenant t-nextdoor live" in problem.message
