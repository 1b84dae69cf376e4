"""Property: any text is read without an exception, and every value points at its own line."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from stacktwin.config import Scale, audit, load_config
from stacktwin.config.ini import physical_lines, read_ini

LINES = st.lists(
    st.one_of(
        st.sampled_from(
            ["[DEFAULT]", "[agent]", "[database", "[]", "", "# c", "; c", "  cont", "= x", "k"]
        ),
        st.builds(
            lambda k, sep, v: f"{k}{sep}{v}",
            st.sampled_from(
                [
                    "rpc_workers",
                    "max_pool_size",
                    "heal_instance_info_cache_interval",
                    "report_interval",
                    "x",
                ]
            ),
            st.sampled_from([" = ", "=", ": "]),
            st.text(alphabet="0123456789-.abc '\"#=:", max_size=6),
        ),
        st.text(max_size=12),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(LINES)
def test_any_text_is_read_and_audited_without_exception(lines: list[str]) -> None:
    text = "\n".join(lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "neutron.conf"
        path.write_bytes(text.encode("utf-8"))
        ini = read_ini(path)
        physical = physical_lines(text)
        for a in ini.assignments:
            assert a.location.line is not None
            # oslo.config strips the key with str.strip(), which also takes \x1c-\x1f
            assert physical[a.location.line - 1].strip().startswith(a.key)
        for p in ini.problems:
            assert p.location.file == str(path)
        report = audit(load_config([str(path)]), Scale(hosts=50))
        assert all(f.evidence for f in report.findings)
