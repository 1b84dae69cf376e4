"""RabbitMQ and oslo.messaging: the broker's queues, RPC servers, casts and calls.

* The :class:`Broker` is the RabbitMQ node: each queue is one Erlang process, so it serves its
  messages one at a time, first in first out, ``rabbit_message`` seconds each (× a service-time
  factor), on one of the node's ``rabbit_cores`` cores, shared by all queues (dossier §3.1,
  [W31]).  A message leaves its queue when both its queue and a core are free.  As a FIFO single
  server, the departure of each message follows from the one before it (Lindley's recursion:
  ``start = max(arrival, queue free, earliest core free)``), so the broker needs no event of its
  own: :meth:`Broker.route` returns the delay, and the delivery is scheduled once.  Cores are
  given in arrival order without pre-emption (Erlang's scheduler time-slices: an
  approximation that matters only when more queues are busy than there are cores).
* A :class:`Topic` is a named queue (``q-plugin``, ``q-reports-plugin``) that delivers each
  message to one of its consumers, round-robin, as soon as the broker has routed it:
  oslo.messaging's default ``rabbit_qos_prefetch_count = 0`` lets the broker push every message
  to a consumer as it arrives, whatever that consumer's backlog, and the consumer acknowledges it
  on receipt, before dispatch (oslo.messaging 14.2.4 ``_drivers/amqpdriver.py:395-426``,
  ``_drivers/impl_rabbit.py:1085-1087``; dossier §3.2) — so the broker's queue stays short and
  the backlog of an overloaded server waits in its executor, in the process.
* An :class:`RpcServer` is one process's oslo.messaging server: a message waits for one of
  ``executor_thread_pool_size`` executor threads (default 64), then runs its handler; the
  thread then sends the reply (``rpc/server.py:152-177``) on a connection of the process's
  pool of ``rpc_conn_pool_size`` (default 30): it holds the connection ``rabbit_send`` seconds,
  and when all are taken it blocks ("Connection pool limit exceeded", ``_drivers/pool.py:72-94``).
  The reply passes the broker on the caller's ``reply_<uuid>`` queue: one per calling process,
  which holds at most that process's outstanding calls, so only the broker's cores are charged
  for it (no per-queue FIFO).
* :func:`call` sends a message and waits for the reply or ``timeout`` seconds, whichever comes
  first; no reply in time fails the reply event (``Event.fail``), which raises
  :class:`MessagingTimeout` in the caller, as oslo.messaging does.  A timed-out call's message
  is *not* withdrawn: the server still runs it later (its work is wasted load, and its late
  reply is dropped — "No calling threads waiting for msg_id").
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Generator
from heapq import heapreplace
from typing import Any

from stacktwin.twin.kernel import Environment, Event, ProcessGenerator, Resource, Timeout
from stacktwin.twin.variates import Factors

Handler = Callable[[Any], ProcessGenerator]  # called with the server's owner process
LIMIT_EXCEEDED = "rabbit.conn_pool_limit_exceeded"
"""The counter of "Connection pool limit exceeded" warnings (a sender that had to wait)."""


class MessagingTimeout(Exception):
    """``oslo_messaging.MessagingTimeout``: no reply within the call's timeout."""


class BrokerQueue:
    """One RabbitMQ queue: its Erlang process's FIFO and what it measured."""

    __slots__ = ("_in_queue", "busy", "fifo", "free_at", "messages", "name", "peak", "sojourn")

    def __init__(self, name: str, fifo: bool = True) -> None:
        self.name = name
        self.fifo = fifo  # False: the reply queues, charged to the cores only
        self.free_at = 0.0
        self.messages = 0
        self.busy = 0.0  # seconds of service
        self.sojourn = 0.0  # seconds messages spent in the broker (wait + service)
        self.peak = 0
        self._in_queue: deque[float] = deque()  # departure times of messages still inside

    def depth(self, now: float) -> int:
        """Messages in the queue now (waiting or being served)."""
        inside = self._in_queue
        while inside and inside[0] <= now:
            inside.popleft()
        return len(inside)


class Broker:
    """The RabbitMQ node: its cores, shared by its queues."""

    __slots__ = ("_cores", "_factor", "cores", "counters", "env", "latency", "message", "queues")

    def __init__(
        self,
        env: Environment,
        cores: int,
        message: float,
        latency: float,
        factors: Factors,
        counters: Counter[str],
    ) -> None:
        self.env = env
        self.cores = cores
        self.message = message
        self.latency = latency
        self._factor = factors
        self.counters = counters
        self._cores = [0.0] * cores  # a heap: when each core is next free
        self.queues: dict[str, BrokerQueue] = {}

    def queue(self, name: str, fifo: bool = True) -> BrokerQueue:
        """The queue ``name`` (declared on first use, as oslo.messaging declares its queues)."""
        queue = self.queues.get(name)
        if queue is None:
            queue = self.queues[name] = BrokerQueue(name, fifo)
        return queue

    def route(self, queue: BrokerQueue) -> float:
        """A message published now into ``queue``: the seconds until its consumer has it."""
        now = self.env.now
        cost = self.message * self._factor()
        cores = self._cores
        start = cores[0]
        if queue.fifo and queue.free_at > start:
            start = queue.free_at
        if now > start:
            start = now
        done = start + cost
        heapreplace(cores, done)
        queue.free_at = done
        queue.messages += 1
        queue.busy += cost
        queue.sojourn += done - now
        inside = queue._in_queue
        while inside and inside[0] <= now:
            inside.popleft()
        inside.append(done)
        if len(inside) > queue.peak:
            queue.peak = len(inside)
        return done - now


class RpcServer:
    """An oslo.messaging RPC server: a bounded executor in front of the handlers."""

    __slots__ = ("conn_pool", "env", "executor", "latency", "name", "owner")

    def __init__(
        self, env: Environment, name: str, threads: int, latency: float, owner: Any = None
    ) -> None:
        self.env = env
        self.owner = owner
        self.name = name
        self.executor = Resource(env, threads, name=f"{name}.executor")
        self.latency = latency
        #: the process's broker connections for sending (made at the first reply: oslo's pool
        #: opens connections on demand); see :meth:`Topic.publish`
        self.conn_pool: Resource | None = None

    def deliver(self, message: tuple[Handler, Event | None, Topic]) -> None:
        """A message arrives from the broker (acknowledged on receipt)."""
        self.env.process(self._run(message[0], message[1], message[2]))

    def _run(self, handler: Handler, reply: Event | None, topic: Topic) -> ProcessGenerator:
        executor = self.executor  # request/release rather than `with`: one per RPC message
        req = executor.request()
        if not req.triggered:
            yield req
        result = yield from handler(self.owner)
        if reply is not None:  # sent even to a caller that gave up: it logs "No calling threads"
            broker = topic.broker
            pool = self.conn_pool
            if pool is None:
                pool = self.conn_pool = Resource(self.env, topic.pool_size, f"{self.name}.conns")
            conn = pool.request()
            send = topic.send
            if conn.triggered:  # the hot path: the thread sends, then is free again
                self.env.schedule(send, pool.release, conn)
                self.env.schedule(send, executor.release, req)
            else:
                broker.counters[LIMIT_EXCEEDED] += 1  # the thread waits for a connection
                yield conn
                yield Timeout(send)
                pool.release(conn)
                executor.release(req)
            delay = send + broker.route(topic.replies) + self.latency
            self.env.schedule(delay, _answer, (reply, result))
        else:
            executor.release(req)


class Topic:
    """A RabbitMQ queue consumed by several RPC servers, round-robin."""

    __slots__ = (
        "_next",
        "broker",
        "consumers",
        "env",
        "name",
        "pool_size",
        "published",
        "queue",
        "replies",
        "send",
    )

    def __init__(self, broker: Broker, name: str, pool_size: int, send: float) -> None:
        """``pool_size`` and ``send``: the consumers' ``rpc_conn_pool_size`` and the seconds a
        reply holds a connection."""
        self.env = broker.env
        self.broker = broker
        self.name = name
        self.queue = broker.queue(name)
        self.replies = broker.queue("reply_*", fifo=False)
        self.pool_size = pool_size
        self.send = send
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
        delay = self.broker.route(self.queue) + self.broker.latency
        self.env.schedule(delay, server.deliver, (handler, reply, self))


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
