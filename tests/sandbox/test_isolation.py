"""IAM is enforced for real: tenant isolation rests on GetAuthCode, scoped user ARNs and trust."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sandbox import Emulator, EmulatorSession

from .conftest import (
    ACCOUNT,
    NO_RETRIES,
    Tenant,
    assume,
    embed_policy,
    make_embed_role,
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


def test_describe_user_is_authorized_against_the_user_arn(acme_embed: EmulatorSession) -> None:
    qs = acme_embed.client("quicksight", config=NO_RETRIES)

    own = qs.describe_user(AwsAccountId=ACCOUNT, Namespace="acme", UserName="acme-author")
    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        qs.describe_user(AwsAccountId=ACCOUNT, Namespace="globex", UserName="globex-author")

    assert own["User"]["Arn"] == user_arn("acme", "acme-author")
    assert _code(denied) == ("AccessDeniedException", 401)


def test_role_without_the_grant_is_denied(
    emulator: Emulator, admin: EmulatorSession, tenants: dict[str, Tenant]
) -> None:
    portal = tenants["acme"].portal_arn
    role = make_embed_role(admin, "qs-embed-nogrant", portal, policy=None)
    qs = assume(emulator, emulator.principal_session(portal), role).client(
        "quicksight", config=NO_RETRIES
    )

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
    role = make_embed_role(admin, "qs-embed-noauthcode", portal, policy)
    qs = assume(emulator, emulator.principal_session(portal), role).client(
        "quicksight", config=NO_RETRIES
    )

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
    role = make_embed_role(admin, "qs-embed-denyone", portal, policy)
    qs = assume(emulator, emulator.principal_session(portal), role).client(
        "quicksight", config=NO_RETRIES
    )

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
    role = make_embed_role(admin, "qs-embed-jit", acme.portal_arn, policy)
    qs = assume(emulator, emulator.principal_session(acme.portal_arn), role).client(
        "quicksight", config=NO_RETRIES
    )

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
