"""Where a call goes: one region of one account, or one AWS-compatible endpoint."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field, fields

from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

from ..core.display import PrettyPrinter, Row, Table, pretty
from ..core.secrets import Redactor, without_password


@dataclass(frozen=True)
class StaticCredentials:
    """Explicit keys for a target (an S3-compatible store, a second moto...).

    Its repr and str never show the keys: they are secrets, and Targets get logged.
    """

    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return "StaticCredentials(***)"

    __repr__ = __str__


@dataclass(frozen=True)
class Target:
    """One place a call is sent to: a region, with the credentials to use there.

    Credentials come from, in order: ``credentials`` (explicit keys), ``role_arn``
    (assumed from the profile's or session's credentials through a regional STS
    endpoint, refreshed before expiry), ``profile``, or the default chain.
    Frozen and hashable so it keys dicts and caches; no secret is in its repr.
    """

    region: str
    endpoint_url: str | None = field(default=None, repr=False)  # repr: see __repr__
    profile: str | None = None
    role_arn: str | None = None
    account_id: str | None = None
    label: str | None = None
    credentials: StaticCredentials | None = field(default=None, repr=False)
    external_id: str | None = field(default=None, repr=False)
    role_session_name: str = "multiregion"
    duration_seconds: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.region, str) or not self.region:
            raise ValueError(
                f"Target.region must be a non-empty string, got {self.region!r}"
            )
        if self.endpoint_url is not None:
            check_endpoint_url(self.endpoint_url)
        if self.credentials is not None and not isinstance(
            self.credentials, StaticCredentials
        ):
            raise TypeError("Target.credentials must be a StaticCredentials")
        if self.role_arn is not None and not self.role_arn.startswith("arn:"):
            raise ValueError(
                f"Target.role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), "
                f"got {self.role_arn!r}"
            )
        if self.account_id is None and self.role_arn is not None:
            object.__setattr__(self, "account_id", _account_of(self.role_arn))

    @property
    def short_name(self) -> str:
        """account (or profile) / region, without the endpoint: ``111111111111/eu-west-1``."""
        prefix = self.account_id or self.profile
        return f"{prefix}/{self.region}" if prefix else self.region

    @property
    def name(self) -> str:
        """The label, or short_name@endpoint (any password in the URL shown as ****)."""
        if self.label:
            return self.label
        if self.endpoint_url:
            return f"{self.short_name}@{without_password(self.endpoint_url)}"
        return self.short_name

    @property
    def credential_source(self) -> tuple[object, ...]:
        """What identifies this target's credentials: targets sharing it share a session.

        A role's include its endpoint: a custom one (moto, LocalStack) answers STS
        too, and its keys are no good at another.
        """
        return (
            self.profile,
            self.role_arn,
            self.external_id,
            self.role_session_name,
            self.duration_seconds,
            self.credentials,
            self.endpoint_url if self.role_arn is not None else None,
        )

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        shown = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.repr and (f.name == "region" or getattr(self, f.name) != f.default)
        ]
        if self.endpoint_url is not None:
            shown.insert(1, f"endpoint_url={without_password(self.endpoint_url)!r}")
        return f"Target({', '.join(shown)})"


@dataclass(frozen=True)
class TargetPlan:
    """Targets to call, and what was left out and why (never silently).

    ``skipped`` maps a name (an account id, or ``account/region``) to the reason it
    was left out. ``regions_checked_in`` names the partition whose region names the
    planner already validated: a MultiRegion object in that partition built from the
    plan (``targets=plan``) does not validate them again. ``regions_named`` is False
    when the regions were left to their default (every region): an operation that
    answers alike in every region (targets/account_wide.py) is then called once per
    account.
    """

    targets: list[Target]
    skipped: dict[str, str] = field(default_factory=dict)
    regions_checked_in: str | None = field(default=None, repr=False)
    regions_named: bool = field(default=True, repr=False)

    # In a notebook (Jupyter, IPython): a table, what was skipped first.

    def _repr_html_(self) -> str:
        return self._table().html()

    def _repr_pretty_(self, printer: PrettyPrinter, cycle: bool) -> None:
        pretty(self._table(), printer, cycle)

    def _table(self) -> Table:
        skipped = list(self.skipped.items())

        def row(position: int) -> Row:
            if position < len(skipped):
                name, reason = skipped[position]
                return Row((name, "", "", f"skipped: {reason}"), failed=True)
            target = self.targets[position - len(skipped)]
            account = target.account_id or ""
            return Row((target.name, target.region, account, _credentials(target)))

        title = f"TargetPlan: {len(self.targets)} targets, {len(skipped)} skipped"
        columns = ("target", "region", "account", "credentials, or why skipped")
        return Table(title, columns, len(skipped) + len(self.targets), row)


def _credentials(target: Target) -> str:
    """Where the target's credentials come from (never the keys themselves)."""
    if target.credentials is not None:
        return "static keys"
    if target.role_arn is not None:
        return f"role {target.role_arn}"
    if target.profile is not None:
        return f"profile {target.profile}"
    return "default chain"


def secrets_of(target: Target) -> Redactor:
    """What hides ``target``'s keys, token and endpoint password in a text, even bare
    (where they look like nothing), besides every credential pattern ``Redactor`` knows.
    """
    redact = Redactor()
    if target.credentials is not None:
        keys = target.credentials
        redact.add(keys.access_key_id, keys.secret_access_key, keys.session_token)
    if target.endpoint_url is not None:
        redact.add_endpoint(target.endpoint_url)  # ":password@", however short
        try:
            redact.add(urllib.parse.urlsplit(target.endpoint_url).password)
        except ValueError:  # a malformed URL: refused by check_endpoint_url
            pass
    return redact


def check_endpoint_url(url: object, name: str = "endpoint_url") -> None:
    """ValueError unless ``url`` is an http(s) URL with a valid host (botocore's test).

    Checked when a Target is made, so a bad URL fails before any request, with a
    message that names it (its password hidden) and says what would be valid.
    """
    if not isinstance(url, str):
        raise ValueError(f"{name} must be a string URL, got {url!r}")
    shown = without_password(url)
    try:
        scheme = urllib.parse.urlsplit(url).scheme
    except ValueError as error:  # "http://[::1": an unclosed IPv6 bracket
        raise ValueError(
            f"{name} {shown!r} is not a valid URL ({error}); "
            "expected http(s)://host[:port][/path]"
        ) from None
    if scheme not in ("http", "https"):
        found = f"scheme {scheme!r}" if scheme else "no scheme"
        raise ValueError(
            f"{name} {shown!r} has {found}; only http and https are "
            "supported: expected http(s)://host[:port][/path]"
        )
    if not (is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)):
        raise ValueError(
            f"{name} {shown!r} has no valid host; expected http(s)://host[:port][/path]"
        )


def _account_of(role_arn: str) -> str | None:
    parts = role_arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None
