"""The change summary of a tenant edit, case by case: what asks for review, never a secret."""

from __future__ import annotations

from review.changes import tenant_changes
from tenant_file.config import TenantConfig
from tests.policies.pack_helpers import variant
from tests.tenant_files import example

# -- the change summary, case by case ------------------------------------------------------


def changes(before: list[TenantConfig], after: list[TenantConfig]) -> list[str]:
    return [str(c) for c in tenant_changes({t.tenant: t for t in before}, after)]


def test_tenants_added_and_removed() -> None:
    acme, globex = example("acme"), example("globex")
    assert changes([acme, globex], [globex]) == [
        "REMOVED acme: tenant removed with its users alice, bob, carol; the QuickSight users "
        "and their assets are kept (retain_users_on_delete: true), but no longer managed"
    ]
    assert changes([globex], [acme, globex]) == [
        "review acme: tenant added: 3 users, trusts arn:aws:iam::111122223333:role/acme-portal"
    ]


def test_edits_that_replace_users_or_lift_restrictions_ask_for_review() -> None:
    acme = example("acme")
    edited = variant(
        "acme",
        namespace="acme-2",
        retain_users_on_delete=False,
        users=[
            {"name": "alice", "email": "alice@acme.example", "role": "ADMIN"},
            {"name": "bob", "email": "bob@acme.example", "role": "AUTHOR", "profile": "analyst"},
            {"name": "carol", "email": "c@acme.example", "role": "ADMIN"},
        ],
    )
    assert changes([acme], [edited]) == [
        "review acme: namespace acme -> acme-2: every user is registered anew in acme-2; the "
        "users in acme are left behind (the QuickSight users and their assets are kept "
        "(retain_users_on_delete: true), but no longer managed)",
        "review acme: retain_users_on_delete turned off: users removed from this file from now "
        "on are deleted with every analysis and dashboard they own",
        "review acme: user alice role AUTHOR -> ADMIN",
        # The base file retains users: alice's attachment is kept, so is the profile in AWS.
        "review acme: user alice profile analyst -> none: the profile STAYS APPLIED in QuickSight: "
        "its UserCustomPermission is retained on delete (retain_users_on_delete: true), so the "
        "user keeps every restriction of the profile until someone runs `aws quicksight "
        "delete-user-custom-permission --aws-account-id 111122223333 --region us-east-1 "
        "--namespace acme --user-name alice` (or the tenant deploys retain_users_on_delete: "
        "false before removing the profile line)",
        "change acme: user bob profile viewer-author -> analyst",
        "change acme: user carol email changed",
    ]


def test_external_id_changes_never_show_the_secret() -> None:
    globex = example("globex")
    rotated = variant("globex", embedding={**_embedding(globex), "external_id": "rotated-id-42"})
    dropped = variant("globex", embedding={**_embedding(globex), "external_id": None})
    assert changes([globex], [rotated]) == [
        "review globex: embedding.external_id changed: the apps must send the new one"
    ]
    assert changes([globex], [dropped]) == [
        "review globex: embedding.external_id removed: assuming the role no longer needs it"
    ]
    assert changes([dropped], [globex]) == ["change globex: embedding.external_id added"]


def _embedding(tenant: TenantConfig) -> dict[str, object]:
    data = tenant.embedding.model_dump(mode="python")
    data["external_id"] = tenant.embedding.external_id
    return data


def test_identity_change_replaces_every_user() -> None:
    acme = example("acme")
    iam = variant("acme", embedding={**_embedding(acme), "identity": "iam"})
    [line] = changes([acme], [iam])
    assert line.startswith("review acme: identity quicksight -> iam: every user is replaced")


def test_a_removed_profile_line_is_lifted_only_where_attachments_are_deleted() -> None:
    users = [u.model_dump() for u in example("globex").users]
    users[0]["profile"] = None  # dana

    def edit(retain: bool) -> tuple[TenantConfig, TenantConfig]:
        return (
            variant("globex", retain_users_on_delete=retain),
            variant("globex", retain_users_on_delete=retain, users=users),
        )

    before, after = edit(retain=True)
    [kept] = changes([before], [after])
    assert kept.startswith("review globex: user dana profile restricted -> none: the profile ")
    assert "STAYS APPLIED" in kept
    assert "--namespace globex --user-name qs-embed-globex/dana`" in kept
    before, after = edit(retain=False)
    [lifted] = changes([before], [after])
    assert lifted == (
        "review globex: user dana profile restricted -> none: its UserCustomPermission is "
        "deleted (retain_users_on_delete: false), so the profile's restrictions are lifted"
    )
