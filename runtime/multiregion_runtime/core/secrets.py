"""Every secret we hide, in one place: credentials in values, passwords in URLs, and
credential patterns in free text (botocore's debug output and error messages).

Every repr, error message, log line of ours and CLI output goes through here.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable

#: Response keys whose values are credentials (STS AssumeRole, GetSessionToken, SSO...):
#: reprs show "****" instead, so printing or logging a result cannot leak them.
SECRET_KEYS = frozenset(
    {
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "accessKeyId",
        "secretAccessKey",
        "sessionToken",
    }
)


def masked(value: object) -> object:
    """``value`` with every credential (see SECRET_KEYS) replaced by "****", for reprs."""
    if isinstance(value, dict):
        return {k: "****" if k in SECRET_KEYS else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def without_password(url: str) -> str:
    """``http://user:secret@host`` -> ``http://user:****@host``: URLs get logged."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises for a malformed netloc, like .password
    except ValueError:  # not even a URL ("http://[::1"): hide what looks like one
        return without_passwords(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(
        parts._replace(netloc=f"{parts.username}:****@{host}")
    )


# ``scheme://user:password@``: the password of any URL in any text (botocore quotes
# endpoint URLs in its error messages).
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'\"]*:)[^@\s/'\"]*(@)")


def without_passwords(text: str) -> str:
    """Every ``scheme://user:password@`` in ``text`` as ``scheme://user:****@``."""
    if "@" not in text:
        return text
    return _URL_PASSWORD.sub(r"\1****\2", text)


def mask_error(
    error: BaseException, redact: Callable[[str], str] = without_passwords
) -> BaseException:
    """``error`` (and the errors it chains) with URL passwords hidden in its text, and
    whatever else ``redact`` hides (a target's own keys: ``targets.secrets_of``).

    Done in place, once, when the error becomes a target's result: ``str()``,
    ``repr()``, tracebacks and ExceptionGroups of it then show no secret, whatever
    prints them.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        _mask_args(current, redact)
        current = current.__cause__ or current.__context__
    return error


def _mask_args(error: BaseException, redact: Callable[[str], str]) -> None:
    args = tuple(redact(a) if isinstance(a, str) else a for a in error.args)
    if args != error.args:
        error.args = args
    kwargs = getattr(error, "kwargs", None)  # botocore's errors format from these
    if isinstance(kwargs, dict):
        for key, value in list(kwargs.items()):
            if isinstance(value, str):
                kwargs[key] = redact(value)
            elif isinstance(value, BaseException):  # urllib3's, wrapped by botocore
                _mask_args(value, redact)


# Credentials that no session of ours knows beforehand (those STS returns for an
# assumed role) still have a recognisable place in botocore's debug output.
_CREDENTIAL_PATTERNS = [
    re.compile(r"(Credential=)[^/\s,]+"),
    re.compile(r"(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)[^'\",\s}]+", re.I),
    re.compile(r"(<(?:AccessKeyId|SecretAccessKey|SessionToken)>)[^<]+"),
    re.compile(
        r"([\"'](?:AccessKeyId|SecretAccessKey|SessionToken|accessKeyId|secretAccessKey"
        r"|sessionToken)[\"']\s*:\s*b?[\"'])[^\"']+"
    ),
]


class Redactor:
    """Hides keys, secrets, session tokens and endpoint passwords in output."""

    def __init__(self) -> None:
        self.replacements: dict[str, str] = {}

    def add(self, *values: str | None) -> None:
        # Short strings are not secrets worth the risk of mangling ordinary text.
        self.replacements.update((v, "****") for v in values if v and len(v) >= 8)

    def add_endpoint(self, url: str) -> None:
        try:
            password = urllib.parse.urlsplit(url).password
        except ValueError:  # a malformed URL: refused later, hidden by pattern here
            return
        if password:  # ":pw@" is distinctive even when the password is short
            self.replacements[f":{password}@"] = ":****@"

    def __call__(self, text: str) -> str:
        for secret, replacement in self.replacements.items():
            text = text.replace(secret, replacement)
        text = without_passwords(text)
        for pattern in _CREDENTIAL_PATTERNS:
            text = pattern.sub(r"\1****", text)
        return text
