"""schemathesis hooks for scripts/check-clients.sh (loaded through schemathesis.toml).

Idempotency-Key (README: a key names one intended write; the same key with another request
is 422, with the same request a replay of the first response). A generator draws keys from a
small space ("0", "A", ...), so independent generated requests share keys and get 422 or a
replayed answer about another request, which no check can judge. Like a real client, every
request here gets a key of its own. Keys the generator made invalid (negative tests) are sent
as generated, and must still be refused with 400. Replays and key reuse are tested in
tests/api/idempotency.rs.
"""

import re
import uuid

import schemathesis

HEADER = "Idempotency-Key"
VALID_KEY = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == HEADER.lower() and isinstance(value, str) and VALID_KEY.fullmatch(value):
            headers[name] = f"st-{uuid.uuid4()}"
