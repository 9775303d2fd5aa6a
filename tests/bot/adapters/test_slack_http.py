"""HTTP mode: only correctly signed, fresh requests reach a listener; /healthz answers."""

from __future__ import annotations

import json
import time

import pytest

from tests.bot.adapters.test_slack import AUTO, SECRET, fake, make_bot, msg, pages, tokens  # noqa: F401
from tests.fake_slack import event_body, sign


@pytest.fixture
async def bot(make_bot):  # noqa: F811
    return await make_bot()


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "v0=" + "0" * 64},
        "wrong-secret",
        "stale",
        "tampered",
    ],
    ids=["unsigned", "bad-signature", "wrong-secret", "stale-timestamp", "tampered-body"],
)
async def test_bad_signatures_get_401_and_nothing_runs(bot, pages, fake, headers):  # noqa: F811
    body = event_body(msg(AUTO, f"<{pages.base}/story>"))
    sent = body
    if headers == "wrong-secret":
        headers = sign("not-the-secret", body)
    elif headers == "stale":
        headers = sign(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    elif headers == "tampered":
        headers = sign(SECRET, body)
        sent = body.replace("story", "other")
    else:
        headers = {k: v.format(now=int(time.time())) for k, v in headers.items()}
    resp = await bot.session.post(
        bot.url, data=sent.encode(), headers={"Content-Type": "application/json", **headers}
    )
    async with resp:
        assert resp.status == 401
    await bot.settle()
    assert fake.calls == []  # not even auth.test: verification comes first
    assert pages.hits["/story"] == 0


async def test_correct_signature_is_accepted_and_runs(bot, pages, fake):  # noqa: F811
    status, _, _ = await bot.send(event_body(msg(AUTO, f"<{pages.base}/story>")))
    assert status == 200
    await bot.settle()
    assert len(fake.of("chat.postMessage")) == 1


async def test_url_verification_challenge(bot):
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    status, text, _ = await bot.send(body)
    assert status == 200 and json.loads(text)["challenge"] == "c-123"


async def test_healthz(bot):
    port = bot.adapter.http.port
    async with bot.session.get(f"http://127.0.0.1:{port}/healthz") as resp:
        assert resp.status == 200 and (await resp.json()) == {"ok": True}
