"""Runs a command whose output (-o) is a named pipe and checks that the
command wrote through the pipe instead of renaming a file over it.

usage: write_to_fifo.py DIR -- COMMAND... (the command's output path is
DIR/pipe)
"""

import os
import stat
import subprocess
import sys
import threading

directory = sys.argv[1]
assert sys.argv[2] == "--"
command = sys.argv[3:]
pipe = os.path.join(directory, "pipe")
if os.path.lexists(pipe):
    os.remove(pipe)
os.mkfifo(pipe)
received = []


def read():
    with open(pipe, "rb") as f:
        received.append(f.read())


reader = threading.Thread(target=read, daemon=True)
reader.start()
code = subprocess.run(command).returncode
if not received:
    # Unblock the reader if the command never opened the pipe.
    with open(pipe, "wb"):
        pass
reader.join(timeout=10)
still_pipe = stat.S_ISFIFO(os.lstat(pipe).st_mode)
print(f"exit {code}; output is still a pipe: {still_pipe}; "
      f"{len(received[0]) if received else 0} bytes came through it")
