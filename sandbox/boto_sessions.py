"""boto3 sessions bound to an emulator's endpoint."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
import botocore.session
from botocore.loaders import Loader


@cache
def shared_loader() -> Loader:
    loader: Loader = botocore.session.get_session().get_component("data_loader")
    return loader


class EmulatorSession(boto3.Session):
    """A boto3 Session whose clients and resources talk to the emulator by default."""

    def __init__(self, endpoint_url: str, **kwargs: Any) -> None:
        if "botocore_session" not in kwargs:
            # Share one model loader: each session would otherwise parse botocore's JSON
            # models anew, about 0.3 s for QuickSight alone.
            kwargs["botocore_session"] = botocore.session.get_session()
            kwargs["botocore_session"].register_component("data_loader", shared_loader())
        super().__init__(**kwargs)
        self.endpoint_url = endpoint_url

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        kwargs = self._with_endpoint(args, kwargs)
        return super().client(service_name, *args, **kwargs)  # type: ignore[call-overload]

    def resource(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        kwargs = self._with_endpoint(args, kwargs)
        return super().resource(service_name, *args, **kwargs)  # type: ignore[call-overload]

    def _with_endpoint(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        # endpoint_url is the fifth positional parameter of boto3's client() and resource().
        if len(args) >= 5 or kwargs.get("endpoint_url") is not None:
            return kwargs
        return {**kwargs, "endpoint_url": self.endpoint_url}
