"""The HTTP API against its own OpenAPI description: schemathesis, every check, in-process over ASGI.

Each operation gets MBCBOT_SCHEMATHESIS_EXAMPLES generated requests (default 50) besides schemathesis's
coverage cases, valid and invalid alike, drawn the same way every run (derandomized, no example
database), so a red build is reproducible. Every built-in check runs: no 5xx, status codes, content
types, headers and bodies as documented, invalid data refused, valid data accepted, methods not allowed,
and a bound on response time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("schemathesis")
import schemathesis
from schemathesis import Case
from schemathesis.config import SchemathesisConfig

from knowledge_edits import real_knowledge
from mbcbot.bot import Bot
from mbcbot.web.app import create_app
from mbcbot.web.settings import WebSettings

EXAMPLES = int(os.environ.get("MBCBOT_SCHEMATHESIS_EXAMPLES", "") or 50)  # per operation; raise it for a longer run
# Seconds per response: generous, as in test_hostile.py, so a busy machine does not fail it (a reply takes about 1 ms).
# A body over MBCBOT_MAX_BODY_BYTES is refused with 413 before it is read, so 413 rejects invalid data too.
CONFIG = f"""
[generation]
max-examples = {EXAMPLES}
deterministic = true
database = "none"

[checks]
max_response_time = 2.0

[checks.negative_data_rejection]
expected-statuses = ["400", "405", "413", "415", "422", "429"]
"""

# The schema is read when this module is collected, before any fixture runs, so the knowledge is loaded
# straight from the checkout (no cache), as the knowledge tests load it.
knowledge = real_knowledge()
if knowledge is None:
    pytest.skip("the knowledge does not load: see tests/test_knowledge.py", allow_module_level=True)
app = create_app(Bot(knowledge, "911"), WebSettings(secret="schemathesis-secret", rate_per_minute=0))
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=SchemathesisConfig.from_str(CONFIG))
Test = Callable[[Case[Any]], None]
each_operation: Callable[[Test], Test] = schema.parametrize()  # one test per operation in the description


@each_operation
def test_the_api_keeps_to_its_openapi_description(case: Case[Any]) -> None:
    case.call_and_validate()
