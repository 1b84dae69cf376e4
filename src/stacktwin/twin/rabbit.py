"""RabbitMQ and oslo.messaging: the broker's queues, RPC servers, casts and calls.

* The :class:`Broker` is the RabbitMQ node: each queue is one Erlang process, so it serves its
  messages one at a time, first in first out, ``rabbit_message`` seconds each (× a service-time
  factor), on one of the node's ``rabbit_cores`` cores, shared by all queues (dossier §3.1,
  [W31]).  A message leaves its queue when both its queue and a core are free.  As a FIFO single
  server, the departure of each message follows from the one before it (Lindley's recursion:
  ``start = max(arrival, queue free, earliest core free)``), so the broker needs no event of its
  own: :meth:`Broker.route` returns the delay, and the delivery is scheduled once.  Cores are
  given in arrival order without pre-emption, a busy queue's next message to the core that
  is free latest but by the time the queue is (so with at least as many cores as busy queues
  each queue is exactly its own M/G/1; Erlang's scheduler time-slices, so with fewer cores
  than busy queues this is an approximation).
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
from heapq import heapify, heapreplace
from typing import Any

from stacktwin.twin.kernel import (
    Deadlines,
    DeadlinesByDelay,
    Environment,
    Event,
    ProcessGenerator,
    Resource,
    Timeout,
)
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

    __slots__ = (
        "_cores",
        "_deadlines",
        "_factor",
        "cores",
        "counters",
        "env",
        "latency",
        "message",
        "queues",
    )

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
        #: the callers' reply timers, one set per timeout length (:func:`call`)
        self._deadlines: DeadlinesByDelay[tuple[Event, str, float]] = DeadlinesByDelay(
            self.env, _deadline
        )

    def deadlines(self, timeout: float) -> Deadlines[tuple[Event, str, float]]:
        """The timers of the RPC calls that wait ``timeout`` seconds for their reply."""
        return self._deadlines(timeout)

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
        if now > start:
            start = now
        queue.messages += 1
        queue.busy += cost
        if queue.fifo:
            free = queue.free_at
            if free > start:  # the queue is busy: its next message starts when it is free
                start = free
                # on the core free latest but by then (best fit), so that a core is not held
                # idle for this queue while another queue's message could use it
                best = max(c for c in cores if c <= free)
                done = queue.free_at = start + cost
                cores[cores.index(best)] = done
                heapify(cores)
                queue.sojourn += done - now
                self._inside(queue, now, done)
                return done - now
            done = queue.free_at = start + cost
            self._inside(queue, now, done)
        else:  # a reply queue: its depth is the caller's outstanding calls, not tracked
            done = start + cost
        heapreplace(cores, done)
        queue.sojourn += done - now
        return done - now

    @staticmethod
    def _inside(queue: BrokerQueue, now: float, done: float) -> None:
        inside = queue._in_queue
        while inside and inside[0] <= now:
            inside.popleft()
        inside.append(done)
        if len(inside) > queue.peak:
            queue.peak = len(inside)


class ConnectionPool:
    """A process's ``rpc_conn_pool_size`` broker connections for sending (``_drivers/pool.py``).

    Each send holds a connection for the same ``hold`` seconds, so the pool is a c-server FIFO
    whose departures follow from the arrivals (as :meth:`Broker.route`): :meth:`acquire` says
    how long the sender waits (0 when a connection is free), with no event of its own.
    ``Pool.get`` waits on a condition variable, woken in turn as connections come back.
    """

    __slots__ = ("_free", "hold", "max_wait", "sends", "size", "waits")

    def __init__(self, size: int, hold: float) -> None:
        self.size = size
        self.hold = hold
        self._free = [0.0] * size  # a heap: when each connection is next free
        self.sends = 0  # each holds a connection ``hold`` s
        self.waits = 0  # "Connection pool limit exceeded"
        self.max_wait = 0.0

    def acquire(self, now: float) -> float:
        """A send starts now: the seconds it waits for a connection."""
        free = self._free
        self.sends += 1
        start = free[0]
        if start <= now:  # a connection is free: the hot path
            heapreplace(free, now + self.hold)
            return 0.0
        heapreplace(free, start + self.hold)
        wait = start - now
        self.waits += 1
        if wait > self.max_wait:
            self.max_wait = wait
        return wait


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
        #: the process's broker connections for sending (made at the first reply, as oslo's
        #: pool opens connections on demand; sized by the topic's ``pool_size``)
        self.conn_pool: ConnectionPool | None = None

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
            pool = self.conn_pool
            if pool is None:
                pool = self.conn_pool = ConnectionPool(topic.pool_size, topic.send)
            wait = pool.acquire(self.env.now)
            if wait:  # "Connection pool limit exceeded": the executor thread blocks
                topic.broker.counters[LIMIT_EXCEEDED] += 1
                yield Timeout(wait)
            # the send itself (pool.hold) delays the reply but is not held on the thread
            # (simplification: one event less per RPC call)
            executor.release(req)
            delay = pool.hold + topic.broker.route(topic.replies) + self.latency
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

    The reply is one event with a deadline (:class:`~stacktwin.twin.kernel.Deadlines`: the
    calls' timers of one length share one kernel entry): if the server has not answered by
    then, the deadline fails it and the kernel raises the failure in the caller, at its
    ``yield``.
    """
    reply = Event(env)
    topic.broker.deadlines(timeout).start(reply, (reply, topic.name, timeout))
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
