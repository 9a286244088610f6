"""Calls run side by side in spawned processes, where the first failure stops the rest.

`concurrent.futures.ProcessPoolExecutor` raises a failure only once its pool shuts down,
and that waits for every other call to finish: a rebuild whose first replay process
failed at once would report it only after the other had replayed its whole share.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from shared.kit.loop import task_group

A = TypeVar("A")
R = TypeVar("R")


class ProcessDiedError(RuntimeError):
    """A process ended without answering (killed, or out of memory)."""


class RemoteTraceback(Exception):
    """Where a call failed in its process: the cause of the exception raised here."""


async def each_in_a_process(call: Callable[[A], R], arguments: Sequence[A]) -> list[R]:
    """`call(a)` for each of `arguments`, each in a process of its own, the results in
    their order. The first failure terminates the other processes and is raised here."""
    spawn = multiprocessing.get_context("spawn")  # no copy of this process's event loop
    running: list[tuple[BaseProcess, Connection]] = []
    try:
        for argument in arguments:
            answers, answer = spawn.Pipe(duplex=False)
            process = spawn.Process(target=_answer, args=(call, argument, answer), daemon=True)
            process.start()
            answer.close()  # the child holds its own end: end of file here means it died
            running.append((process, answers))
        # The first failure cancels the other waits, then ends the other processes.
        async with task_group() as group:
            waits = [group.create_task(_outcome(*r)) for r in running]
        return [wait.result() for wait in waits]
    finally:
        for child, answers in running:
            child.terminate()  # nothing once it answered and exited
            child.join()
            answers.close()  # no wait reads it any more: the task group ended them all


def _answer(call: Callable[[Any], Any], argument: Any, answer: Connection) -> None:
    """In the child: send back ("done", result) or ("failed", exception, traceback)."""
    try:
        outcome: tuple[Any, ...] = ("done", call(argument))
    except BaseException as exc:
        outcome = ("failed", _portable(exc), traceback.format_exc())
    answer.send(outcome)


def _portable(exc: BaseException) -> BaseException:
    """`exc`, or its text where it would not survive the trip (some exceptions pickle
    but cannot be rebuilt from their arguments)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


async def _outcome(process: BaseProcess, answers: Connection) -> Any:
    """The child's answer, awaited on the event loop: a pipe is readable once the child
    has written its answer (small: read at once) or ended."""
    loop = asyncio.get_running_loop()
    readable: asyncio.Future[None] = loop.create_future()

    def ready() -> None:
        if not readable.done():
            readable.set_result(None)

    loop.add_reader(answers.fileno(), ready)
    try:
        await readable
    finally:
        loop.remove_reader(answers.fileno())
    try:
        kind, *value = answers.recv()
    except EOFError:
        await asyncio.to_thread(process.join)
        raise ProcessDiedError(f"{process.name} exited with {process.exitcode}") from None
    if kind == "failed":
        exc, remote = value
        raise exc from RemoteTraceback(remote)
    return value[0]
