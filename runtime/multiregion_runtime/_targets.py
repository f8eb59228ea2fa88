"""Where a call goes: one region of one account, or one AWS-compatible endpoint."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """One place a call is sent to.

    Frozen and hashable so it can key dicts and caches. It holds no secret: credentials
    come from ``profile`` (or the session's default chain), never from a field here, so
    its repr is safe to log.
    """

    region: str
    endpoint_url: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    account_id: str | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.region, str) or not self.region:
            raise ValueError(
                f"Target.region must be a non-empty string, got {self.region!r}"
            )

    @property
    def name(self) -> str:
        """A short human name: the label, or account/region@endpoint."""
        if self.label:
            return self.label
        name = self.region
        if self.account_id:
            name = f"{self.account_id}/{name}"
        elif self.profile:
            name = f"{self.profile}/{name}"
        if self.endpoint_url:
            name = f"{name}@{self.endpoint_url}"
        return name

    def __str__(self) -> str:
        return self.name
