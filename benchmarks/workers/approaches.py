"""Ways of fanning one call out over many places, side by side.

Every approach calls the same operation on the same places (a region, and optionally
a profile standing for one account's credentials). The endpoint URL comes from
``AWS_ENDPOINT_URL`` in the environment, as standard AWS configuration, so no
approach gets special plumbing. ``cold`` approaches create their Session(s) and
clients inside the timed run; warm ones create them once, in ``setup``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import boto3
import boto3.session
from botocore.client import BaseClient


class Place(NamedTuple):
    """Where one call goes: a region, with the credentials of ``profile`` if set."""

    region: str
    profile: str | None = None


def call_safely(call: Callable[[], Any]) -> Any:
    """The call's result, or the exception it raised: every outcome is a result."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - counted as a failed call
        return error


class Fanout:
    """Base of the approaches: the places, the operation and the pool size."""

    name = "base"
    label = "base"

    def __init__(
        self,
        places: Sequence[Place],
        service: str,
        operation: str,
        workers: int,
        cold: bool,
    ) -> None:
        self.places = list(places)
        self.service = service
        self.operation = operation
        self.workers = workers
        self.cold = cold

    def setup(self) -> None:
        """Untimed preparation (warm clients)."""

    def run(self) -> list[Any]:
        """One fan-out; a result or an exception per place, in place order."""
        raise NotImplementedError

    def invoke(self, client: BaseClient) -> Any:
        return call_safely(getattr(client, self.operation))

    def sessions_by_profile(self) -> dict[str | None, boto3.Session]:
        """One Session per distinct profile (None: the default credential chain)."""
        profiles = dict.fromkeys(p.profile for p in self.places)
        return {profile: boto3.Session(profile_name=profile) for profile in profiles}

    def make_clients(self) -> list[BaseClient]:
        sessions = self.sessions_by_profile()
        return [
            sessions[p.profile].client(self.service, region_name=p.region)  # type: ignore[call-overload]
            for p in self.places
        ]


class _ClientsFirst(Fanout):
    """Clients made in set-up when warm, or at the start of each timed run when cold."""

    clients: list[BaseClient] = []

    def setup(self) -> None:
        if not self.cold:
            self.clients = self.make_clients()

    def run_clients(self) -> list[BaseClient]:
        return self.make_clients() if self.cold else self.clients


class Sequential(_ClientsFirst):
    """A plain loop: one call after another."""

    name = "sequential"
    label = "sequential boto3 loop"

    def run(self) -> list[Any]:
        return [self.invoke(client) for client in self.run_clients()]


class PoolPrebuilt(_ClientsFirst):
    """A thread pool over clients made beforehand (in the timed run when cold)."""

    name = "pool-prebuilt"
    label = "thread pool, clients made first"

    def run(self) -> list[Any]:
        clients = self.run_clients()
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(self.invoke, clients))


class PoolClientPerTask(Fanout):
    """A thread pool whose every task calls ``boto3.client()`` (or session.client())."""

    name = "pool-client-per-task"
    label = "thread pool, boto3.client() per task"

    def run(self) -> list[Any]:
        if self.cold:
            boto3.DEFAULT_SESSION = None  # so the run pays the Session and model loads
        sessions = self.sessions_by_profile()

        def task(place: Place) -> Any:
            if place.profile is None:
                client = boto3.client(self.service, region_name=place.region)  # type: ignore[call-overload]
            else:
                session = sessions[place.profile]
                client = session.client(self.service, region_name=place.region)  # type: ignore[call-overload]
            return self.invoke(client)

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(task, self.places))


class PoolSessionPerTask(Fanout):
    """A thread pool whose every task builds a fresh ``boto3.Session``."""

    name = "pool-session-per-task"
    label = "thread pool, boto3.Session() per task"

    def run(self) -> list[Any]:
        def task(place: Place) -> Any:
            session = boto3.session.Session(profile_name=place.profile)
            client = session.client(self.service, region_name=place.region)  # type: ignore[call-overload]
            return self.invoke(client)

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(task, self.places))


class Multiregion(Fanout):
    """This library: ``DynamicService(service, targets=...)``; reused when warm."""

    name = "multiregion"
    label = "multiregion DynamicService"
    service: Any = None

    def build(self) -> Any:
        from multiregion_runtime import DynamicService, Target

        targets = [Target(region=p.region, profile=p.profile) for p in self.places]
        return DynamicService(self.service, targets=targets, max_workers=self.workers)

    def setup(self) -> None:
        # Clients are created (and cached) by the first run, so that a worker's
        # first run shows what creating them costs.
        if not self.cold:
            self.service = self.build()

    def run(self) -> list[Any]:
        service = self.build() if self.cold else self.service
        results = service.call(self.operation)
        return [r.value if r.ok else r.error for r in results]


class MultiregionNewObject(Multiregion):
    """A new ``DynamicService`` for every call: what a function or handler written
    the natural way does. Its clients come from the process-wide cache."""

    name = "multiregion-new-object"
    label = "multiregion, a new object per call"

    def setup(self) -> None:
        pass

    def run(self) -> list[Any]:
        results = self.build().call(self.operation)
        return [r.value if r.ok else r.error for r in results]


APPROACHES: dict[str, type[Fanout]] = {
    cls.name: cls
    for cls in (
        Sequential,
        PoolPrebuilt,
        PoolClientPerTask,
        PoolSessionPerTask,
        Multiregion,
        MultiregionNewObject,
    )
}
