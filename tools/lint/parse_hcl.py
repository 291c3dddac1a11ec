"""Parse every given .tf file with python-hcl2 (a syntax check without terraform)."""

import sys

import hcl2

failed = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            hcl2.load(f)
    except Exception as e:  # noqa: BLE001 - report any parser error with its file
        failed += 1
        print(f"{path}: {type(e).__name__}: {e}")
print(f"python-hcl2 {hcl2.__version__ if hasattr(hcl2, '__version__') else ''}: {len(sys.argv) - 1} file(s), {failed} unparsable")
sys.exit(1 if failed else 0)
