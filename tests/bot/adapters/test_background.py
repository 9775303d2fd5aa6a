import asyncio

from bot.adapters.background import BackgroundTasks
from bot.logs import REQUEST_ID


async def test_each_task_gets_its_own_request_id_and_drain_cuts_off_slow_work():
    tasks = BackgroundTasks("test")
    seen: list[str] = []
    cancelled = asyncio.Event()

    async def quick():
        seen.append(REQUEST_ID.get())

    async def slow():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    tasks.spawn(quick())
    tasks.spawn(quick())
    tasks.spawn(slow())
    await asyncio.sleep(0.05)
    assert len(seen) == 2 and seen[0] != seen[1] and "-" not in seen
    assert REQUEST_ID.get() == "-"  # the caller's context is untouched
    await tasks.drain(0.1)
    assert cancelled.is_set() and len(tasks) == 0
    tasks.spawn(quick())  # after shutdown began: refused, never run
    await asyncio.sleep(0)
    assert len(seen) == 2 and len(tasks) == 0
