"""Interrupts a command while it writes its output and checks that the
previous output survives byte for byte.

usage: interrupt_output.py SIGNAL OUTPUT -- COMMAND...

COMMAND is first run to completion (its output is the complete one). Then
OUTPUT is given a known previous content; COMMAND is started and, as soon as
a temporary file of OUTPUT appears beside it (the command is writing), sent
SIGNAL. Afterwards OUTPUT must hold the previous content (or the complete output, if
the signal came after the final rename: then the run is retried). For SIGINT and
SIGTERM no temporary file may be left (the command removes it); SIGKILL
cannot be handled, so a leftover temporary file is only reported and removed.
A run that ends before a temporary file was seen is retried; the script
fails when it never managed to interrupt a write.
"""

import os
import signal
import subprocess
import sys
import time

sig = getattr(signal, sys.argv[1])
output = sys.argv[2]
assert sys.argv[3] == "--"
command = sys.argv[4:]
directory = os.path.dirname(os.path.abspath(output)) or "."
base = os.path.basename(output)
previous = b"previous output: must survive an interrupted run\n"

# A run to completion first: its output is the only other acceptable content
# (a signal that lands after the final rename finds the new output complete).
subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
with open(output, "rb") as f:
    complete = f.read()


def temporaries():
    return [f for f in os.listdir(directory)
            if f.startswith(base + ".") and f != base]


for attempt in range(8):
    for f in temporaries():
        os.remove(os.path.join(directory, f))
    with open(output, "wb") as f:
        f.write(previous)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    seen = None
    while process.poll() is None:
        found = temporaries()
        if found:
            seen = found
            # Let the command get into the write (the file exists a moment
            # before it is registered for removal on signals).
            time.sleep(0.005)
            process.send_signal(sig)
            break
        time.sleep(0.001)
    code = process.wait()
    if seen is None:
        print(f"attempt {attempt}: the run ended (exit {code}) before a "
              "temporary file appeared; retrying")
        continue
    with open(output, "rb") as f:
        after = f.read()
    if after == complete and after != previous:
        print(f"attempt {attempt}: the signal landed after the output was "
              "complete; retrying")
        continue
    if after != previous:
        sys.exit(f"FAIL: {output} changed after {sys.argv[1]} "
                 f"({len(after)} bytes, exit {code})")
    left = temporaries()
    if left and sig != signal.SIGKILL:
        sys.exit(f"FAIL: temporary files left after {sys.argv[1]} (exit {code}): {left}")
    for f in left:
        os.remove(os.path.join(directory, f))
    print(f"interrupted by {sys.argv[1]} while writing {seen[0].replace(base, 'OUTPUT')}; "
          f"exit {code}; previous output intact; "
          f"{len(left)} temporary files left")
    sys.exit(0)
sys.exit("FAIL: no run could be interrupted while writing its output")
