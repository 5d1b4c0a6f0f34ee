"""The workbench on a pseudo-terminal read at a fixed rate (a slow SSH link), from the first byte: the opening and the
first seconds of auto-play at 15 iterations/s, then pause, step and Ctrl-C. Prints, per line rate and binary, the
bytes queued (written by the workbench and not yet read by the far end) every half second, the most queued, the
rate written, and the key latencies.

Usage: python Benchmarks/slow_link.py KMEANS_BINARY [more binaries, run interleaved]
       RATES=7000,2000 (bytes per second) ROUNDS=2 PLAY_SECONDS=8 (of auto-play)
Needs pyte (the far end's terminal; it answers the workbench's Device Attributes probes as a terminal does).
"""
import json, os, pty, re, select, struct, sys, tempfile, time, fcntl, termios
import pyte

ARGS = ["workbench", "--sample", "blobs", "--k", "5", "--batch-size", "32", "--seed", "3", "--no-mouse"]
WIDTH, HEIGHT = 120, 40


class ThrottledSession:
    """kmeans on a pty whose far end is read in 20 ms slices of at most the rate's share."""

    def __init__(self, binary, rate, cast):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            # KMEANS_RECORD_PROBES: the recording keeps every byte written, so its totals line up with the reads.
            os.environ.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8", KMEANS_RECORD_PROBES="1")
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
            os.execv(binary, [binary] + ARGS + ["--record", cast])
        self.rate = rate
        self.screen = pyte.Screen(WIDTH, HEIGHT)
        # The far end answers Device Attributes requests, as xterm, tmux and every VT100 descendant do.
        self.screen.write_process_input = lambda text: os.write(self.fd, text.encode())
        self.stream = pyte.ByteStream(self.screen)
        self.start = time.monotonic()
        self.reads = []  # (seconds, total bytes read by then)
        self.total = 0
        self.raw = bytearray()
        self.budget = 0.0
        self.next = self.start

    def elapsed(self):
        return time.monotonic() - self.start

    def pump(self, seconds, until=None):
        """Reads for `seconds` at the rate, or until `until(screen_text)` holds; the seconds it took, or None."""
        begun = self.elapsed()
        while self.elapsed() - begun < seconds:
            if until and until(self.text()):
                return self.elapsed() - begun
            now = time.monotonic()
            if now < self.next:
                time.sleep(self.next - now)
            self.budget = min(self.budget + self.rate * 0.02, self.rate * 0.04)
            self.next += 0.02
            if self.next < time.monotonic() - 0.02:
                self.next = time.monotonic()
            want = int(self.budget)
            ready, _, _ = select.select([self.fd], [], [], 0)
            if not ready or want <= 0:
                continue
            try:
                data = os.read(self.fd, want)
            except OSError:
                return None
            self.budget -= len(data)
            self.total += len(data)
            self.raw += data
            self.reads.append((self.elapsed(), self.total))
            self.stream.feed(data)
        return None if until else seconds

    def text(self):
        return "\n".join(self.screen.display)

    def send(self, keys):
        os.write(self.fd, keys.encode())


def written_log(cast, session):
    """(seconds on the session's clock, total bytes written by then) from the workbench's own recording."""
    events, total = [], 0
    with open(cast, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            stamp, kind, text = json.loads(line)
            if kind == "o":
                total += len(text.encode())
                events.append((stamp, total))
    offset = (session.reads[0][0] if session.reads else 0) - (events[0][0] if events else 0)
    return [(t + offset, n) for t, n in events]


def total_at(log, time_):
    best = 0
    for t, n in log:
        if t > time_:
            break
        best = n
    return best


def run(binary, rate, seconds):
    cast = tempfile.mktemp(suffix=".cast")
    s = ThrottledSession(binary, rate, cast)
    result = {}
    # Keys as soon as the header has arrived: auto-play at 15/s while the opening is still on its way.
    result["header"] = s.pump(20, until=lambda t: "PAUSED" in t and "step 0" in t)
    s.send("+++ ")
    play_start = s.elapsed()
    s.pump(seconds)
    play_end = s.elapsed()
    s.send(" ")
    result["pause"] = s.pump(30, until=lambda t: "PAUSED" in t)
    s.pump(30, until=lambda t: "line slow" not in t)
    s.pump(0.5)
    match = re.search(r"step (\d+)  next", s.text())
    before = int(match.group(1)) if match else -1
    s.send("n")
    result["step"] = s.pump(30, until=lambda t: f"step {before + 1}  next" in t)
    s.pump(0.3)
    raw_before = len(s.raw)
    s.send("\x03")
    quit_sent = s.elapsed()
    result["ctrl-c"] = None
    while s.elapsed() - quit_sent < 10:
        s.pump(0.02)
        if b"\x1b[?1049l" in bytes(s.raw[raw_before:]):
            result["ctrl-c"] = s.elapsed() - quit_sent
            break
    try:
        os.waitpid(s.pid, 0)
    except ChildProcessError:
        pass
    writes = written_log(cast, s)
    os.remove(cast)
    queued = []
    t = play_start
    while t <= play_end + 1e-9:
        queued.append(max(0, total_at(writes, t) - total_at(s.reads, t)))
        t += 0.5
    result["queued"] = queued
    result["most queued"] = max([n - total_at(s.reads, w) for w, n in writes if play_start <= w <= play_end] or [0])
    result["written B/s"] = (total_at(writes, play_end) - total_at(writes, play_start)) / (play_end - play_start)
    return result


def fmt(value):
    if value is None:
        return "  never"
    if isinstance(value, float):
        return f"{value * 1000:6.0f}ms" if value < 60 else f"{value:7.0f}"
    return f"{value:7d}"


if __name__ == "__main__":
    rates = [int(r) for r in os.environ.get("RATES", "7000,2000").split(",")]
    rounds = int(os.environ.get("ROUNDS", "2"))
    seconds = float(os.environ.get("PLAY_SECONDS", "8"))
    print(f"slow-link benchmark: {seconds:g} s of auto-play at 15/s from the moment the header shows; {os.uname().nodename} load {os.getloadavg()[0]:.1f}")
    for rate in rates:
        for round_ in range(rounds):
            for binary in sys.argv[1:]:
                r = run(binary, rate, seconds)
                print(f"{rate} B/s round {round_ + 1} {binary}")
                print(f"  queued every 0.5 s (B): " + " ".join(str(q) for q in r["queued"]))
                print(f"  most queued {r['most queued']} B, written {r['written B/s']:.0f} B/s; header {fmt(r['header'])},"
                      f" Space→PAUSED {fmt(r['pause'])}, n→step {fmt(r['step'])}, Ctrl-C→restored {fmt(r['ctrl-c'])}")
                sys.stdout.flush()
