"""A synthetic source of many paginated items, on loopback: CloudWatch Logs
``DescribeLogGroups`` (awsJson1_1) answering ``items_per_region`` log groups per region
(the region read from the request's SigV4 scope), ``page_items`` per page.

It is for memory and throughput measurements of streaming (tests/test_data.py and
the ``data`` bench scenario): items look like real log groups (names, ARNs, epoch
millisecond times, sizes, an enum, a list), made on the fly so the server's own
memory stays small.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")
ACCOUNT = "123456789012"


def log_group(region: str, index: int) -> dict[str, Any]:
    name = f"/synthetic/{region}/group-{index:07d}"
    arn = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{name}"
    return {
        "logGroupName": name,
        "creationTime": 1_700_000_000_000 + index * 1000,
        "retentionInDays": 30,
        "metricFilterCount": index % 3,
        "arn": arn + ":*",
        "storedBytes": index * 4096,
        "logGroupClass": "STANDARD" if index % 2 else "INFREQUENT_ACCESS",
        "logGroupArn": arn,
        "inheritedProperties": ["ACCOUNT_DATA_PROTECTION"] if index % 5 == 0 else [],
    }


def _handler(items_per_region: int, page_items: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # The headers and the body go out in two writes: with Nagle's algorithm the
        # body waited for the client's delayed ACK of the headers, 40 ms a page.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # http.server's name
            length = int(self.headers.get("Content-Length", 0))
            request = json.loads(self.rfile.read(length) or b"{}")
            scope = _SCOPE.search(self.headers.get("Authorization", ""))
            region = scope.group(1) if scope else "us-east-1"
            start = int(request.get("nextToken") or 0)
            end = min(start + page_items, items_per_region)
            page: dict[str, Any] = {
                "logGroups": [log_group(region, i) for i in range(start, end)]
            }
            if end < items_per_region:
                page["nextToken"] = str(end)
            body = json.dumps(page).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: a million items make a thousand requests

    return Handler


@contextlib.contextmanager
def serve(items_per_region: int, page_items: int = 1000) -> Iterator[str]:
    """Serve on a free loopback port while the block runs; yields the URL."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), _handler(items_per_region, page_items)
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
