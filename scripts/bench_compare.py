#!/usr/bin/env python3
"""Runs the side-by-side benchmarks round-robin and writes the report.

Called by scripts/bench-compare.sh after it has built everything; see
docs/benchmarks.md for what is measured and how. This script only runs
binaries that are already built, and reads the RESULT lines they print.

    scripts/bench_compare.py run [options]      measure, then report
    scripts/bench_compare.py report FILE.jsonl  rewrite the report from a
                                                recorded run

Every run is one process (or a server and its load generator) pinned with
taskset: the measured process on --server-cpu, the load generator on
--client-cpu. The stacks of each workload and parameter are run one after
the other, and the order rotates from round to round, so that drifts of
the machine fall on all stacks alike.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "bench", "release")
CBIN = os.path.join(ROOT, "target", "bench", "c")
PEERS = os.path.join(ROOT, "benches", "peers", "target", "release")
OUTDIR = os.path.join(ROOT, "target", "bench-compare")
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
SVGDIR = os.path.join(ROOT, "docs", "benchmarks")

BEGIN = "<!-- BEGIN GENERATED: scripts/bench-compare.sh writes everything down to the END marker -->"
END = "<!-- END GENERATED -->"

# ---------------------------------------------------------------------------
# The configurations.

# (label, variant, command) per stack for the read workloads; {qd}, {direct}
# and the timing options are filled in per run. The label is what the
# tables show; the reference of every ratio is "ring-core" plain.
def read_stacks(direct):
    d = ["--direct"] if direct else []
    peers = [
        ("tokio-uring", ["plain", "best"]),
        ("monoio", ["plain", "best"]),
        ("compio", ["plain", "best"]),
        ("glommio", ["plain"]),
        ("tokio", ["plain"]),
    ]
    out = []
    for v in ["plain", "nodefer", "best"]:
        out.append(("ring-core", v, [f"{BIN}/safe_stack", "read", "--qd", "{qd}", "--variant", v] + d + ["{timing}"]))
    for v in ["plain", "best"]:
        out.append(("ring-core raw", v, [f"{BIN}/raw_read", "--stack", "ring-core", "--qd", "{qd}", "--variant", v] + d + ["{ctiming}"]))
        out.append(("io-uring crate", v, [f"{BIN}/raw_read", "--stack", "io-uring", "--qd", "{qd}", "--variant", v] + d + ["{ctiming}"]))
        out.append(("liburing", v, [f"{CBIN}/liburing_read", "--qd", "{qd}", "--variant", v] + d + ["{ctiming}"]))
    for name, variants in peers:
        for v in variants:
            out.append((name, v, [f"{PEERS}/peer-{name}", "read", "--qd", "{qd}", "--variant", v] + d + ["{timing}"]))
    return out


def server_stacks():
    return [
        ("ring-core", "plain", [f"{BIN}/safe_stack", "{mode}", "--variant", "plain"]),
        ("ring-core", "nodefer", [f"{BIN}/safe_stack", "{mode}", "--variant", "nodefer"]),
        ("ring-core", "multishot", [f"{BIN}/safe_stack", "{mode}", "--variant", "multishot"]),
        ("tokio-uring", "plain", [f"{PEERS}/peer-tokio-uring", "{mode}"]),
        ("monoio", "plain", [f"{PEERS}/peer-monoio", "{mode}"]),
        ("monoio", "best", [f"{PEERS}/peer-monoio", "{mode}", "--variant", "best"]),
        ("compio", "plain", [f"{PEERS}/peer-compio", "{mode}"]),
        ("glommio", "plain", [f"{PEERS}/peer-glommio", "{mode}"]),
        ("tokio", "plain", [f"{PEERS}/peer-tokio", "{mode}"]),
    ]


def nop_stacks():
    return [
        ("ring-core raw", "plain", [f"{BIN}/raw_nop", "--batch", "{batch}", "--ops", "{ops}"]),
        ("ring-core", "plain", [f"{BIN}/safe_nop", "--workload", "nop", "--batch", "{batch}", "--ops", "{ops}"]),
        ("ring-core", "defer", [f"{BIN}/safe_nop", "--workload", "nop", "--batch", "{batch}", "--ops", "{ops}", "--defer"]),
        ("io-uring crate", "plain", [f"{BIN}/peer_iouring_nop", "--batch", "{batch}", "--ops", "{ops}"]),
        ("io-uring crate", "regfd", [f"{BIN}/peer_iouring_nop", "--batch", "{batch}", "--ops", "{ops}", "--registered-fd"]),
        ("liburing", "plain", [f"{CBIN}/liburing_nop", "--batch", "{batch}", "--ops", "{ops}"]),
        ("liburing", "regfd", [f"{CBIN}/liburing_nop", "--batch", "{batch}", "--ops", "{ops}", "--registered-fd"]),
    ]


# Operations per second each NOP configuration is run for, to turn the
# run length in seconds into an operation count (the NOP programs count
# operations, not time).
NOP_RATE = {1: 2_000_000, 32: 12_000_000}

WORKLOADS = ["nop", "read", "direct", "echo", "http"]

# ---------------------------------------------------------------------------
# The machine.


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:  # noqa: BLE001 - a missing tool leaves the field empty
        return ""


def machine():
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = sh("free -g | awk '/Mem:/ {print $2}'")
    fs = sh(f"findmnt -no FSTYPE,SOURCE --target {os.environ.get('TMPDIR', '/tmp')}")
    disk = "; ".join(" ".join(l.split()) for l in sh("lsblk -dno NAME,SIZE,MODEL").splitlines() if not l.startswith("zram"))
    hyp = "hypervisor" in open("/proc/cpuinfo").read()
    virt = ", ".join(x for x in [
        "a virtual machine (hypervisor CPU flag)" if hyp else "",
        f"systemd-detect-virt: {sh('systemd-detect-virt 2>/dev/null')}" if sh("command -v systemd-detect-virt") else "",
    ] if x)
    peers = {}
    lock = os.path.join(ROOT, "benches", "peers", "Cargo.lock")
    if os.path.exists(lock):
        text = open(lock).read()
        for name in ["tokio-uring", "monoio", "compio", "glommio", "tokio", "io-uring"]:
            vs = re.findall(r'name = "%s"\nversion = "([^"]+)"' % re.escape(name), text)
            if vs:
                peers[name] = ", ".join(sorted(set(vs)))
    main_lock = open(os.path.join(ROOT, "Cargo.lock")).read()
    m = re.search(r'name = "io-uring"\nversion = "([^"]+)"', main_lock)
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": mem,
        "kernel": platform.release(),
        "virt": virt,
        "file_system": fs,
        "disks": disk,
        "rustc": sh("rustc --version"),
        "cc": sh("cc --version | head -1"),
        "liburing": sh("dpkg-query -W -f '${Version}' liburing-dev 2>/dev/null"),
        "wrk": sh("dpkg-query -W -f '${Version}' wrk 2>/dev/null"),
        "commit": sh(f"git -C {ROOT} rev-parse --short HEAD"),
        "dirty": bool(sh(f"git -C {ROOT} status --porcelain --untracked-files=no")),
        "peers": peers,
        "io_uring_crate_main": m.group(1) if m else "",
        "sched_autogroup": sh("cat /proc/sys/kernel/sched_autogroup_enabled"),
    }


def cpu_sample(secs=2.0):
    """The machine's busy share over `secs` (all CPUs, 0..1) and the
    processes that used the most CPU meanwhile, from /proc."""

    def stat():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + v[4]
        return sum(v[:8]), idle

    def procs():
        out = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    s = f.read()
                name = s[s.index("(") + 1 : s.rindex(")")]
                fields = s[s.rindex(")") + 2 :].split()
                out[int(pid)] = (name, int(fields[11]) + int(fields[12]))
            except (OSError, ValueError, IndexError):
                pass
        return out

    t0, i0 = stat()
    p0 = procs()
    time.sleep(secs)
    t1, i1 = stat()
    p1 = procs()
    busy = 1.0 - (i1 - i0) / max(1, t1 - t0)
    hz = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    users = []
    for pid, (name, ticks) in p1.items():
        if pid == me or pid not in p0:
            continue
        d = (ticks - p0[pid][1]) / hz / secs
        if d >= 0.05:
            users.append((round(d, 2), name))
    users.sort(reverse=True)
    return busy, users[:6]


def busy_state(args):
    load = open("/proc/loadavg").read().split()[:3]
    busy, users = cpu_sample(args.sample_secs)
    verdict = float(load[0]) > args.max_load or busy > args.max_busy
    return {
        "load": load,
        "busy_share": round(busy, 3),
        "top": users,
        "busy": verdict,
        "at": datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S"),
    }


# ---------------------------------------------------------------------------
# Running one configuration.


def parse_result(line):
    if not line.startswith("RESULT"):
        return None
    out = {}
    for kv in line.rstrip("\n").split("\t")[1:]:
        k, _, v = kv.partition("=")
        out[k] = v
    return out


def fill(cmd, **kw):
    out = []
    for a in cmd:
        if a in ("{timing}", "{ctiming}"):
            out.extend(kw[a[1:-1]])
        else:
            out.append(a.format(**kw))
    return out


def pin(cpu, cmd):
    return ["taskset", "-c", str(cpu)] + cmd


def run_inproc(cmd, args, timeout):
    full = pin(args.server_cpu, cmd)
    if args.strace:
        tmp = os.path.join(OUTDIR, "strace.txt")
        full = ["strace", "-c", "-f", "-o", tmp] + full
    p = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
    recs = [r for r in map(parse_result, p.stdout.splitlines()) if r]
    if p.returncode != 0 or not recs:
        raise RuntimeError(f"exit {p.returncode}: {p.stderr.strip()[-600:]}")
    rec = recs[-1]
    if args.strace:
        rec.update(strace_summary(tmp, int(rec.get("ops", "0")) + int(rec.get("warmup_ops", "0"))))
    return rec


def strace_summary(path, ops):
    """System calls per operation from `strace -c` output (whole process)."""
    calls, top = 0, []
    try:
        for line in open(path):
            f = line.split()
            if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
                n = int(f[3])
                calls += n
                top.append((n, f[-1]))
    except OSError:
        return {}
    top.sort(reverse=True)
    per = lambda n: f"{n / max(1, ops):.3f}"  # noqa: E731
    return {"syscalls_per_op": per(calls), "syscalls_top": ",".join(f"{name}:{per(n)}" for n, name in top[:4])}


class Server:
    def __init__(self, cmd, args, port):
        self.args = args
        self.p = subprocess.Popen(
            pin(args.server_cpu, cmd + ["--port", str(port), "--max-seconds", str(int(args.seconds * 4 + 60))]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.time() + 30
        while True:
            line = self.p.stdout.readline()
            if line.startswith("READY"):
                break
            if not line or time.time() > deadline:
                self.close()
                raise RuntimeError(f"server did not start: {self.p.stderr.read()[-600:]}")
        self.strace = None

    def send(self, what):
        if what == "start" and self.args.strace:
            self.trace_file = os.path.join(OUTDIR, "strace-server.txt")
            self.strace = subprocess.Popen(
                ["strace", "-c", "-f", "-o", self.trace_file, "-p", str(self.p.pid)],
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
        self.p.stdin.write(what + "\n")
        self.p.stdin.flush()

    def result(self):
        line = self.p.stdout.readline()
        rec = parse_result(line)
        if rec is None:
            raise RuntimeError(f"no RESULT from the server: {line!r}")
        if self.strace:
            self.strace.send_signal(signal.SIGINT)
            self.strace.wait(timeout=20)
            self.strace = None
            rec["strace_pending"] = self.trace_file
        return rec

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


PORT = [20000 + (os.getpid() % 1000) * 20]


def next_port():
    PORT[0] += 1
    if PORT[0] > 60000:
        PORT[0] = 20000
    return PORT[0]


def run_echo(cmd, conns, args):
    port = next_port()
    srv = Server(cmd, args, port)
    try:
        cli = subprocess.Popen(
            pin(
                args.client_cpu,
                [f"{BIN}/load_echo", "--port", str(port), "--conns", str(conns), "--msg-size", str(args.msg_size),
                 "--warmup", str(args.warmup), "--seconds", str(args.seconds)],
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        rec, client = None, None
        for line in cli.stdout:
            line = line.strip()
            if line == "WARM":
                srv.send("start")
            elif line == "DONE":
                srv.send("stop")
                rec = srv.result()
            elif line.startswith("RESULT"):
                client = parse_result(line)
        cli.wait(timeout=30)
        if rec is None or client is None:
            raise RuntimeError(f"echo run incomplete: {cli.stderr.read()[-600:]}")
        trips = int(rec["bytes"]) / args.msg_size
        secs = float(rec["secs"])
        rec["ops"] = f"{trips:.0f}"
        rec["ops_per_sec"] = f"{trips / secs:.0f}"
        rec["cpu_us_per_op"] = f"{float(rec['cpu_secs']) * 1e6 / max(1, trips):.4f}"
        rec["allocs_per_op"] = f"{int(rec['allocs']) / max(1, trips):.4f}"
        rec["client_ops_per_sec"] = client["ops_per_sec"]
        if "strace_pending" in rec:
            rec.update(strace_summary(rec.pop("strace_pending"), trips))
        return rec
    finally:
        srv.close()


def run_http(cmd, conns, args):
    port = next_port()
    srv = Server(cmd, args, port)
    try:
        # wrk takes whole seconds; it runs past the window on both sides.
        dur = int(args.warmup + args.seconds + 1.999)
        w = subprocess.Popen(
            pin(args.client_cpu, ["wrk", "-t1", f"-c{conns}", f"-d{dur}s", f"http://127.0.0.1:{port}/"]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(args.warmup)
        srv.send("start")
        time.sleep(args.seconds)
        srv.send("stop")
        rec = srv.result()
        out, err = w.communicate(timeout=dur + 30)
        m = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if not m:
            raise RuntimeError(f"wrk printed no rate: {out[-300:]} {err[-300:]}")
        rec["client_ops_per_sec"] = m.group(1)
        if "strace_pending" in rec:
            rec.update(strace_summary(rec.pop("strace_pending"), int(rec["ops"])))
        return rec
    finally:
        srv.close()


# ---------------------------------------------------------------------------
# The plan of a round.


def plan(args):
    """(workload, param, label, variant, runner) for one round, grouped by
    (workload, param) so that the stacks of a group run back to back."""
    groups = []
    secs = str(args.seconds)
    # Under strace the whole process is counted, so the warm-up is left out
    # (what remains of setup is a few thousand calls, against the window's
    # operations).
    w = "0" if args.strace else str(args.warmup)
    timing = ["--seconds", secs, "--warmup", w]
    ctiming = ["--seconds", secs, "--warmup-seconds", w]
    want = lambda label: not args.stacks or any(s in label for s in args.stacks)  # noqa: E731
    if "nop" in args.workloads:
        for b in args.batches:
            g = []
            for label, v, cmd in nop_stacks():
                if want(label):
                    ops = int(NOP_RATE.get(b, 2_000_000) * args.seconds)
                    c = fill(cmd, batch=b, ops=ops)
                    g.append(("nop", b, label, v, lambda c=c: run_inproc(c, args, 120 + args.seconds * 10)))
            groups.append(g)
    for wl, direct in (("read", False), ("direct", True)):
        if wl not in args.workloads:
            continue
        for qd in args.qds:
            g = []
            for label, v, cmd in read_stacks(direct):
                if want(label):
                    c = fill(cmd, qd=qd, timing=timing, ctiming=ctiming)
                    g.append((wl, qd, label, v, lambda c=c: run_inproc(c, args, 120 + args.seconds * 10)))
            if "pread" not in args.skip and want("pread") and qd == args.qds[0]:
                c = [f"{BIN}/pread_read"] + (["--direct"] if direct else []) + timing
                g.append((wl, 1, "pread", "plain", lambda c=c: run_inproc(c, args, 120 + args.seconds * 10)))
            groups.append(g)
    for wl, runner in (("echo", run_echo), ("http", run_http)):
        if wl not in args.workloads:
            continue
        for conns in args.conns:
            g = []
            for label, v, cmd in server_stacks():
                if want(label):
                    c = fill(cmd, mode=wl)
                    g.append((wl, conns, label, v, lambda c=c, n=conns, r=runner: r(c, n, args)))
            groups.append(g)
    return [g for g in groups if g]


def run(args):
    os.makedirs(OUTDIR, exist_ok=True)
    for tool in ["taskset"] + (["wrk"] if "http" in args.workloads else []) + (["strace"] if args.strace else []):
        if not sh(f"command -v {tool}"):
            sys.exit(f"{tool} is not installed (scripts/bench-compare.sh build installs it)")
    mach = machine()
    state = busy_state(args)
    print(f"machine state: load {' '.join(state['load'])}, CPU busy {state['busy_share']:.0%}, top {state['top']}")
    if mach["sched_autogroup"] == "1":
        print("note: kernel.sched_autogroup_enabled=1: nice does not protect a run from other sessions' builds")
    if state["busy"]:
        msg = (f"the machine is busy (load {state['load'][0]} > {args.max_load} or CPU busy "
               f"{state['busy_share']:.0%} > {args.max_busy:.0%}; top: {state['top']})")
        if not args.force:
            sys.exit(msg + ": refusing to measure (--force measures anyway and marks the results as taken on a busy machine)")
        print("WARNING: " + msg + ": measuring anyway (--force); the report says so")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(OUTDIR, f"results-{stamp}.jsonl")
    groups = plan(args)
    total = sum(len(g) for g in groups) * args.rounds
    with open(path, "w") as out:
        out.write(json.dumps({"machine": mach, "args": vars(args), "state_before": state}) + "\n")
        done = 0
        t_start = time.time()
        for r in range(args.rounds):
            st = busy_state(args) if r > 0 else state
            out.write(json.dumps({"round": r + 1, "state": st}) + "\n")
            if st["busy"]:
                print(f"WARNING: round {r + 1}: machine busy: load {st['load'][0]}, CPU {st['busy_share']:.0%}, top {st['top']}")
            for g in groups:
                k = r % len(g)
                for wl, param, label, v, fn in g[k:] + g[:k]:
                    done += 1
                    try:
                        rec = fn()
                        err = None
                    except Exception as e:  # noqa: BLE001 - a failed run is recorded, the rest go on
                        rec, err = {}, str(e)
                    row = {"round": r + 1, "workload": wl, "param": param, "stack": label, "variant": v,
                           "rec": rec, "error": err}
                    out.write(json.dumps(row) + "\n")
                    out.flush()
                    el = time.time() - t_start
                    show = (f"{float(rec['ops_per_sec']):>12,.0f}/s {float(rec['cpu_us_per_op']):8.3f} us/op"
                            f" {float(rec.get('allocs_per_op', 'nan')):6.2f} allocs/op") if rec else f"FAILED: {err[:200]}"
                    print(f"[{done}/{total} {el:5.0f}s] r{r + 1} {wl:6} {param:>4} {label:15} {v:6} {show}", flush=True)
        out.write(json.dumps({"state_after": busy_state(args)}) + "\n")
    print(f"raw results: {os.path.relpath(path, ROOT)}")
    report(path, args.write_docs)


# ---------------------------------------------------------------------------
# The report.


def load(path):
    head, rows, rounds, after = None, [], [], None
    for line in open(path):
        o = json.loads(line)
        if "machine" in o:
            head = o
        elif "state_after" in o:
            after = o["state_after"]
        elif "state" in o and "rec" not in o:
            rounds.append(o)
        else:
            rows.append(o)
    return head, rows, rounds, after


WL_SHORT = {
    "nop": "NOP, batch",
    "read": "page-cache read, QD",
    "direct": "O_DIRECT read, QD",
    "echo": "TCP echo, connections",
    "http": "HTTP hello, connections",
}

WL_TITLE = {
    "nop": ("NOP", "batch"),
    "read": ("4 KiB random read, 1 GiB file in the page cache", "QD"),
    "direct": ("4 KiB random read, O_DIRECT from the disk", "QD"),
    "echo": ("TCP echo, 512 B messages", "connections"),
    "http": ("HTTP/1.1 keep-alive hello under wrk -t1", "connections"),
}


def summarize(rows):
    groups = {}
    for r in rows:
        if r["error"] or not r["rec"]:
            groups.setdefault((r["workload"], r["param"], r["stack"], r["variant"]), {"fail": 0})
            groups[(r["workload"], r["param"], r["stack"], r["variant"])]["fail"] = (
                groups[(r["workload"], r["param"], r["stack"], r["variant"])].get("fail", 0) + 1)
            continue
        g = groups.setdefault((r["workload"], r["param"], r["stack"], r["variant"]), {"fail": 0})
        for k in ["ops_per_sec", "cpu_us_per_op", "allocs_per_op", "syscalls_per_op", "sys_share"]:
            if k in r["rec"]:
                g.setdefault(k, []).append(float(r["rec"][k]))
        if "syscalls_top" in r["rec"]:
            g["syscalls_top"] = r["rec"]["syscalls_top"]
    return groups


def fmt_rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.0f} k"
    return f"{x:.0f}"


def med(g, k):
    v = g.get(k)
    return statistics.median(v) if v else None


def ref_key(groups, wl, param):
    for cand in [(wl, param, "ring-core", "plain")]:
        if cand in groups and med(groups[cand], "ops_per_sec"):
            return cand
    return None


STACK_ORDER = ["ring-core", "ring-core raw", "io-uring crate", "liburing", "tokio-uring", "monoio", "compio",
               "glommio", "tokio", "pread"]
VARIANT_ORDER = ["plain", "nodefer", "regfd", "defer", "best"]


def sort_key(k):
    wl, param, stack, variant = k
    return (WORKLOADS.index(wl), param, STACK_ORDER.index(stack) if stack in STACK_ORDER else 99,
            VARIANT_ORDER.index(variant) if variant in VARIANT_ORDER else 9)


def table(groups):
    lines = []
    by_wl = {}
    for k in sorted(groups, key=sort_key):
        by_wl.setdefault(k[0], []).append(k)
    for wl, keys in by_wl.items():
        title, pname = WL_TITLE[wl]
        lines.append(f"### {title}")
        lines.append("")
        has_sys = any("syscalls_per_op" in groups[k] for k in keys)
        head = (f"| {pname} | stack | setup | rate /s, median (min-max) | CPU µs/op, median (min-max) | "
                f"rate vs ring-core | CPU/op vs ring-core | kernel share of CPU | allocs/op (max) | runs |")
        sep = "|---|---|---|---|---|---|---|---|---|---|"
        if has_sys:
            head += " syscalls/op (top) |"
            sep += "---|"
        lines += [head, sep]
        for k in keys:
            g = groups[k]
            _, param, stack, variant = k
            n = len(g.get("ops_per_sec", []))
            if not n:
                lines.append(f"| {param} | {stack} | {variant} | failed ({g['fail']} runs) | | | | | | 0 |" + (" |" if has_sys else ""))
                continue
            rate, cpu = med(g, "ops_per_sec"), med(g, "cpu_us_per_op")
            rr = ref_key(groups, wl, param)
            if rr:
                rel_rate = f"{rate / med(groups[rr], 'ops_per_sec'):.2f}x"
                rel_cpu = f"{cpu / med(groups[rr], 'cpu_us_per_op'):.2f}x" if med(groups[rr], "cpu_us_per_op") else "-"
            else:
                rel_rate = rel_cpu = "-"
            allocs = max(g["allocs_per_op"]) if g.get("allocs_per_op") else None
            a = f"{allocs:.3f}" if allocs is not None else "- (C)"
            ks = f"{med(g, 'sys_share'):.0%}" if g.get("sys_share") else "-"
            row = (f"| {param} | {stack} | {variant} | {fmt_rate(rate)} ({fmt_rate(min(g['ops_per_sec']))}-"
                   f"{fmt_rate(max(g['ops_per_sec']))}) | {cpu:.3f} ({min(g['cpu_us_per_op']):.3f}-"
                   f"{max(g['cpu_us_per_op']):.3f}) | {rel_rate} | {rel_cpu} | {ks} | {a} | {n}"
                   + (f" ({g['fail']} failed)" if g["fail"] else "") + " |")
            if has_sys:
                s = med(g, "syscalls_per_op")
                row += f" {s:.3f} ({g.get('syscalls_top', '')}) |" if s is not None else " - |"
            lines.append(row)
        lines.append("")
    return lines


# ---------------------------------------------------------------------------
# SVG plots, written by hand from the numbers.

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354"]


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_plot(title, xlabel, ylabel, xs, series, path):
    """A line plot: `xs` the categories (evenly spaced), `series` a list of
    (name, {x: (median, lo, hi)}), with min-max whiskers."""
    W, H = 760, 420
    L, R, T, B = 70, 220, 40, 50
    pw, ph = W - L - R, H - T - B
    ymax = max([hi for _, pts in series for (_, _, hi) in pts.values()] + [1e-9]) * 1.05
    # About five gridlines at a round step.
    raw = ymax / 5
    mag = 10 ** math.floor(math.log10(raw))
    tick = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    ytop = tick * math.ceil(ymax / tick)

    def px(i):
        return L + (pw * (i + 0.5) / len(xs))

    def py(y):
        return T + ph - ph * y / ytop

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="13" font-weight="bold">{esc(title)}</text>']
    y = 0.0
    while y <= ytop + 1e-9:
        out.append(f'<line x1="{L}" x2="{L + pw}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#ddd"/>')
        lab = fmt_rate(y) if ytop >= 1000 else (f"{y:.2f}" if tick < 1 else f"{y:g}")
        out.append(f'<text x="{L - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{lab}</text>')
        y += tick
    out.append(f'<line x1="{L}" x2="{L}" y1="{T}" y2="{T + ph}" stroke="black"/>')
    out.append(f'<line x1="{L}" x2="{L + pw}" y1="{T + ph}" y2="{T + ph}" stroke="black"/>')
    for i, x in enumerate(xs):
        out.append(f'<text x="{px(i):.1f}" y="{T + ph + 18}" text-anchor="middle">{x}</text>')
    out.append(f'<text x="{L + pw / 2}" y="{H - 10}" text-anchor="middle">{esc(xlabel)}</text>')
    out.append(f'<text x="16" y="{T + ph / 2}" text-anchor="middle" transform="rotate(-90 16 {T + ph / 2})">'
               f'{esc(ylabel)}</text>')
    for si, (name, pts) in enumerate(series):
        c = COLORS[si % len(COLORS)]
        dash = ' stroke-dasharray="5,3"' if si >= len(COLORS) // 2 and len(series) > len(COLORS) // 2 else ""
        coords = [(px(xs.index(x)), py(m), py(lo), py(hi)) for x, (m, lo, hi) in pts.items() if x in xs]
        coords.sort()
        if len(coords) > 1:
            d = " ".join(f"{'M' if j == 0 else 'L'}{cx:.1f},{cy:.1f}" for j, (cx, cy, _, _) in enumerate(coords))
            out.append(f'<path d="{d}" fill="none" stroke="{c}" stroke-width="2"{dash}/>')
        for cx, cy, ylo, yhi in coords:
            out.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{ylo:.1f}" y2="{yhi:.1f}" stroke="{c}"/>')
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{c}"/>')
        ly = T + 10 + si * 16
        out.append(f'<line x1="{L + pw + 12}" x2="{L + pw + 32}" y1="{ly}" y2="{ly}" stroke="{c}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{L + pw + 38}" y="{ly + 4}">{esc(name)}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def plots(groups):
    """Rate and CPU per operation against the parameter, one line per
    stack and setup. The read workloads get two pairs: the plain setups,
    and the tuned ones (`best`, `defer`), each with `pread` for reference."""
    os.makedirs(SVGDIR, exist_ok=True)
    made = []
    for wl in ["read", "direct", "echo", "http"]:
        keys = [k for k in groups if k[0] == wl and groups[k].get("ops_per_sec")]
        if not keys:
            continue
        xs = sorted({k[1] for k in keys if k[2] != "pread"})
        title, pname = WL_TITLE[wl]
        if wl in ("read", "direct"):
            sets = [("plain", "plain setups", lambda s, v: v == "plain"),
                    ("tuned", "best setups", lambda s, v: v != "plain" or s == "pread")]
        else:
            sets = [("all", "", lambda s, v: True)]
        for tag, sub, keep in sets:
            names = sorted({(k[2], k[3]) for k in keys if keep(k[2], k[3])},
                           key=lambda sv: sort_key((wl, 0, sv[0], sv[1])))
            for metric, ylabel, suffix in (("ops_per_sec", "operations per second (median)", "rate"),
                                           ("cpu_us_per_op", "CPU µs per operation (median)", "cpu")):
                series = []
                for stack, variant in names:
                    pts = {}
                    for x in xs:
                        g = groups.get((wl, 1 if stack == "pread" else x, stack, variant))
                        if g and g.get(metric):
                            pts[x] = (statistics.median(g[metric]), min(g[metric]), max(g[metric]))
                    if pts:
                        series.append((f"{stack} ({variant})" if variant != "plain" else stack, pts))
                if not series:
                    continue
                name = f"{wl}-{suffix}.svg" if tag == "all" else f"{wl}-{tag}-{suffix}.svg"
                t = f"{title}: {ylabel.split(' (')[0]}" + (f", {sub}" if sub else "")
                svg_plot(t, pname + " (whiskers: min-max over the rounds)", ylabel, xs, series,
                         os.path.join(SVGDIR, name))
                made.append((wl, f"{suffix}, {sub}" if sub else suffix, name))
    return made


def compact(groups):
    """One line per workload and parameter, one column per stack (plain
    setup): CPU µs/op."""
    stacks = [s for s in STACK_ORDER if any(k[2] == s for k in groups)]
    lines = ["| CPU µs per operation | " + " | ".join(stacks) + " |", "|---|" + "---|" * len(stacks)]
    for (wl, param) in sorted({(k[0], k[1]) for k in groups}, key=lambda wp: (WORKLOADS.index(wp[0]), wp[1])):
        if wl in ("read", "direct") and param == 1 and not any(k[0] == wl and k[1] == 1 and k[2] != "pread" for k in groups):
            continue
        cells = []
        for s in stacks:
            g = groups.get((wl, 1 if s == "pread" else param, s, "plain"))
            cells.append(f"{med(g, 'cpu_us_per_op'):.3f}" if g and g.get("cpu_us_per_op") else "—")
        lines.append(f"| {WL_SHORT[wl]} {param} | " + " | ".join(cells) + " |")
    return lines


def report(path, write_docs=True):
    head, rows, rounds, after = load(path)
    groups = summarize(rows)
    m, a = head["machine"], head["args"]
    busy_any = head["state_before"]["busy"] or any(r["state"]["busy"] for r in rounds) or (after and after["busy"])
    md = [BEGIN, ""]
    if busy_any:
        md += ["**Measured on a busy machine**: other processes used the CPUs during the runs (see the machine's "
               "state below). Rates are depressed and noisy; CPU time per operation is the comparison that holds "
               "best, and even it is inflated by contention for caches. Rerun on a quiet machine for figures to quote.",
               ""]
    # The book keeps commit hashes and dates out of its chapters
    # (verification/tests/book.rs): the run's commit and start time stay in
    # its record, which the report names.
    md += [f"Set *p*: {a['rounds']} round(s) of {a['seconds']} s per run after {a['warmup']} s of warm-up, the "
           f"stacks alternated round-robin (the order rotates per round)"
           f"{', from a working tree with uncommitted changes' if m['dirty'] else ''}; the run's commit and "
           f"start time are in its record (`target/bench-compare/{os.path.basename(path)}`).", ""]
    md += ["| machine | |", "|---|---|",
           f"| CPU | {m['cpu']}, {m['cpus']} CPUs ({m['virt'] or 'virtualisation unknown'}) |",
           f"| memory | {m['memory_gib']} GiB |",
           f"| kernel | {m['kernel']} |",
           f"| read file's file system | {m['file_system']} |",
           f"| disks | {m['disks']} |",
           f"| toolchain | {' '.join(m['rustc'].split()[:2])}; {m['cc']} |",
           f"| peers | " + ", ".join(f"{k} {v}" for k, v in sorted(m["peers"].items()))
           + f"; io-uring crate {m['io_uring_crate_main']} (main workspace); liburing {m['liburing']}; wrk {m['wrk']} |",
           f"| pinning | measured process on CPU {a['server_cpu']}, load generator on CPU {a['client_cpu']} (taskset) |",
           f"| sched_autogroup | {m['sched_autogroup']} |", ""]
    st = head["state_before"]
    md += ["Machine state (load average 1/5/15 min; share of all CPUs busy over a sample; the processes using the most CPU):", ""]
    md.append(f"- before: load {' '.join(st['load'])}, busy {st['busy_share']:.0%}, top {st['top']}")
    for r in rounds:
        s = r["state"]
        md.append(f"- round {r['round']} ({s['at']}): load {' '.join(s['load'])}, busy {s['busy_share']:.0%}, top {s['top']}")
    if after:
        md.append(f"- after: load {' '.join(after['load'])}, busy {after['busy_share']:.0%}, top {after['top']}")
    md += ["", "Command:", "", "```sh",
           f"ROUNDS={a['rounds']} SECONDS_PER_RUN={a['seconds']} WARMUP={a['warmup']} "
           f"QDS='{' '.join(map(str, a['qds']))}' CONNS='{' '.join(map(str, a['conns']))}' "
           f"WORKLOADS='{' '.join(a['workloads'])}'" + (" FORCE=1" if a["force"] else "") + (" STRACE=1" if a["strace"] else "")
           + " scripts/bench-compare.sh", "```", ""]
    md += ["### CPU time per operation at a glance (plain setups; medians)", ""] + compact(groups) + [""]
    made = plots(groups)
    if made:
        md += ["### Plots", ""]
        for wl, suffix, name in made:
            what = suffix.replace("rate", "rate").replace("cpu", "CPU per operation")
            md.append(f"![{WL_TITLE[wl][0]}: {what}](benchmarks/{name})")
            md.append("")
    md += table(groups)
    fails = [r for r in rows if r["error"]]
    if fails:
        md += ["### Runs that failed", ""]
        seen = set()
        for r in fails:
            k = (r["workload"], r["stack"], r["variant"], r["error"][:160])
            if k in seen:
                continue
            seen.add(k)
            md.append(f"- {r['workload']} {r['param']} {r['stack']} ({r['variant']}): `{r['error'][:300].strip()}`")
        md.append("")
    md += [f"Raw results: `{os.path.relpath(path, ROOT)}` (one JSON object per run).", "", END]
    text = "\n".join(md) + "\n"
    if write_docs:
        doc = open(DOC).read() if os.path.exists(DOC) else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
        if BEGIN in doc and END in doc:
            doc = doc[: doc.index(BEGIN)] + text + doc[doc.index(END) + len(END) + 1 :]
        else:
            doc += "\n" + text
        with open(DOC, "w") as f:
            f.write(doc)
        print(f"wrote {os.path.relpath(DOC, ROOT)} and {len(made)} plots in {os.path.relpath(SVGDIR, ROOT)}/")
    else:
        print(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--seconds", type=float, default=5.0, help="measured window of each run")
    r.add_argument("--warmup", type=float, default=1.0, help="warm-up before each window")
    r.add_argument("--workloads", nargs="+", default=WORKLOADS, choices=WORKLOADS)
    r.add_argument("--qds", nargs="+", type=int, default=[1, 32, 128])
    r.add_argument("--batches", nargs="+", type=int, default=[1, 32])
    r.add_argument("--conns", nargs="+", type=int, default=[16, 64, 256])
    r.add_argument("--msg-size", type=int, default=512)
    r.add_argument("--stacks", nargs="*", default=[], help="only stacks whose label contains one of these")
    r.add_argument("--skip", nargs="*", default=[])
    r.add_argument("--server-cpu", type=int, default=1)
    r.add_argument("--client-cpu", type=int, default=0)
    r.add_argument("--max-load", type=float, default=0.5, help="1-minute load average above which the machine is busy")
    r.add_argument("--max-busy", type=float, default=0.10, help="share of all CPUs busy above which the machine is busy")
    r.add_argument("--sample-secs", type=float, default=2.0)
    r.add_argument("--force", action="store_true", help="measure on a busy machine (the report says so)")
    r.add_argument("--strace", action="store_true", help="count system calls per operation with strace -c -f")
    r.add_argument("--no-docs", dest="write_docs", action="store_false", help="print the report instead of writing docs/")
    p = sub.add_parser("report")
    p.add_argument("file")
    p.add_argument("--no-docs", dest="write_docs", action="store_false")
    args = ap.parse_args()
    if args.cmd == "run":
        run(args)
    else:
        report(args.file, args.write_docs)


if __name__ == "__main__":
    main()
