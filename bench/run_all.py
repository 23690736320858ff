"""Run every benchmark in this folder, one subprocess each, and print their figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    failed = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name.startswith("_") or script.name == "run_all.py":
            continue
        print(f"\n### {script.name}", flush=True)
        failed += subprocess.run([sys.executable, str(script), *sys.argv[1:]], cwd=HERE).returncode != 0
    sys.exit(1 if failed else 0)
