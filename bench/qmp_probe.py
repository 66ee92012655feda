#!/usr/bin/env python3
"""Helpers the benchmark shares: a minimal QMP client and /proc readers.

Only the standard library: the benchmark must run wherever vfg builds.
"""
import json
import os
import socket
import time


def qmp_command(sock_path, commands, deadline):
    """Connects (retrying until `deadline`), negotiates, runs `commands`; returns the last reply."""
    while True:
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(sock_path)
            break
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no QMP on {sock_path}")
            time.sleep(0.0005)
    stream = sock.makefile("rwb", buffering=0)

    def read_reply():
        while True:
            line = stream.readline()
            if not line:
                raise ConnectionError("QMP closed")
            message = json.loads(line)
            if "return" in message or "error" in message:
                return message

    stream.readline()  # greeting
    reply = None
    for command in ["qmp_capabilities"] + commands:
        stream.write(json.dumps({"execute": command}).encode() + b"\n")
        reply = read_reply()
    sock.close()
    return reply


def proc_status(pid):
    """The fields of /proc/PID/status as a dict of strings."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def cpu_ticks(pid):
    """utime + stime of /proc/PID/stat, in clock ticks."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def switches(pid):
    status = proc_status(pid)
    return int(status["voluntary_ctxt_switches"]) + int(status["nonvoluntary_ctxt_switches"])


def kib(value):
    return int(value.split()[0])
