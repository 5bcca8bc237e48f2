#!/usr/bin/env python3
"""mktree.py: make a deterministic host directory tree for round-trip tests.

    mktree.py OUT [--seed N] [--profile roundtrip|small] [--bigdir N]

Builds, under OUT (created; it must not exist or be empty), a tree that
holds every kind of object mkfs.vexfs -d must copy: regular files of sizes
around block boundaries, empty files, directories, short (inline) and long
symlinks, hard links (several names, across directories, also to a fifo,
a device and a symlink), fifos, sockets, character and block devices,
sparse files (holes at the start, middle and end, a file that is all hole,
a 1 GiB-apparent file with a few data blocks, a file of many data islands
that needs an extent tree), names of 255 bytes, names with spaces, UTF-8
and odd bytes, a deep path, varied modes (setuid, setgid, sticky), owners
and nanosecond timestamps, and one big directory of small files.

Same seed and profile, same tree: names, contents, modes, owners and
times all come from random.Random(seed) or fixed tables (inode numbers
and ctimes are the host's).  Needs root (mknod, chown).

Design: objects are created first; each file, node and symlink gets its
owner, mode and times right after it is made (chown before chmod, which
would drop the setuid bit); directories get theirs at the very end,
deepest first, because adding entries changes a directory's mtime.
The big directory is written with os.open/os.close on a directory fd and
futimens on the open fd, the cheapest way Python has.

Profiles: roundtrip (the full tree: 100000-entry big directory, 200-level
deep path, 1 GiB sparse file) and small (same kinds of objects, 64-entry
big directory, 20 levels, 64 MiB sparse file) for quick tests.
"""

import argparse
import os
import random
import stat
import sys

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

PROFILES = {
    "roundtrip": {"bigdir": 100000, "depth": 200, "bigsparse": GIB},
    "small": {"bigdir": 64, "depth": 20, "bigsparse": 64 * MIB},
}

# (uid, gid) pairs handed out in turn
OWNERS = [(0, 0), (1000, 1000), (65534, 65534), (1, 2), (123456, 654321),
          (4000000000, 4000000001)]


class Tree:
    """The tree under construction; paths are bytes relative to root."""

    def __init__(self, root, seed):
        self.root = os.fsencode(root)
        self.rng = random.Random(seed)
        self.dirs = []          # (path, mode, owner, times), creation order
        self.nowner = 0

    def path(self, rel):
        rel = os.fsencode(rel)
        return os.path.join(self.root, rel) if rel else self.root

    def owner(self):
        o = OWNERS[self.nowner % len(OWNERS)]
        self.nowner += 1
        return o

    def times(self):
        """(atime_ns, mtime_ns): seconds around 2020 plus any ns."""
        r = self.rng
        mt = (1500000000 + r.randrange(200000000)) * 10**9 + r.randrange(10**9)
        at = mt + r.randrange(10**12)
        return at, mt

    def data(self, n):
        return self.rng.randbytes(n)

    def settle(self, rel, mode, owner=None, times=None, link=False):
        """Owner, then mode (not for symlinks), then times."""
        p = self.path(rel)
        uid, gid = owner if owner else self.owner()
        os.chown(p, uid, gid, follow_symlinks=False)
        if not link:
            os.chmod(p, mode)
        os.utime(p, ns=times or self.times(), follow_symlinks=False)

    def mkdir(self, rel, mode=0o755, owner=None, times=None):
        os.mkdir(self.path(rel), 0o700)
        self.dirs.append((rel, mode, owner or self.owner(),
                          times or self.times()))

    def file(self, rel, data=b"", mode=0o644, owner=None, times=None):
        with open(self.path(rel), "wb") as f:
            f.write(data)
        self.settle(rel, mode, owner, times)

    def sparse(self, rel, size, pieces, mode=0o644):
        """A file of @size bytes holding only @pieces: (offset, length)."""
        fd = os.open(self.path(rel), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for off, n in pieces:
                os.pwrite(fd, self.data(n), off)
            os.ftruncate(fd, size)
        finally:
            os.close(fd)
        self.settle(rel, mode)

    def symlink(self, rel, target, owner=None, times=None):
        os.symlink(os.fsencode(target), self.path(rel))
        self.settle(rel, 0, owner, times, link=True)

    def node(self, rel, kind, mode, rdev=0):
        os.mknod(self.path(rel), kind | 0o600, rdev)
        self.settle(rel, mode)

    def link(self, old, new):
        os.link(self.path(old), self.path(new), follow_symlinks=False)

    def finish(self):
        """Directory attributes, deepest (latest made) first, root last."""
        for rel, mode, owner, times in reversed(self.dirs):
            self.settle(rel, mode, owner, times)


def make_sizes(t):
    t.mkdir("sizes")
    for n in (0, 1, 511, 512, 1023, 1024, 1025, 4095, 4096, 4097, 8191,
              8192, 8193, 65535, 65536, 65537, MIB + 3):
        t.file("sizes/size-%d" % n, t.data(n))
    t.file("sizes/zeros-64k", bytes(64 * KIB))      # allocated, all zero
    t.file("sizes/text", b"hello, vexfs\n" * 1000)


def make_modes(t):
    t.mkdir("modes")
    for mode in (0o000, 0o400, 0o600, 0o640, 0o644, 0o664, 0o700, 0o755,
                 0o777, 0o1755, 0o2755, 0o4755, 0o6755, 0o7777, 0o4711):
        t.file("modes/file-%04o" % mode, t.data(mode % 97), mode=mode)
    for mode in (0o1777, 0o2775, 0o700, 0o555, 0o000, 0o711):
        t.mkdir("modes/dir-%04o" % mode, mode=mode)
        t.file("modes/dir-%04o/inside" % mode, t.data(10))
    t.mkdir("modes/dir-0000-empty", mode=0)
    for i, (uid, gid) in enumerate(OWNERS):
        t.file("modes/owner-%d" % i, b"x", owner=(uid, gid))
    # timestamps: before the epoch, far future, ns edges
    for name, mt in (("time-pre-epoch", -315619199 * 10**9 + 123456789),
                     ("time-epoch", 0), ("time-ns-max", 10**18 - 1),
                     ("time-far-future", (1 << 33) * 10**9 + 1),
                     ("time-ns-one", 1600000000 * 10**9 + 1)):
        t.file("modes/" + name, b"t", times=(mt, mt))


def make_links(t):
    t.mkdir("links")
    t.mkdir("links/sub")
    t.mkdir("links/other")
    t.file("links/multi", t.data(5000))
    t.link("links/multi", "links/multi-2")
    t.link("links/multi", "links/sub/multi-3")
    t.link("links/multi", "links/other/multi-4")
    t.file("links/pair-a", t.data(100))
    t.link("links/pair-a", "links/other/pair-b")
    t.file("links/empty", b"")
    t.link("links/empty", "links/sub/empty-2")
    t.node("links/fifo", stat.S_IFIFO, 0o644)
    t.link("links/fifo", "links/sub/fifo-2")
    t.node("links/chr", stat.S_IFCHR, 0o600, os.makedev(1, 3))
    t.link("links/chr", "links/other/chr-2")
    t.symlink("links/symlink", "multi")
    t.link("links/symlink", "links/sub/symlink-2")


def make_specials(t):
    t.mkdir("special")
    t.node("special/fifo", stat.S_IFIFO, 0o640)
    t.node("special/socket", stat.S_IFSOCK, 0o755)
    for name, kind, maj, mnr in (("null", stat.S_IFCHR, 1, 3),
                                 ("tty5", stat.S_IFCHR, 4, 5),
                                 ("chr-max", stat.S_IFCHR, 4095, 1048575),
                                 ("sda1", stat.S_IFBLK, 8, 1),
                                 ("nvme", stat.S_IFBLK, 259, 65543),
                                 ("blk-zero", stat.S_IFBLK, 0, 0)):
        t.node("special/" + name, kind, 0o660, os.makedev(maj, mnr))


def make_symlinks(t):
    t.mkdir("symlinks")
    t.symlink("symlinks/short", "target")
    t.symlink("symlinks/dot", ".")
    t.symlink("symlinks/absolute", "/sizes/size-4096")
    t.symlink("symlinks/dangling", "does/not/exist")
    t.symlink("symlinks/len-127", "a" * 127)        # inline limit
    t.symlink("symlinks/len-128", "b" * 128)        # first out of line
    t.symlink("symlinks/long-1000", "/".join(["c" * 9] * 100))
    t.symlink("symlinks/long-4000", "d" * 4000)
    t.symlink("symlinks/long-4095", "e" * 4095)
    t.symlink("symlinks/utf8", "ziel-\u00fc\u00e9-\u65e5\u672c")
    t.symlink("symlinks/loop-a", "loop-b")
    t.symlink("symlinks/loop-b", "loop-a")
    t.symlink("symlinks/to-dir", "../sizes")


def make_sparse(t, bigsize):
    t.mkdir("sparse")
    t.sparse("sparse/hole-start", MIB, [(MIB - 8 * KIB, 8 * KIB)])
    t.sparse("sparse/hole-middle", MIB, [(0, 64 * KIB),
                                         (960 * KIB, 64 * KIB)])
    t.sparse("sparse/hole-end", MIB, [(0, 16 * KIB)])
    t.sparse("sparse/hole-end-odd", MIB + 1234, [(0, 5000)])
    t.sparse("sparse/all-hole", 5 * MIB, [])
    t.sparse("sparse/unaligned", 300 * KIB, [(5000, 100), (200 * KIB + 7, 9)])
    t.sparse("sparse/big", bigsize, [(0, 4 * KIB), (bigsize // 8, 8 * KIB),
                                     (bigsize // 2 + 4 * KIB, 4 * KIB),
                                     (bigsize - 100, 100)])
    # one island every 128 KiB: 40 extents, more than fit in the inode
    t.sparse("sparse/islands", 40 * 128 * KIB,
             [(i * 128 * KIB, 4 * KIB) for i in range(40)])


def make_names(t):
    t.mkdir("names")
    t.file(b"names/" + b"n" * 255, b"longest ascii name")
    t.file(b"names/" + "\u00e9".encode() * 127 + b"x", b"longest utf-8")
    t.mkdir(b"names/" + b"D" * 255)
    t.file(b"names/" + b"D" * 255 + b"/" + b"f" * 255, b"in a long dir")
    t.symlink(b"names/" + b"L" * 255, b"n" * 255)
    for name in ("with space", " leading space", "trailing space ",
                 "na\u00efve caf\u00e9.txt", "\u65e5\u672c\u8a9e\u306e"
                 "\u30d5\u30a1\u30a4\u30eb", "emoji-\U0001f600",
                 "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
                 "-dash", "*?[]", "...", "..x", ".hidden", "a:b",
                 "quote'\"", "$(echo x)", "back\\slash"):
        t.file("names/" + name, name.encode())
    for raw in (b"odd-\x01\x02\x1f\x7f", b"high-\x80\xfe\xff",
                b"tab\there", b"new\nline", b"esc-\x1b[0m"):
        t.file(b"names/" + raw, raw)


def make_deep(t, depth):
    rel = "deep"
    t.mkdir(rel)
    for i in range(depth):
        rel += "/l%03d" % i
        t.mkdir(rel)
    t.file(rel + "/bottom", t.data(3000))
    t.symlink(rel + "/up", "/".join([".."] * depth))
    t.mkdir(rel + "/empty-leaf")


def make_bigdir(t, n):
    """@n small or empty files in one directory, fast."""
    t.mkdir("bigdir")
    dfd = os.open(t.path("bigdir"), os.O_RDONLY | os.O_DIRECTORY)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    base = 1600000000 * 10**9
    try:
        for i in range(n):
            name = "%06d-%s" % (i, "x" * (i % 61))
            fd = os.open(name, flags, 0o644, dir_fd=dfd)
            if i % 16 == 0:
                os.write(fd, b"%d\n" % i * (i % 7 + 1))
            os.utime(fd, ns=(base + i, base + i * 1009))
            os.close(fd)
    finally:
        os.close(dfd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="directory to create (absent or empty)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", choices=sorted(PROFILES), default="roundtrip")
    ap.add_argument("--bigdir", type=int, default=None,
                    help="entries in bigdir/ (default: from the profile)")
    a = ap.parse_args()
    prof = dict(PROFILES[a.profile])
    if a.bigdir is not None:
        if a.bigdir < 0:
            ap.error("--bigdir must be >= 0")
        prof["bigdir"] = a.bigdir
    if os.geteuid() != 0:
        sys.exit("mktree: must run as root (mknod, chown)")
    if os.path.exists(a.out) and os.listdir(a.out):
        sys.exit("mktree: %s exists and is not empty" % a.out)
    os.umask(0o022)         # modes of the big directory's files
    os.makedirs(a.out, exist_ok=True)
    t = Tree(a.out, a.seed)
    t.dirs.append(("", 0o755, (0, 0), t.times()))   # the root, done last
    make_sizes(t)
    make_modes(t)
    make_links(t)
    make_specials(t)
    make_symlinks(t)
    make_sparse(t, prof["bigsparse"])
    make_names(t)
    make_deep(t, prof["depth"])
    make_bigdir(t, prof["bigdir"])
    t.mkdir("empty-dir")
    t.finish()


if __name__ == "__main__":
    main()
