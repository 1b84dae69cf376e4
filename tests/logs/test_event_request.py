"""nova-api's access line of neutron's event POST: the ``event_request`` milestone.

The templates read every variant of the line the real data has (Queens ``/v2.1/``, Kilo
``/v2/`` with ``[req-… None]``, 200/207/4xx/5xx); the correlator dates each port's request by
the access line sharing the request id of its ``Creating event`` line, and nothing else.
"""

from __future__ import annotations

import calendar
from pathlib import Path

import pytest

from stacktwin.boots import HOPS, STOP_POINTS, Milestone
from stacktwin.logs import trace
from stacktwin.logs.envelope import parse_line
from stacktwin.logs.templates import ANCHORS, Event, Kind, match

WSGI = "nova.osapi_compute.wsgi.server"
PROJECT = "e80c8f8d9a994fdcb38348700180bb81"
QUEENS = (
    "2018-06-26 06:22:11.409 16798 INFO nova.osapi_compute.wsgi.server "
    "[req-f7070d6f-7b62-4ac6-aeb3-1b8b3c19d36b 93bfd8b1f70f480497cd048b58749d5a "
    f'{PROJECT} - default default] 10.0.20.24 "POST /v2.1/{PROJECT}/os-server-external-events '
    'HTTP/1.1" status: 200 len: 578 time: 0.6858461'
)
KILO = (
    "2015-11-12 13:16:14.558 16480 INFO nova.osapi_compute.wsgi.server "
    "[req-97122807-c12c-4b4e-baa6-50a925a30a51 None] 10.211.55.142 "
    '"POST /v2/d8198f0b982742d0825018545be88282/os-server-external-events HTTP/1.1" '
    "status: 200 len: 380 time: 0.0671470"
)


def _events(line: str) -> list[Event]:
    # The scanner only hands lines holding an anchor to the templates.
    assert any(a.decode() in line for a in ANCHORS), line
    return match(parse_line(line), "nova-api.log:7")


def test_queens_and_kilo_access_lines() -> None:
    (queens,) = _events(QUEENS)
    assert (queens.kind, queens.value, queens.text) == (Kind.EVENT_REQUEST, 0.6858461, "200")
    assert queens.request_ids == ("req-f7070d6f-7b62-4ac6-aeb3-1b8b3c19d36b",)
    assert queens.instance is None and queens.port is None
    (kilo,) = _events(KILO)
    assert (kilo.kind, kilo.value) == (Kind.EVENT_REQUEST, 0.0671470)
    assert kilo.request_ids == ("req-97122807-c12c-4b4e-baa6-50a925a30a51",)


def test_uwsgi_requestlog_line() -> None:
    """Under uWSGI nova's RequestLog middleware writes it: no ``HTTP/1.1``, a microversion
    (nova 27.1.0 nova/api/openstack/requestlog.py:39-41)."""
    line = (
        "2024-05-01 10:00:01.250 41 INFO nova.api.openstack.requestlog "
        "[req-8d5c8c5e-1f0e-4c3e-9d7a-3f2b1a0c9e11 u1 p1 - default default] 10.0.0.5 "
        '"POST /v2.1/os-server-external-events" status: 200 len: 183 microversion: 2.1 '
        "time: 0.043210"
    )
    (event,) = _events(line)
    assert (event.kind, event.value, event.text) == (Kind.EVENT_REQUEST, 0.04321, "200")
    assert event.request_ids == ("req-8d5c8c5e-1f0e-4c3e-9d7a-3f2b1a0c9e11",)


@pytest.mark.parametrize("status", ["207", "404", "401", "500"])
def test_every_status_is_a_request(status: str) -> None:
    (event,) = _events(QUEENS.replace("status: 200", f"status: {status}"))
    assert (event.kind, event.text, event.value) == (Kind.EVENT_REQUEST, status, 0.6858461)


def test_no_project_in_the_path_and_no_context() -> None:
    (bare,) = _events(QUEENS.replace(f"/v2.1/{PROJECT}/", "/v2.1/"))
    assert bare.kind is Kind.EVENT_REQUEST
    # keystonemiddleware refused it before any context: no request id to link by
    refused = QUEENS.split(" [", 1)[0] + " [-]" + QUEENS.split("default default]", 1)[1]
    (event,) = _events(refused)
    assert event.kind is Kind.EVENT_REQUEST and event.request_ids == ()


@pytest.mark.parametrize(
    "bad", ["nan", "-0.5", "1e3", "abc", "0.68x", "", "1234567890123.5", "0.5.1"]
)
def test_bad_time_gives_no_event(bad: str) -> None:
    assert _events(QUEENS.replace("time: 0.6858461", f"time: {bad}")) == []


def test_other_requests_are_not_the_event_post() -> None:
    get = QUEENS.replace('"POST', '"GET')
    assert [e.kind for e in match(parse_line(get), "f:1")] == []
    # neutron's own DEBUG line of the same POST (keystoneclient's curl) is not nova-api's
    curl = (
        "2015-11-12 13:16:14.489 31099 DEBUG keystoneclient.session [-] REQ: curl -g -i -X POST "
        "http://10.211.55.142:8774/v2/d8198f0b982742d0825018545be88282/os-server-external-events "
        '-H "User-Agent: python-novaclient"'
    )
    assert match(parse_line(curl), "f:1") == []


def test_the_milestone_sits_inside_the_nova_api_hop() -> None:
    order = list(Milestone)
    assert order.index(Milestone.EVENT_SENT) + 1 == order.index(Milestone.EVENT_REQUEST)
    assert order.index(Milestone.EVENT_REQUEST) + 1 == order.index(Milestone.EVENT_API)
    (hop,) = [h for h in HOPS if h.name == "nova_api"]
    assert (hop.start, hop.end) == (Milestone.EVENT_SENT, Milestone.EVENT_API)
    assert Milestone.EVENT_REQUEST not in {m for m, _, _ in STOP_POINTS}


# -- correlation on a small synthetic log pair --------------------------------------------------

DAY = "2024-03-01"
X, Y = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
PX1, PX2 = "a1a1a1a1-1111-4111-8111-111111111111", "a2a2a2a2-2222-4222-8222-222222222222"
PY = "b1b1b1b1-3333-4333-8333-333333333333"
RX, RY = "req-0000000a-0000-4000-8000-00000000000a", "req-0000000b-0000-4000-8000-00000000000b"
EV1 = "req-000000e1-0000-4000-8000-0000000000e1"  # the POST of both of X's events
EV2 = "req-000000e2-0000-4000-8000-0000000000e2"  # Y's POST: its access line carries EV3
EV3 = "req-000000e3-0000-4000-8000-0000000000e3"


def _l(t: str, logger: str, rid: str, msg: str, inst: str | None = None) -> str:
    where = f"[instance: {inst}] " if inst else ""
    return f"{DAY} {t} 100 INFO {logger} [{rid} u1 p1 - default default] {where}{msg}\n"


def _access(t: str, rid: str, seconds: str, status: str = "200") -> str:
    line = f'10.0.0.9 "POST /v2.1/p1/os-server-external-events HTTP/1.1" status: {status}'
    return _l(t, WSGI, rid, f"{line} len: 578 time: {seconds}")


def _created(t: str, rid: str, port: str, inst: str) -> str:
    ev = "nova.api.openstack.compute.server_external_events"
    return _l(t, ev, rid, f"Creating event network-vif-plugged:{port} for instance {inst} on c1")


def _compute(inst: str, rid: str, ports: list[str], start: int) -> list[str]:
    mgr = "nova.compute.manager"
    out = [_l(f"10:0{start}:05.000", mgr, rid, "Starting instance... _do_build", inst)]
    for port in ports:
        wait = f"Preparing to wait for external event network-vif-plugged-{port} prepare"
        out.append(_l(f"10:0{start}:10.000", mgr, rid, wait, inst))
        got = f"Received event network-vif-plugged-{port} external_instance_event"
        out.append(_l(f"10:0{start}:30.000", mgr, rid, got, inst))
    out.append(_l(f"10:0{start}:31.000", mgr, rid, "Instance spawned successfully.", inst))
    out.append(_l(f"10:0{start}:32.000", mgr, rid, "Took 27.0 seconds to build instance.", inst))
    return out


def _write(root: Path, api: list[str]) -> Path:
    files = {
        "ctl/nova/nova-api.log": "".join(api),
        "c1/nova/nova-compute.log": "".join(
            _compute(X, RX, [PX1, PX2], 0) + _compute(Y, RY, [PY], 2)
        ),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _t(hms: str) -> float:
    h, m, s = hms.split(":")
    return calendar.timegm((2024, 3, 1, int(h), int(m), 0, 0, 0, 0)) + float(s)


def _api_log(y_access: str) -> list[str]:
    return [
        _created("10:00:20.600", EV1, PX1, X),
        _created("10:00:20.700", EV1, PX2, X),
        _access("10:00:20.900", EV1, "0.7500000"),  # started at 20.150
        _created("10:02:20.400", EV2, PY, Y),
        y_access,
    ]


def test_one_post_dates_all_its_ports_and_only_by_request_id(tmp_path: Path) -> None:
    # Y's POST's access line carries another request's id (a concurrent request in the same
    # worker, as on the Queens lab): Y gets no start rather than a wrong one
    api = _api_log(_access("10:02:20.800", EV3, "0.5000000"))
    x, y = trace([_write(tmp_path, api)]).boots
    assert (x.instance, y.instance) == (X, Y)
    assert x.milestones["event_request"] == pytest.approx(_t("10:00:20.150"))
    assert x.milestones["event_api"] == _t("10:00:20.700")
    assert x.sources["event_request"].endswith("ctl/nova/nova-api.log:3")
    assert "event_request" not in y.milestones
    assert "event_api" in y.milestones


def test_the_access_line_of_the_request_id_dates_it(tmp_path: Path) -> None:
    api = _api_log(_access("10:02:21.000", EV2, "1.2500000", status="500"))
    _, y = trace([_write(tmp_path, api)]).boots
    assert y.milestones["event_request"] == pytest.approx(_t("10:02:19.750"))


def test_an_access_line_of_a_request_started_after_the_event_is_not_its_post(
    tmp_path: Path,
) -> None:
    # the id reappears on a later line whose request began after "Creating event": not the POST
    api = _api_log(_access("10:02:21.000", EV2, "0.3000000"))
    _, y = trace([_write(tmp_path, api)]).boots
    assert "event_request" not in y.milestones
    # and an access line before the event line is not the POST's (written after its response)
    api = [*_api_log(_access("10:02:20.300", EV2, "0.2000000"))]
    _, y = trace([_write(tmp_path, api)]).boots
    assert "event_request" not in y.milestones


def test_a_port_without_its_posts_access_line_leaves_the_boot_without_it(tmp_path: Path) -> None:
    # X's two events in two POSTs, the second's access line missing (cut log): the boot's
    # milestone is the last port's, unknown, so absent; never the first port's alone
    api = [
        _created("10:00:20.600", EV1, PX1, X),
        _access("10:00:20.900", EV1, "0.7500000"),
        _created("10:00:21.600", EV3, PX2, X),
    ]
    x, _ = trace([_write(tmp_path, api)]).boots
    assert "event_request" not in x.milestones and "event_api" in x.milestones


# -- the real logs -----------------------------------------------------------------------------


def test_real_aio_boots_get_their_request_start(real_logs: Path) -> None:
    """Hand-checked: Nova/Test_2 round 2 (port 70454f4c), ``Sending events`` 06:22:13.741,
    the access line of req-40ddf44f at 06:22:15.354 with ``time: 0.6103730``, ``Creating
    event`` 06:22:15.290."""
    result = trace([real_logs / "dessertlab-queens-aio"])
    assert len(result.boots) == 6
    for boot in result.boots:
        ms = boot.milestones
        assert ms["event_sent"] < ms["event_request"] < ms["event_api"], boot.instance
    (boot,) = [b for b in result.boots if b.instance.startswith("e9f7c3e3")]
    start = calendar.timegm((2018, 6, 26, 6, 22, 0, 0, 0, 0)) + 15.354 - 0.6103730
    assert boot.milestones["event_request"] == pytest.approx(start)
    assert boot.sources["event_request"].endswith("round_2/nova/nova-api.log.bzip2.out:96")


def test_real_access_line_with_another_requests_id_gives_no_start(real_logs: Path) -> None:
    """dessertlab-faults Nova/Test_244 round 2: the event POST's access line carries the id of
    a concurrent GET served by the same worker; the boot keeps event_api, not event_request."""
    result = trace([real_logs / "dessertlab-faults" / "Nova" / "Test_244" / "logs" / "round_2"])
    (boot,) = [b for b in result.boots if b.instance.startswith("41fec907")]
    assert "event_api" in boot.milestones and "event_request" not in boot.milestones
