#!/usr/bin/env python3
"""ptydrive.py: run a command on a pseudo-terminal, type into it, wait for
what it shows, and print what the terminal shows at the end.

    ptydrive.py [STEP ARG]... -- COMMAND [ARG]...

Steps run in order:
    expect TEXT   wait until TEXT appears on the terminal after the end
                  of the previous match, or where something was written
                  since (a line editor redraws lines in place)
    send TEXT     type TEXT, once the terminal is in raw mode (a line
                  editor reading) or after a second
    sleep SECS    wait
    timeout SECS  how long each later expect and the final wait may take
                  (default 10)
TEXT takes Python escapes: \\r Enter, \\t Tab, \\x03 Ctrl-C, \\x04 Ctrl-D,
\\x1b[A the up arrow.  After the last step the driver waits for the
command to end.

The terminal is 80 columns wide with TERM=xterm, and emulated just
enough (class Screen) to show text as a user would see it after a line
editor's cursor moves and redraws; nothing scrolls away, a line that
wrapped at the 80th column is one line, and a line ends after its last
character ever written and not erased, so spaces typed at the end of a
line stay.  Each line of it goes to standard
output at the end.  The exit status is the command's (128 + N when
killed by signal N); 124 when an expect or the final wait timed out,
125 when the output ended before an expect matched, 2 for a bad command
line; the reason is on standard error.
"""
import codecs
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

WIDTH, HEIGHT = 80, 24
CSI = re.compile(r"\x1b\[([0-9;?]*)[ -/]*([@-~])")
OTHER_ESC = re.compile(r"\x1b(\][^\x07]*\x07|[()][0-9A-Za-z]|.)", re.S)


class Screen:
    """just enough of a terminal to see what a line editor shows: an
    unbounded grid of cells (None: blank never written, or erased) with
    a cursor, printable characters, \\r \\n \\b \\t, cursor moves and
    erasing (the CSI sequences libedit sends for TERM=xterm)"""

    def __init__(self):
        self.rows = [[]]
        self.row = self.col = 0
        self.pending = ""   # an incomplete escape sequence
        self.wrapped = set()    # rows continued on the next by wrapping
        self.low = None     # first (row, col) written since forget()

    def line(self):
        while len(self.rows) <= self.row:
            self.rows.append([])
        cells = self.rows[self.row]
        if len(cells) < self.col:
            cells.extend([None] * (self.col - len(cells)))
        return cells

    def put(self, ch):
        if self.col >= WIDTH:           # xterm's deferred wrap
            self.wrapped.add(self.row)
            self.row, self.col = self.row + 1, 0
        if self.low is None or (self.row, self.col) < self.low:
            self.low = (self.row, self.col)
        cells = self.line()
        if self.col < len(cells):
            cells[self.col] = ch
        else:
            cells.append(ch)
        self.col += 1

    def csi(self, params, final):
        nums = [int(n) if n.isdigit() else 0
                for n in params.lstrip("?").split(";")]
        n = max(nums[0], 1)
        top = max(0, len(self.rows) - HEIGHT)
        cells = self.line()
        if final == "A":
            self.row = max(0, self.row - n)
        elif final == "B":
            self.row += n
        elif final == "C":
            self.col = min(WIDTH - 1, self.col + n)
        elif final == "D":
            self.col = max(0, self.col - n)
        elif final == "G":
            self.col = min(WIDTH, n) - 1
        elif final in "Hf":
            self.row = top + n - 1
            self.col = max(nums[1] if len(nums) > 1 else 1, 1) - 1
        elif final == "K":
            if nums[0] == 0:
                del cells[self.col:]
            elif nums[0] == 1:
                cells[:self.col + 1] = [None] * min(self.col + 1,
                                                    len(cells))
            else:
                cells.clear()
        elif final == "J":
            if nums[0] == 0:
                del cells[self.col:]
                del self.rows[self.row + 1:]
        elif final == "P":
            del cells[self.col:self.col + n]
        elif final == "@":
            cells[self.col:self.col] = [None] * n
        elif final == "X":
            for i in range(self.col, min(len(cells), self.col + n)):
                cells[i] = None
        # anything else (colours, modes, margins) changes no text

    def feed(self, text):
        text = self.pending + text
        self.pending = ""
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "\x1b":
                m = CSI.match(text, i) or OTHER_ESC.match(text, i)
                if not m:
                    self.pending = text[i:]
                    return
                if m.re is CSI:
                    self.csi(m.group(1), m.group(2))
                i = m.end()
                continue
            if ch == "\r":
                self.col = 0
            elif ch == "\n":
                self.row += 1
                self.line()
            elif ch == "\b":
                self.col = max(0, min(self.col, WIDTH) - 1)
            elif ch == "\t":
                self.col = min(WIDTH - 1, (self.col // 8 + 1) * 8)
            elif ch >= " " and ch != "\x7f":
                self.put(ch)
            i += 1

    def forget(self):
        self.low = None

    def text(self):
        """(the text shown, its offset of self.low or None); a wrapped
        line is one line"""
        out, at, low = [], 0, None
        for r, cells in enumerate(self.rows):
            if self.low and self.low[0] == r:
                low = at + self.low[1]
            line = "".join(c or " " for c in cells)
            if r in self.wrapped:
                line = line.ljust(WIDTH)
            else:
                line += "\n"
            out.append(line)
            at += len(line)
        text = "".join(out).rstrip("\n") + "\n"
        return text, low


def usage(msg):
    sys.stderr.write("ptydrive: %s\nusage: ptydrive.py [STEP ARG]... -- "
                     "COMMAND [ARG]...\n" % msg)
    sys.exit(2)


def parse(argv):
    steps = []
    i = 0
    while i < len(argv) and argv[i] != "--":
        if argv[i] not in ("expect", "send", "sleep", "timeout"):
            usage("unknown step: %s" % argv[i])
        if i + 1 >= len(argv):
            usage("%s needs an argument" % argv[i])
        steps.append((argv[i], argv[i + 1]))
        i += 2
    if i + 1 >= len(argv):
        usage("no command after --")
    return steps, argv[i + 1:]


def spawn(cmd):
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.environ["TERM"] = "xterm"
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            sys.stderr.write("ptydrive: %s: %s\n" % (cmd[0], e.strerror))
            os._exit(127)
    return pid, fd


class Session:
    def __init__(self, pid, fd):
        self.pid, self.fd = pid, fd
        self.screen = Screen()
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.mark = 0       # where the next expect starts, in text()
        self.eof = False
        self.timeout = 10.0

    def read(self, deadline):
        """read what is there (until @deadline); False at timeout"""
        left = deadline - time.monotonic()
        if self.eof or left <= 0:
            return False
        ready, _, _ = select.select([self.fd], [], [], left)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 4096)
        except OSError:     # EIO: the other side is closed
            data = b""
        if not data:
            self.eof = True
        self.screen.feed(self.decoder.decode(data, final=not data))
        return True

    def wait_raw(self):
        """give the command up to a second to leave canonical mode (a line
        editor sets raw mode after printing its prompt; what is typed
        before that is echoed by the terminal as well)"""
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and not self.eof:
            try:
                lflag = termios.tcgetattr(self.fd)[3]
            except termios.error:
                return
            if not lflag & termios.ICANON:
                return
            self.read(time.monotonic() + 0.01)

    def expect(self, text):
        deadline = time.monotonic() + self.timeout
        while True:
            # from the previous match on, or from anything written since
            # (a line editor redraws the line in place)
            out, low = self.screen.text()
            start = min(self.mark, len(out), low if low is not None
                        else len(out))
            at = out.find(text, start)
            if at >= 0:
                self.mark = at + len(text)
                self.screen.forget()
                return 0
            if self.eof:
                return self.fail(125, "the output ended before %r" % text)
            if not self.read(deadline):
                if self.eof:
                    continue
                return self.fail(124, "timed out waiting for %r" % text)

    def fail(self, code, why):
        sys.stderr.write("ptydrive: %s\n" % why)
        self.finish(kill=True)
        return code

    def finish(self, kill=False):
        """wait for the command to end; returns its status"""
        if kill:
            os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + self.timeout
        while True:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() >= deadline:
                sys.stderr.write("ptydrive: the command did not end\n")
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                self.dump()
                return 124
            if not self.read(min(deadline, time.monotonic() + 0.05)):
                time.sleep(0.01)
        while self.read(time.monotonic() + 0.2):
            pass
        self.dump()
        if os.WIFSIGNALED(status):
            return 128 + os.WTERMSIG(status)
        return os.WEXITSTATUS(status)

    def dump(self):
        sys.stdout.write(self.screen.text()[0])
        sys.stdout.flush()


def main():
    steps, cmd = parse(sys.argv[1:])
    s = Session(*spawn(cmd))
    for step, arg in steps:
        arg = codecs.decode(arg, "unicode_escape")
        if step == "timeout":
            s.timeout = float(arg)
        elif step == "sleep":
            deadline = time.monotonic() + float(arg)
            while s.read(deadline):
                pass
        elif step == "send":
            s.wait_raw()
            os.write(s.fd, arg.encode())
        else:
            code = s.expect(arg)
            if code:
                return code
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
