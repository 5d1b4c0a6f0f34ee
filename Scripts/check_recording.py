"""Checks kmeans workbench recordings with asciinema's own reader and the pyte terminal emulator.

For each CAST (and, optionally, the text snapshot of the screen the workbench showed last): the file opens with
asciinema's asciicast reader as version 2, width/height are the expected ones, event times never go backwards, and
replaying every output event through pyte ends on exactly the snapshot's characters.

Usage: python check_recording.py FILE.cast [SNAPSHOT.txt] [WIDTHxHEIGHT]
"""
import sys

import pyte
from asciinema import asciicast


def main() -> int:
    path = sys.argv[1]
    snapshot = sys.argv[2] if len(sys.argv) > 2 else None
    with asciicast.open_from_url(path) as cast:
        header = cast.v2_header
        width, height = header["width"], header["height"]
        if len(sys.argv) > 3:
            expected = tuple(int(n) for n in sys.argv[3].split("x"))
            assert (width, height) == expected, f"size {width}x{height}, expected {sys.argv[3]}"
        screen = pyte.Screen(width, height)
        stream = pyte.Stream(screen)
        last = 0.0
        events = 0
        total = 0
        for time, kind, data in cast.events():
            assert time >= last, f"event {events} at {time} s comes before {last} s"
            last = time
            if kind == "o":
                stream.feed(data)
                total += len(data.encode("utf-8"))
            events += 1
    print(f"{path}: asciicast v{header['version']}, {width}x{height}, {events} events in time order, "
          f"{last:.3f} s, {total} bytes of output")
    if snapshot is None:
        return 0
    with open(snapshot, encoding="utf-8") as handle:
        wanted = handle.read().split("\n")
    shown = [line.rstrip() for line in screen.display]
    wanted = [line.rstrip() for line in wanted[:height]]
    wanted += [""] * (height - len(wanted))
    differing = [row for row in range(height) if shown[row] != wanted[row]]
    if differing:
        for row in differing[:5]:
            print(f"row {row}:\n  pyte:     {shown[row]!r}\n  snapshot: {wanted[row]!r}")
        print(f"FAIL: {len(differing)} of {height} rows differ from {snapshot}")
        return 1
    print(f"replayed through pyte {pyte.__name__} {getattr(pyte, '__version__', '')}: all {height} rows equal {snapshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
