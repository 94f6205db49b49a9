"""How the CLI tests run pcarecon: one place for the binary's path, the fixtures folder and the
JSON-or-fail call, so every test file runs the tool the same way.

Environment: PCARECON (the binary), PCARECON_FIXTURES_DIR (written by make_fixtures.py).
"""
import json
import os
import subprocess

PCARECON = os.environ.get("PCARECON", "build/native/wasm/pcarecon")
FIXTURES_DIR = os.environ.get("PCARECON_FIXTURES_DIR", "build/native/fixtures")


def run(*args, timeout=300):
    return subprocess.run([PCARECON, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def run_json(*args, timeout=300):
    result = run(*args, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"pcarecon {' '.join(map(str, args))} failed: {result.stderr}")
    return json.loads(result.stdout)
