"""Bytes the workbench sends to an unthrottled 120x40 pty: opening, one mini-batch step, one second of auto-play
at 2 and 15 iterations/s, with the number of frames (bursts of output at least 20 ms apart) and the steps reached.

Usage: python measure_workbench_bytes.py KMEANS_BINARY [more binaries, measured interleaved]
Needs pyte (to read the step number off the screen).
"""
import os, pty, re, select, struct, sys, time, fcntl, termios
import pyte

ARGS = ["workbench", "--sample", "blobs", "--k", "5", "--batch-size", "32", "--seed", "3", "--no-mouse"]


class Session:
    def __init__(self, binary):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
            os.execv(binary, [binary] + ARGS)
        self.screen = pyte.Screen(120, 40)
        # Answer Device Attributes requests (the workbench's arrival probes) as a terminal does.
        self.screen.write_process_input = lambda text: os.write(self.fd, text.encode())
        self.stream = pyte.ByteStream(self.screen)
        self.bursts = 0
        self.last = 0.0

    def read_for(self, seconds, until_idle=False):
        """Reads for `seconds` (or until 0.5 s of silence); returns bytes read."""
        total, start = 0, time.time()
        while time.time() - start < seconds:
            ready, _, _ = select.select([self.fd], [], [], 0.5 if until_idle else 0.02)
            if not ready:
                if until_idle:
                    break
                continue
            data = os.read(self.fd, 65536)
            now = time.time()
            if now - self.last > 0.02:
                self.bursts += 1
            self.last = now
            total += len(data)
            self.stream.feed(data)
        return total

    def step(self):
        match = re.search(r"step (\d+)  next", "\n".join(self.screen.display))
        return int(match.group(1)) if match else None

    def send(self, text):
        os.write(self.fd, text.encode())


def measure(binary):
    s = Session(binary)
    result = {"open": s.read_for(10, until_idle=True)}
    s.send("n")
    result["step"] = s.read_for(5, until_idle=True)
    for name, keys in (("auto 2/s", " "), ("auto 15/s", "+++ ")):
        s.send(keys)
        s.read_for(1)
        s.bursts = 0
        before = s.step() or 0
        seconds = 4
        result[name] = s.read_for(seconds) / seconds
        s.send(" ")
        s.read_for(3, until_idle=True)
        result[name + " frames/s"] = s.bursts / seconds
        result[name + " steps/s"] = ((s.step() or 0) - before) / seconds
        if name == "auto 2/s":
            s.send("-")  # back to 2/s before raising to 15/s below (+++ from 2/s)
            s.read_for(1, until_idle=True)
    s.send("q")
    os.waitpid(s.pid, 0)
    return result


if __name__ == "__main__":
    rounds = int(os.environ.get("ROUNDS", "2"))
    results = {b: [] for b in sys.argv[1:]}
    for _ in range(rounds):
        for binary in sys.argv[1:]:
            results[binary].append(measure(binary))
    for binary, runs in results.items():
        print(binary)
        for key in runs[0]:
            print(f"  {key:22s} " + "  ".join(f"{r[key]:8.1f}" for r in runs))
