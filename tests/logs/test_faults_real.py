"""The ten labelled fault-injection tests of ``dessertlab-faults``, hand-checked.

Paths are relative to ``dessertlab-faults/<Test>/logs/``; every file is the plain-text
``*.log.bzip2.out``.  What the lines say (read by hand):

* Nova/Test_18 r1, ``04d3eb91``: POST nova-api:69 (202); compute:129 ``Starting instance``;
  compute:131 ``Unexpected build failure, not rescheduling build.: AttributeError: 'NoneType'
  object has no attribute 'to_dict'`` -- raised by the ``create.start`` notification, before
  the claim: phase ``build``.  The workload sees ``vm_state error``.
* Nova/Test_29 r1, ``0a1cd93a``: spawned (compute:349 ``Instance spawned successfully``,
  compute:350 ``Took 14.80 seconds to spawn``), then compute:357 ``Unexpected build failure …
  AttributeError: … 'elevated'`` from ``_update_scheduler_instance_info``: phase
  ``after_spawn``, ERROR, no chain stop (the chain completed).
* Nova/Test_66 r1, ``b794c736``: POST nova-api:63 (202, request ``req-afd167b5``); conductor:1
  ``Failed to schedule instances: AttributeError: …`` carries only the request id; conductor:33
  ``[instance: b794c736] Setting instance to ERROR state.`` links it.  Never on a compute host.
* Nova/Test_90: r1's POST nova-api:109 answered 500 (no boot, one rejected request).  r2,
  ``57daa836``: compute:283 ``Preparing to wait``; the spawn fails with a libvirtError whose
  localised text breaks logging (no ``Instance failed to spawn`` line); compute:375
  ``Terminating instance`` is nova's cleanup (no ``DELETE /servers`` in nova-api); compute:412
  ``Unexpected build failure … UnicodeDecodeError``: ERROR in phase ``spawn``, not deleted.
* Nova/Test_244 r1, ``39a10337``: compute:343 ``Preparing to wait``; compute:418 ``Instance
  failed to spawn: Exception``; compute:434 ``Terminating instance`` (cleanup, whose
  ``cleanup()`` raises again); compute:480 the localised ``BuildAbortException`` closes it.
* Nova/Test_339 r1, ``bc35d58b``: no domain is created (no ``Preparing to wait``); compute:267
  ``Fixed interval looping call '…_wait_for_boot' failed: InstanceNotFound: …``; compute:281
  ``Terminating instance``; compute:327 ``Instance disappeared during build.`` (DEBUG): nova
  never sets ERROR here (the workload sees ``vm_state building``), but the build failed.
* Nova/Test_401 r1, ``b1e09695``: server:708 ``Sending events`` for port ``bc8e2122``;
  server:723 ``Failed to notify nova on events: …: ClientException`` (nova-api:212 answered the
  POST with 500); r2 compute:118 the 300 s timeout; r2 compute:213 the abort.
* Neutron/Test_20 r1, ``7b5ae779``: compute:284 ``Preparing to wait``; compute:454 ``Instance
  failed to spawn: libvirtError: operation failed: domain 'instance-00000004' already exists``
  (a stale domain); compute:535 ``re-scheduled``; conductor:45 ``No valid host was found``,
  conductor:71 ``Setting instance to ERROR state.: NoValidHost_Remote: …`` ends the boot.
* Neutron/Test_63 r1, ``75115401``: server:581 ``Transition to ACTIVE for port object 7dee34e3
  … until provisioned by entity DHCP``; server:679 ``Device … up``, server:680 ``Provisioning …
  completed by entity L2`` and never ``Provisioning complete``: the port never goes ACTIVE;
  r2 compute:77 the timeout, r2 compute:169 the abort.
* Neutron/Test_97 r1, ``a9f403e8``: compute:182 port bound 09:01:37.321, r2 server:30 ``Device
  … up`` 09:04:53.969 (196.648 s); ``Took 210.07 seconds to build instance`` r2 compute:19.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stacktwin.logs import trace

FAULTS = "dessertlab-faults"

#: instance -> (outcome, reason key, phase, chain stop), as the logs show them.
EXPECTED: dict[str, dict[str, tuple[str, str | None, str | None, str | None]]] = {
    "Nova/Test_18": {
        "04d3eb91-f4dd-4d71-8eed-d72556b20c5b": (
            "error",
            "AttributeError: Unexpected build failure, not rescheduling build.",
            "build",
            None,
        ),
        "ac9b65cb-60be-450b-9679-6f1488046ec0": ("active", None, None, None),
    },
    "Nova/Test_29": {
        "0a1cd93a-d70d-4f87-9357-b0ab157275b7": (
            "error",
            "AttributeError: Unexpected build failure, not rescheduling build.",
            "after_spawn",
            None,
        ),
        "9477af25-d10e-452c-a564-ca52525b0701": ("active", None, None, None),
    },
    "Nova/Test_66": {
        "b794c736-8e19-4441-9ffb-a4d2dbd121d0": (
            "error",
            "AttributeError: Failed to schedule instances",
            "schedule",
            None,
        ),
        "e8506830-e4c9-4c9b-a719-9fc1c5eb8cb0": ("active", None, None, None),
    },
    "Nova/Test_90": {
        "57daa836-e299-4b19-9953-f1ecaa9b3f7d": (
            "error",
            "UnicodeDecodeError: Unexpected build failure, not rescheduling build.",
            "spawn",
            None,
        ),
    },
    "Nova/Test_244": {
        "39a10337-b547-4a12-88b8-73e39139d7ac": (
            "error",
            "Exception: Instance failed to spawn",
            "spawn",
            None,
        ),
        "41fec907-f061-4eed-8c34-ceb8b3afb9d3": ("active", None, None, None),
    },
    "Nova/Test_339": {
        "bc35d58b-8b92-4d28-adf4-03a35882f23e": (
            "error",
            "InstanceNotFound: Fixed interval looping call"
            " 'nova.virt.libvirt.driver._wait_for_boot' failed",
            "spawn",
            None,
        ),
        "aec95d14-a21e-412f-9b33-ed1dd890cd62": ("active", None, None, None),
    },
    "Nova/Test_401": {
        "b1e09695-8ace-41a3-a4d2-22bdc5e91653": (
            "error",
            "vif_plugging_timeout",
            "spawn",
            "nova_api_refused",
        ),
        "2c8f38a9-180f-4941-b90d-1cc94699a3f7": ("active", None, None, None),
    },
    "Neutron/Test_20": {
        "7b5ae779-09fb-47c0-a5b2-fa484150d403": (
            "error",
            "libvirtError: Instance failed to spawn",
            "spawn",
            None,
        ),
        "f4eb94a4-9196-4d0a-9c8b-270d535cf88c": ("active", None, None, None),
    },
    "Neutron/Test_63": {
        "75115401-abad-4662-999d-4d5a8a697132": (
            "error",
            "vif_plugging_timeout",
            "spawn",
            "provision",
        ),
        "a2960415-68f3-4cd2-9ab6-87c448569994": ("active", None, None, None),
    },
    "Neutron/Test_97": {
        "a9f403e8-2b10-43e7-a4f9-3cd09cd0242b": ("active", None, None, None),
        "bcab8afe-eaf5-42d7-b2a0-ecce059a15db": ("active", None, None, None),
    },
}


@pytest.fixture
def faults(real_logs: Path) -> Path:
    return real_logs / FAULTS


@pytest.mark.parametrize("test", sorted(EXPECTED))
def test_each_boot_outcome_reason_phase_and_stop(faults: Path, test: str) -> None:
    result = trace([faults / test])
    found = {
        b.instance: (b.outcome.value, b.reason_key, b.phase, b.chain_stop()) for b in result.boots
    }
    assert found == EXPECTED[test]
    # Every accepted POST is one boot; nothing else is.
    requests = result.summary()["input"]["requests"]
    assert requests["accepted"] == len(result.boots)
    assert all(b.request_id is not None for b in result.boots)


def test_reasons_and_lines_as_nova_states_them(faults: Path) -> None:
    t18 = trace([faults / "Nova/Test_18"]).boots[0]
    assert t18.reason == (
        "Unexpected build failure, not rescheduling build.: AttributeError: 'NoneType' object"
        " has no attribute 'to_dict'"
    )
    assert t18.sources["reason"].endswith("round_1/nova/nova-compute.log.bzip2.out:131")
    assert t18.sources["requested"].endswith("round_1/nova/nova-api.log.bzip2.out:69")
    t66 = next(b for b in trace([faults / "Nova/Test_66"]).boots if b.instance[:8] == "b794c736")
    assert t66.host is None and "build_started" not in t66.milestones
    assert t66.request_id == "req-afd167b5-b233-47c6-b542-e0c77fdb9557"
    assert t66.sources["reason"].endswith("round_1/nova/nova-conductor.log.bzip2.out:1")
    # The schedule failed 1 ms after nova-api answered the 6.03 s POST.
    assert round(t66.milestones["finished"] - t66.milestones["requested"], 3) == 6.031
    t20 = next(b for b in trace([faults / "Neutron/Test_20"]).boots if b.instance[:8] == "7b5ae779")
    assert t20.reason is not None and "domain 'instance-00000004' already exists" in t20.reason
    assert t20.sources["reason"].endswith("round_1/nova/nova-compute.log.bzip2.out:454")
    # Rescheduled, then no valid host: the conductor ends the boot.
    assert t20.sources["finished"].endswith("round_1/nova/nova-conductor.log.bzip2.out:71")


def test_nova_cleanup_is_no_user_delete(faults: Path) -> None:
    result = trace([faults / "Nova"])
    assert result.summary()["outcomes"]["deleted"] == 0
    # Nova/Test_90: one POST rejected (500), no boot for it.
    t90 = trace([faults / "Nova/Test_90"]).summary()["input"]["requests"]
    assert t90 == {"accepted": 1, "rejected": 1}


def test_slow_agent_hop_is_pointed_out(faults: Path) -> None:
    slow = trace([faults / "Neutron/Test_97"]).summary()["slow"]
    assert [(r["instance"][:8], r["hop"], round(r["seconds"], 3)) for r in slow] == [
        ("a9f403e8", "agent", 196.648)
    ]


def test_a_boot_continued_in_the_next_round_is_one_boot(faults: Path) -> None:
    both = trace([faults / "Neutron/Test_97/logs/round_1", faults / "Neutron/Test_97/logs/round_2"])
    assert sorted(b.instance[:8] for b in both.boots) == ["a9f403e8", "bcab8afe"]
    # round_2 alone holds only the end of a9f403e8's build: no invented second boot, but said.
    alone = trace([faults / "Neutron/Test_97/logs/round_2"])
    assert [b.instance[:8] for b in alone.boots] == ["bcab8afe"]
    assert alone.summary()["input"]["fragments"] == ["a9f403e8-2b10-43e7-a4f9-3cd09cd0242b"]
    assert any("start in logs not given" in n for n in alone.summary()["input"]["notes"])
    # round_1 alone: still waiting for the agent when its logs end.
    first = trace([faults / "Neutron/Test_97/logs/round_1"]).boots
    assert [(b.outcome.value, b.chain_stop()) for b in first] == [("unknown", "agent")]


def _labels(faults: Path) -> list[dict[str, str]]:
    with (faults / "labels.tsv").open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_every_labelled_failure_is_seen(faults: Path) -> None:
    """labels.tsv: ROUND_n FAILURE -> that round's boot failed, was slow, or its POST was
    refused; NO_FAILURE -> that round's boot is active and not slow."""
    for row in _labels(faults):
        result = trace([faults / row["TEST"]])
        slow = {r["instance"] for r in result.summary()["slow"]}
        for n in ("1", "2"):
            round_dir = f"round_{n}/"
            boots = [b for b in result.boots if round_dir in b.sources.get("requested", "")]
            bad = [b for b in boots if b.failed or b.instance in slow]
            if row[f"ROUND_{n}"] == "FAILURE":
                refused = row["TEST"] == "Nova/Test_90" and n == "1" and not boots
                assert bad or refused, (row["TEST"], n)
            else:
                assert boots and not bad, (row["TEST"], n)
