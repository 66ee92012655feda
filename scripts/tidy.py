#!/usr/bin/env python3
"""Runs clang-tidy (.clang-tidy: a short list, every finding an error) over
every translation unit of src/ and tests/ in a configured build tree.

A clean result is remembered per translation unit, keyed on everything that
decides it: the unit's preprocessed text (clang++ -E with its own compile
flags, so every header it includes counts), its compile command, .clang-tidy
and clang-tidy's version. A later run re-checks only the units whose key
changed, so a warm machine pays for what an edit touched. Only a clean result
is remembered: a unit with a finding is checked again on every run.

Before the tree, a self-check plants a badly named function in a header of a
scratch unit and proves that the change is noticed through the cache and the
finding is reported, twice, and that removing a NOLINT brings a finding back
(comments are not in clang++ -E's output; lines naming NOLINT are added to
the key).

Usage: tidy.py [BUILD_DIR]   (default build/dev; needs compile_commands.json)
The cache lives in $VFG_TIDY_CACHE (default /var/cache/vfg-test/tidy).
"""

import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".clang-tidy"
# Bumped when what a cache entry means changes.
KEY_FORMAT = "vfg-tidy-1"
# clang-tidy processes under way, stopped with us (the test command stops us on failure).
RUNNING: set[subprocess.Popen] = set()


def stop(signum, _frame):
    for run in list(RUNNING):
        run.kill()
    os._exit(128 + signum)


def compile_flags(entry: dict) -> list[str]:
    """The unit's compile flags without the compiler, its file, -c and -o."""
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    flags, skip = [], False
    for arg in args[1:]:
        if skip:
            skip = False
        elif arg == "-o":
            skip = True
        elif arg not in ("-c", entry["file"]):
            flags.append(arg)
    return flags


class Checker:
    """Checks units through the cache of clean results."""

    def __init__(self, cache: Path):
        self.cache = cache
        self.cache.mkdir(parents=True, exist_ok=True)
        version = subprocess.run(["clang-tidy", "--version"], capture_output=True, text=True,
                                 check=True).stdout
        self.common = "\0".join([KEY_FORMAT, version, CONFIG.read_text()])
        self.nolint: dict[bytes, bytes] = {}  # per run: files are read once
        header_filter = re.search(r"^HeaderFilterRegex:\s*'([^']*)'", CONFIG.read_text(), re.M)
        self.header_filter = re.compile(header_filter.group(1).encode() if header_filter else b"$^")

    def key(self, entry: dict) -> str | None:
        """The unit's cache key, or None when it cannot be preprocessed (then
        clang-tidy runs and reports why)."""
        flags = compile_flags(entry)
        # clang++ sees what clang-tidy's parser sees (__clang__ branches included).
        pre = subprocess.run(["clang++", *flags, "-E", entry["file"], "-o", "-"],
                             cwd=entry["directory"], capture_output=True)
        if pre.returncode != 0:
            return None
        # Paths relative to the checkout: a clone elsewhere hits the same entries.
        root = str(ROOT).encode()
        digest = hashlib.sha256(self.common.encode())
        parts = [entry["file"].encode(), " ".join(flags).encode(), pre.stdout]
        # -E drops comments, and NOLINT comments decide findings: the lines that
        # hold one, in the files whose findings are shown (the unit and the
        # headers .clang-tidy's HeaderFilterRegex matches).
        files = {path for path in re.findall(rb'^# \d+ "([^"]+)"', pre.stdout, re.M)
                 if path == entry["file"].encode() or self.header_filter.search(path)}
        suppressions = b"".join(self.nolint_lines(path) for path in sorted(files))
        if suppressions:
            parts.append(suppressions)
        for part in parts:
            digest.update(b"\0" + part.replace(root, b"."))
        return digest.hexdigest()

    def nolint_lines(self, path: bytes) -> bytes:
        """`path:line:text` of every line of `path` that names NOLINT."""
        if path not in self.nolint:
            try:
                lines = Path(os.fsdecode(path)).read_bytes().splitlines()
            except OSError:
                lines = []
            self.nolint[path] = b"".join(b"%s:%d:%s\n" % (path, number, line)
                                         for number, line in enumerate(lines, 1)
                                         if b"NOLINT" in line)
        return self.nolint[path]

    def check(self, entry: dict, build: Path) -> tuple[str, str]:
        """('cached' | 'clean' | 'finding', clang-tidy's output)."""
        key = self.key(entry)
        stamp = self.cache / key if key else None
        if stamp and stamp.exists():
            stamp.touch()  # in use: kept by prune()
            return "cached", ""
        with subprocess.Popen(["clang-tidy", "--quiet", f"--config-file={CONFIG}", "-p", str(build),
                               entry["file"]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) as run:
            RUNNING.add(run)
            output = run.communicate()[0]
            RUNNING.discard(run)
        if run.returncode != 0 or re.search(r"(warning|error):", output):
            return "finding", output
        if stamp:
            # The key was taken before the check: an edit made meanwhile has another key.
            scratch = stamp.with_suffix(f".{os.getpid()}.tmp")
            scratch.write_text(entry["file"] + "\n")
            scratch.replace(stamp)
        return "clean", output

    def prune(self, days: int = 30) -> None:
        """Forgets results no run has used for `days` (old edits, self-check units)."""
        cutoff = time.time() - days * 86400
        for stamp in self.cache.iterdir():
            try:
                if stamp.stat().st_mtime < cutoff:
                    stamp.unlink()
            except FileNotFoundError:  # renamed or pruned by a run beside us
                pass


def self_check(checker: Checker, template: dict) -> None:
    """A unit whose header gains a badly named function is re-checked and fails, every time."""
    with tempfile.TemporaryDirectory(prefix="vfg-tidy-") as scratch:
        src = Path(scratch) / "src"  # inside the header filter's /src/
        src.mkdir()
        unit, header = src / "planted.cc", src / "planted.h"
        unit.write_text('#include "planted.h"\n\nint planted_use() { return planted_value(); }\n')
        # A real unit's flags; the scratch path (new each run) makes the keys new.
        flags = " ".join(shlex.quote(flag) for flag in compile_flags(template))
        entry = {"directory": scratch, "file": str(unit),
                 "command": f"clang++ {flags} -I{src} -c {shlex.quote(str(unit))}"}
        (Path(scratch) / "compile_commands.json").write_text(json.dumps([entry]))

        def expect(wanted: str, body: str, comment: str = "") -> None:
            header.write_text(f"#pragma once\n\ninline int {body}() {{ return 0; }}{comment}\n"
                              f"inline int planted_value() {{ return {body}(); }}\n")
            checker.nolint.clear()  # the header changed within this run
            status, output = checker.check(entry, Path(scratch))
            if status != wanted or (wanted == "finding" and "BadlyNamed" not in output):
                sys.exit(f"tidy self-check: {body} in a header gave '{status}', not '{wanted}'\n"
                         f"{output}")

        expect("clean", "well_named")
        expect("cached", "well_named")
        expect("finding", "BadlyNamed")
        expect("finding", "BadlyNamed")
        # A suppression is part of the key: taking it away brings the finding back.
        expect("clean", "BadlyNamed", "  // NOLINT(readability-identifier-naming)")
        expect("finding", "BadlyNamed")


def main() -> int:
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    build = Path(sys.argv[1] if len(sys.argv) > 1 else "build/dev")
    if not build.is_absolute():
        build = ROOT / build
    database = build / "compile_commands.json"
    if not database.exists():
        print(f"tidy: no {database}", file=sys.stderr)
        return 2
    cache = Path(os.environ.get("VFG_TIDY_CACHE", "/var/cache/vfg-test/tidy"))
    ours = re.compile(re.escape(str(ROOT)) + r"/(src|tests)/.*\.cc$")
    entries = [e for e in json.loads(database.read_text()) if ours.match(e["file"])]
    if not entries:
        print(f"tidy: {database} names no unit under src/ or tests/", file=sys.stderr)
        return 2
    print(f"== clang-tidy ({build.relative_to(ROOT) if build.is_relative_to(ROOT) else build})",
          flush=True)
    start = time.monotonic()
    checker = Checker(cache)
    self_check(checker, entries[0])

    counts = {"cached": 0, "clean": 0, "finding": 0}
    findings = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for entry, (status, output) in zip(entries,
                                           pool.map(lambda e: checker.check(e, build), entries)):
            counts[status] += 1
            if status == "finding":
                findings.append(f"--- {entry['file']}\n{output}")
                print(findings[-1], file=sys.stderr, flush=True)
    checker.prune()
    log = build / "tidy.log"
    log.write_text("".join(findings))
    seconds = round(time.monotonic() - start)
    summary = (f"{len(entries)} units: {counts['clean']} checked clean, {counts['cached']} clean "
               f"from the cache, {counts['finding']} with findings, in {seconds} s")
    if findings:
        print(f"tidy: {summary} (all of them in {log})", file=sys.stderr)
        return 1
    print(f"   clang-tidy: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
