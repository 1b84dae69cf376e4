"""RabbitMQ and oslo.messaging: topics, RPC servers, casts and calls with a reply timeout.

* A :class:`Topic` delivers each message to one of its consumers, round-robin, at once:
  oslo.messaging's default ``rabbit_qos_prefetch_count = 0`` lets the broker push every message
  to a consumer as it arrives, whatever that consumer's backlog (dossier §7).
* An :class:`RpcServer` is one process's oslo.messaging server: a message waits for one of
  ``executor_thread_pool_size`` executor threads (default 64), then runs its handler.
* :func:`call` sends a message and waits for the reply or ``timeout`` seconds, whichever comes
  first; no reply in time fails the reply event (``Event.fail``), which raises
  :class:`MessagingTimeout` in the caller, as oslo.messaging does.  A timed-out call's message
  is *not* withdrawn: the server still runs it later (its work is wasted load, and its late
  reply is dropped — "No calling threads waiting for msg_id").
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from stacktwin.twin.kernel import Environment, Event, ProcessGenerator, Resource

Handler = Callable[[Any], ProcessGenerator]  # called with the server's owner process


class MessagingTimeout(Exception):
    """``oslo_messaging.MessagingTimeout``: no reply within the call's timeout."""


class RpcServer:
    """An oslo.messaging RPC server: a bounded executor in front of the handlers."""

    __slots__ = ("env", "executor", "latency", "name", "owner")

    def __init__(
        self, env: Environment, name: str, threads: int, latency: float, owner: Any = None
    ) -> None:
        self.env = env
        self.owner = owner
        self.name = name
        self.executor = Resource(env, threads, name=f"{name}.executor")
        self.latency = latency

    def deliver(self, message: tuple[Handler, Event | None]) -> None:
        """A message arrives from the broker."""
        self.env.process(self._run(message[0], message[1]))

    def _run(self, handler: Handler, reply: Event | None) -> ProcessGenerator:
        executor = self.executor  # request/release rather than `with`: one per RPC message
        req = executor.request()
        if not req.triggered:
            yield req
        result = yield from handler(self.owner)
        executor.release(req)
        if reply is not None and not reply.triggered:  # else the caller gave up waiting
            self.env.schedule(self.latency, _answer, (reply, result))


class Topic:
    """A RabbitMQ queue consumed by several RPC servers, round-robin."""

    __slots__ = ("_next", "consumers", "env", "latency", "name", "published")

    def __init__(self, env: Environment, name: str, latency: float) -> None:
        self.env = env
        self.name = name
        self.latency = latency
        self.consumers: list[RpcServer] = []
        self.published = 0
        self._next = 0

    def publish(self, handler: Handler, reply: Event | None = None) -> None:
        """Send a message (a cast when ``reply`` is None)."""
        if not self.consumers:
            raise RuntimeError(f"topic {self.name} has no consumer")
        server = self.consumers[self._next % len(self.consumers)]
        self._next += 1
        self.published += 1
        self.env.schedule(self.latency, server.deliver, (handler, reply))


def call(
    env: Environment, topic: Topic, handler: Handler, timeout: float
) -> Generator[Event, Any, Any]:
    """RPC call: the handler's return value; :class:`MessagingTimeout` after ``timeout`` s.

    The reply is one event with a deadline: if the server has not answered by then, the
    deadline fails it and the kernel raises the failure in the caller, at its ``yield``.
    """
    reply = Event(env)
    env.schedule(timeout, _deadline, (reply, topic.name, timeout))
    topic.publish(handler, reply)
    return (yield reply)


def _answer(answer: tuple[Event, Any]) -> None:
    reply, result = answer
    if not reply.triggered:  # else the deadline came first: "No calling threads waiting"
        reply.succeed(result)


def _deadline(call: tuple[Event, str, float]) -> None:
    reply, topic, timeout = call
    if not reply.triggered:  # else the reply came first
        reply.fail(MessagingTimeout(f"no reply on {topic} within {timeout:g} s"))
