"""The demo that `make demo` runs: it completes, and the bundled CDISC datasets score
exactly like the bundled visit table."""

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.py"


def test_demo_runs_and_cdisc_examples_agree_with_the_visit_table(tmp_path):
    done = subprocess.run([sys.executable, str(DEMO), str(tmp_path)], capture_output=True,
                          text=True, env={"MPLBACKEND": "Agg", "PATH": "",
                                          "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, done.stderr
    report = tmp_path / "nct03917797_report.html"
    assert f"report: {report}" in done.stdout
    assert "Not evaluable results" in report.read_text(encoding="utf-8")
    assert "Responders, n/N (%)" in done.stdout
    lines = [line for line in done.stdout.splitlines() if line.startswith(("adam:", "sdtm:"))]
    assert len(lines) == 2
    assert all("identical to the visit table's" in line for line in lines)
    assert "renal_response (month 12) category by arm" in done.stdout
