"""Write every `run:` block of the given workflows to OUTDIR/<workflow>-<job>-<n>.sh for shellcheck.

GitHub expressions `${{ ... }}` are replaced by a plain word, as the runner substitutes them
before bash sees the script.
"""

import os
import re
import sys

import yaml

outdir, files = sys.argv[1], sys.argv[2:]
count = 0
for path in files:
    with open(path, encoding="utf-8") as f:
        wf = yaml.safe_load(f)
    base = os.path.splitext(os.path.basename(path))[0]
    for job_id, job in (wf.get("jobs") or {}).items():
        for n, step in enumerate(job.get("steps") or []):
            script = step.get("run")
            if not script:
                continue
            script = re.sub(r"\$\{\{[^}]*\}\}", "GITHUB_EXPRESSION", script)
            target = os.path.join(outdir, f"{base}-{job_id}-{n}.sh")
            with open(target, "w", encoding="utf-8") as out:
                out.write("#!/usr/bin/env bash\nset -euo pipefail\n" + script)
            count += 1
print(f"extracted {count} run block(s) from {len(files)} workflow(s)")
