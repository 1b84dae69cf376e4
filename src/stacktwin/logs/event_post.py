"""When nova-api began serving neutron's ``POST /os-server-external-events``: its access line.

nova-api under eventlet writes one access line per request, after the response
(``nova.osapi_compute.wsgi.server``; nova 27.1.0 ``nova/wsgi.py:69`` names the logger and
``:171-177`` hands it to ``eventlet.wsgi.server`` with ``log_format=CONF.wsgi.wsgi_log_format``,
nova 17.0.13 ``nova/wsgi.py:184`` the same; the default format, ``nova/conf/wsgi.py:44-46``,
ends in ``time: %(wall_seconds).7f``).  eventlet starts that clock when it begins handling the
request, once a green thread has accepted the connection and read the request line
(eventlet 0.33.3 ``eventlet/wsgi.py:468`` ``start = time.time()`` in ``handle_one_response``;
``:661-668`` log the line with ``finish - start``).  So the request started at the line's
time minus ``time:``, and between that start and nova's ``Creating event`` line lie
keystonemiddleware's token validation and the instance reads (~0.5 s on the all-in-one lab,
dessertlab-queens-aio).  A connection waiting in the listen backlog is before the clock.

Under uWSGI (no eventlet) nova's own ``RequestLog`` middleware writes the line instead
(``nova.api.openstack.requestlog``; nova 27.1.0 ``nova/api/openstack/requestlog.py:39-41`` the
format, ``"POST /v2.1/…/os-server-external-events" status: 200 len: … microversion: … time:
…``, without ``HTTP/1.1``; ``:95-100`` its clock, started when the request enters the
middleware, which ``etc/nova/api-paste.ini:33`` puts before ``authtoken``, so the token
validation is inside it too).  The templates read both; only the eventlet line is in the data
sets here.

The line carries the request's id: nova's ``NovaKeystoneContext`` builds the request context
with ``RequestContext.from_environ`` (nova 27.1.0 ``nova/api/auth.py:81-90``; oslo.context
takes the id the ``request_id`` middleware put in ``openstack.request_id``) and the context
stores itself as the green thread's current one (oslo.context's ``overwrite=True`` default,
``nova/context.py:92``), which oslo.log prints on every line of that thread -- the ``Creating
event network-vif-plugged:<port> for instance <uuid>`` line
(``nova/api/openstack/compute/server_external_events.py:134``; nova 17.0.13 ``:124``) and the
access line after it.  Not always: on the Queens lab a request served at the same time in
the same worker process can leave its id on the access line (dessertlab-faults Nova/Test_244
round 2, nova-api.log: the event POST's access line, 110, carries the id of a concurrent
``GET /servers/<uuid>`` ending at 113, and the POST's own id is on the access line of a ``GET
/servers?name=…``, 105).  Such a boot gets no milestone rather than another request's start.
A POST keystonemiddleware refused (401) is logged before any context exists (``[-]``,
os-log-merger-kilo) and links to nothing; a deployment whose nova-api log has neither line
(only the web server's own access log, which has no request id) gives no milestone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from stacktwin.logs.templates import Event, Kind, order_key


def post_start(
    request_events: Mapping[str, Mapping[Kind, Sequence[Event]]], api: Event
) -> tuple[Event, float] | None:
    """The access line of the POST that created the event ``api`` (nova-api's ``Creating
    event`` line), and when nova-api began serving that POST; None without such a line.

    The access line is the first one of the request ids of ``api`` at or after ``api`` whose
    request started no later than ``api`` (it is written after the response, by the same
    process: no clock skew between the two), so a line of a later request that carries a stale
    id cannot stand in.  All the events of one POST share its start.
    """
    if api.timestamp is None:
        return None
    best: Event | None = None
    for rid in api.request_ids:
        for line in request_events.get(rid, {}).get(Kind.EVENT_REQUEST, ()):
            ts = line.timestamp
            if ts is None or line.value is None or ts < api.timestamp:
                continue
            if ts - line.value > api.timestamp:
                continue
            if best is None or order_key(line) < order_key(best):
                best = line
    if best is None or best.timestamp is None or best.value is None:
        return None
    return best, best.timestamp - best.value
