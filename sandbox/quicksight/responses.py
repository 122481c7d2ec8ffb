"""The QuickSight service of the emulator: request handlers, moto's ``responses`` layer.

``SandboxQuickSightResponse`` extends moto's ``QuickSightResponse``. Per request it applies
injected faults, authorizes against the real resource ARN with QuickSight's error shapes
(AccessDeniedException 401, never an XML SignatureDoesNotMatch), parses inputs by botocore's
model and answers with one request id in body and header. moto dispatches by operation name
(botocore's model routes each request), so a method named after an operation in snake case
implements it: here namespaces, users, CustomPermissions and topics with AWS's shapes; the
embedding operations in `sandbox.quicksight.embedding`, the request handling (faults,
authorization, inputs, answers) in `sandbox.quicksight.request`; moto's own methods serve the
rest.
"""

from sandbox.quicksight.embedding import EmbeddingResponses
from sandbox.quicksight.exceptions import QuickSightError


class SandboxQuickSightResponse(EmbeddingResponses):
    """The QuickSight operations moto serves, as AWS shapes them (`sandbox.wsgi` mounts it)."""

    def create_namespace(self) -> str:
        params = self.params()
        namespace = self.quicksight_backend.create_namespace(params["Namespace"])
        self.quicksight_backend.tagger.tag_resource(namespace.arn, params.get("Tags"))
        api = namespace.to_api()
        return self.ok(
            **{
                key: api[key]
                for key in ("Arn", "Name", "CapacityRegion", "CreationStatus", "IdentityStore")
            }
        )

    def describe_namespace(self) -> str:
        params = self.params()
        return self.ok(
            Namespace=self.quicksight_backend.get_namespace(params["Namespace"]).to_api()
        )

    def delete_namespace(self) -> str:
        params = self.params()
        self.quicksight_backend.delete_namespace(params["Namespace"])
        return self.ok()

    def list_namespaces(self) -> str:
        params = self.params()
        namespaces = list(self.quicksight_backend.namespaces.values())
        page, token = self.page(namespaces, params)
        return self.ok(Namespaces=[namespace.to_api() for namespace in page], NextToken=token)

    # -- custom permissions -----------------------------------------------------------------

    def create_custom_permissions(self) -> str:
        params = self.params()
        profile = self.quicksight_backend.create_profile(
            params["CustomPermissionsName"], params.get("Capabilities")
        )
        self.quicksight_backend.tagger.tag_resource(profile.arn, params.get("Tags"))
        return self.ok(Arn=profile.arn)

    def describe_custom_permissions(self) -> str:
        params = self.params()
        profile = self.quicksight_backend.get_profile(params["CustomPermissionsName"])
        return self.ok(CustomPermissions=profile.to_api())

    def update_custom_permissions(self) -> str:
        params = self.params()
        profile = self.quicksight_backend.update_profile(
            params["CustomPermissionsName"], params.get("Capabilities")
        )
        return self.ok(Arn=profile.arn)

    def delete_custom_permissions(self) -> str:
        params = self.params()
        return self.ok(
            Arn=self.quicksight_backend.delete_profile(params["CustomPermissionsName"]).arn
        )

    def list_custom_permissions(self) -> str:
        params = self.params()
        page, token = self.page(list(self.quicksight_backend.profiles.values()), params)
        return self.ok(
            CustomPermissionsList=[profile.to_api() for profile in page], NextToken=token
        )

    # -- users ------------------------------------------------------------------------------

    def register_user(self) -> str:
        params = self.params()
        user = self.quicksight_backend.register_user(
            namespace=params["Namespace"],
            identity_type=params["IdentityType"],
            email=params["Email"],
            role=params["UserRole"],
            user_name=params.get("UserName"),
            iam_arn=params.get("IamArn"),
            session_name=params.get("SessionName"),
            custom_permissions_name=params.get("CustomPermissionsName"),
        )
        self.quicksight_backend.tagger.tag_resource(user.arn, params.get("Tags"))
        return self.ok(User=user.to_api())

    def describe_user(self) -> str:
        params = self.params()
        user = self.quicksight_backend.get_user(params["Namespace"], params["UserName"])
        return self.ok(User=user.to_api())

    def update_user(self) -> str:
        params = self.params()
        user = self.quicksight_backend.update_user(
            namespace=params["Namespace"],
            user_name=params["UserName"],
            email=params["Email"],
            role=params["Role"],
            custom_permissions_name=params.get("CustomPermissionsName"),
            unapply_custom_permissions=bool(params.get("UnapplyCustomPermissions")),
        )
        return self.ok(User=user.to_api())

    def delete_user(self) -> str:  # type: ignore[override]
        params = self.params()
        self.quicksight_backend.delete_user(
            self.current_account, params["Namespace"], params["UserName"]
        )
        return self.ok()

    def list_users(self) -> str:
        params = self.params()
        page, token = self.page(self.quicksight_backend.users_in(params["Namespace"]), params)
        return self.ok(UserList=[user.to_api() for user in page], NextToken=token)

    def update_user_custom_permission(self) -> str:
        params = self.params()
        profile = params["CustomPermissionsName"]
        self.quicksight_backend.set_user_profile(params["Namespace"], params["UserName"], profile)
        return self.ok()

    def delete_user_custom_permission(self) -> str:
        params = self.params()
        self.quicksight_backend.set_user_profile(params["Namespace"], params["UserName"], None)
        return self.ok()

    # -- embedding --------------------------------------------------------------------------

    # -- topics (moto has none; embedded Q needs them to exist) ------------------------------

    def create_topic(self) -> str:
        params = self.params()
        topic_id = params["TopicId"]
        backend = self.quicksight_backend
        if topic_id in backend.topics:
            raise QuickSightError("ResourceExistsException", f"Topic {topic_id} already exists")
        arn = backend.topics[topic_id] = self.arn_prefix + f"topic/{topic_id}"
        return self.ok(Arn=arn, TopicId=topic_id)

    def describe_topic(self) -> str:
        params = self.params()
        return self.ok(Arn=self._topic_arn(params["TopicId"]), TopicId=params["TopicId"])
