#!/usr/bin/env python3
"""fsckrand.py: the fixtures and the bookkeeping of tests/cli/2200-fsck-random.bats.

    fsckrand.py tree DIR
    fsckrand.py edit IMG DIR
    fsckrand.py record IMG OUT.json
    fsckrand.py damage SEED OLD IMG RECORD.json OUT.json
    fsckrand.py verify IMG RECORD.json DAMAGE.json DIR

tree    makes a deterministic host tree under DIR (which must not exist):
        directories a few levels deep, 110 files of varied sizes (empty,
        around block boundaries, up to 1.5 MiB), two sparse files of 12 and
        40 one-block islands (extent-tree nodes), hard links within and
        across directories, a short and a long symlink, an empty directory
        and /many, a directory of 300 names.
edit    changes IMG through libvexfs (lib/libvexfs.so.0, by ctypes; each
        call its own transaction, timestamps fixed): a new file, one
        rewritten at its head, one grown, one shrunk, one unlinked, a new
        directory with a file, two renames (one across directories), a
        hard link and 10 more names in /many; then makes the same
        changes to the host tree DIR and copies the image's mode and mtime
        of every changed object and every directory to it, so that `vxtree
        compare IMG DIR` finds no difference.  An image before edit and the
        same image after it give stale copies: an older version of a
        metadata block, as a lost write would leave it.
record  writes what the checks need: every metadata block (`vxdamage
        meta-blocks`), and for every regular file path the blocks whose
        damage may cost it its place: its own data and node blocks and
        inode-table block, and for each ancestor directory (the root
        included) its blocks and its inode-table block.
damage  picks, with random.Random(SEED), 1 to 3 metadata blocks of IMG and
        damages each with vxdamage: flip 1-8 bits (block-flip), zero it
        (block-zero) or write back its older version from OLD (block-save
        from OLD, block-load into IMG; only blocks that differ between OLD
        and IMG).  A kind of block is picked first, evenly among the kinds
        present, then a block of that kind, so that the rare kinds (super,
        group headers, bitmaps, the journal superblock) are hit as often as
        the many inode-table and directory blocks.  At most one copy of the
        superblock is damaged.  Prints the vxdamage commands it ran (the
        reproduction) and a summary line; writes the damaged blocks to OUT.
verify  runs `vxtree compare IMG DIR` and checks that every regular file
        path none of whose recorded blocks was damaged is still there with
        the same type, mode, owner, size, mtime and contents (nlink and
        hard-link differences are allowed for a file with several names:
        another of its names may have been damaged), and that none of its
        ancestor directories went missing or changed type.  Prints the
        failures and "verify: N files checked, M skipped (damaged)"; exit
        0 when all held, 1 otherwise, 2 when compare could not run.

VXDAMAGE and VXTREE (environment) name the helpers; by default they are
found next to this script.
"""

import ctypes
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
VXDAMAGE = os.environ.get("VXDAMAGE", os.path.join(HERE, "vxdamage"))
VXTREE = os.environ.get("VXTREE", os.path.join(HERE, "vxtree"))
LIBVEXFS = os.environ.get("LIBVEXFS",
                          os.path.join(TOP, "lib", "libvexfs.so.0"))
FIXED_TIME = 1700000000     # every timestamp edit sets


def die(msg):
    print("fsckrand: " + msg, file=sys.stderr)
    sys.exit(2)


def run(*args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        die("%s: exit %d: %s" % (" ".join(args), p.returncode,
                                 p.stderr.strip()))
    return p.stdout


# ---- tree ----

def cmd_tree(out):
    rng = random.Random(2200)
    os.makedirs(out)
    dirs = ["docs", "src", "src/a", "src/b", "src/b/c", "src/b/c/d",
            "data", "many", "empty"]
    for d in dirs:
        os.makedirs(os.path.join(out, d))
    files = []
    sizes = [0, 1, 100, 4095, 4096, 4097, 8191, 8192, 12289, 65536]
    for i in range(40):
        files.append(("docs/doc-%02d.txt" % i,
                      sizes[i] if i < len(sizes) else rng.randrange(20000)))
    for i in range(60):
        d = ["src", "src/a", "src/b", "src/b/c", "src/b/c/d"][i % 5]
        files.append(("%s/file-%02d.c" % (d, i), rng.randrange(70000)))
    for i in range(10):
        files.append(("data/blob-%d.bin" % i,
                      rng.randrange(100 * 1024, 1536 * 1024)))
    for path, size in files:
        with open(os.path.join(out, path), "wb") as f:
            f.write(rng.randbytes(size))
    # sparse files of one-block islands: more extents than the inode holds
    for name, n in (("sparse-12", 12), ("sparse-40", 40)):
        with open(os.path.join(out, name), "wb") as f:
            for i in range(n):
                f.seek(i * 2 * 4096)
                f.write(rng.randbytes(4096))
    for i in range(300):
        with open(os.path.join(out, "many",
                               "entry-%04d-%08x" % (i, rng.getrandbits(32))),
                  "wb") as f:
            f.write(rng.randbytes(rng.randrange(300)))
    links = [("docs/doc-03.txt", "src/b/c/link-doc-03"),
             ("docs/doc-03.txt", "data/link2-doc-03"),
             ("src/a/file-01.c", "src/a/file-01-again.c"),
             ("data/blob-2.bin", "docs/blob-2-link"),
             ("src/b/c/d/file-04.c", "many/zz-link-file-04")]
    for src, dst in links:
        os.link(os.path.join(out, src), os.path.join(out, dst))
    os.symlink("docs/doc-01.txt", os.path.join(out, "short-link"))
    os.symlink("../" * 30 + "x" * 150, os.path.join(out, "src/long-link"))
    # fixed times, deepest first (writing a name changes a directory's)
    for root, dnames, fnames in os.walk(out, topdown=False):
        for n in fnames + dnames:
            os.utime(os.path.join(root, n), ns=(1600000000 * 10**9,) * 2,
                     follow_symlinks=False)
    os.utime(out, ns=(1600000000 * 10**9,) * 2)


# ---- edit, through libvexfs ----

class OpenOpts(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint), ("sb_block", ctypes.c_uint64),
                ("cache_bytes", ctypes.c_size_t), ("log", ctypes.c_void_p),
                ("log_ctx", ctypes.c_void_p),
                ("fixed_time", ctypes.c_int64)]


class Lib:
    def __init__(self, img):
        if not os.path.exists(LIBVEXFS):
            die("%s is not built (make builds it)" % LIBVEXFS)
        try:
            self.lib = ctypes.CDLL(LIBVEXFS)
        except OSError as e:
            # the sanitizer build (make asan): python itself must start
            # with the sanitizer runtimes loaded; run again with them
            if "__asan" not in str(e) or os.environ.get("FSCKRAND_PRELOADED"):
                raise
            rt = [subprocess.run(["cc", "-print-file-name=" + n],
                                 capture_output=True, text=True).stdout.strip()
                  for n in ("libasan.so", "libubsan.so")]
            env = dict(os.environ, FSCKRAND_PRELOADED="1",
                       LD_PRELOAD=":".join(rt),
                       ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
                       ":detect_leaks=0:verify_asan_link_order=0")
            os.execve(sys.executable, [sys.executable] + sys.argv, env)
        self.lib.vx_strerror.restype = ctypes.c_char_p
        io = ctypes.c_void_p()
        self.check(self.lib.vx_io_unix_open(img.encode(), 0,
                                            ctypes.byref(io)), "open " + img)
        opts = OpenOpts(fixed_time=FIXED_TIME)
        self.fs = ctypes.c_void_p()
        self.check(self.lib.vx_fs_open(io, ctypes.byref(opts),
                                       ctypes.byref(self.fs)), "vx_fs_open")

    def check(self, err, what):
        if err:
            die("%s: %s" % (what, self.lib.vx_strerror(err).decode()))

    def ino(self, path):
        ino = ctypes.c_uint64()
        self.check(self.lib.vx_lookup_path(self.fs, None, ctypes.c_uint64(1),
                                           path.encode(), 0,
                                           ctypes.byref(ino)), path)
        return ino.value

    def split(self, path):
        d, n = os.path.split(path)
        return ctypes.c_uint64(self.ino(d)), n.encode()

    def create(self, path):
        d, n = self.split(path)
        ino = ctypes.c_uint64()
        self.check(self.lib.vx_create(self.fs, None, d, n, None,
                                      ctypes.byref(ino)), "create " + path)
        return ino.value

    def mkdir(self, path):
        d, n = self.split(path)
        ino = ctypes.c_uint64()
        self.check(self.lib.vx_mkdir(self.fs, None, d, n, None,
                                     ctypes.byref(ino)), "mkdir " + path)

    def write(self, path, off, data):
        self.check(self.lib.vx_write(self.fs, None,
                                     ctypes.c_uint64(self.ino(path)),
                                     ctypes.c_uint64(off), data,
                                     ctypes.c_size_t(len(data))),
                   "write " + path)

    def truncate(self, path, size):
        self.check(self.lib.vx_truncate(self.fs, None,
                                        ctypes.c_uint64(self.ino(path)),
                                        ctypes.c_uint64(size)),
                   "truncate " + path)

    def unlink(self, path):
        d, n = self.split(path)
        self.check(self.lib.vx_unlink(self.fs, None, d, n), "unlink " + path)

    def rename(self, a, b):
        da, na = self.split(a)
        db, nb = self.split(b)
        self.check(self.lib.vx_rename(self.fs, None, da, na, db, nb, 0),
                   "rename " + a)

    def link(self, a, b):
        db, nb = self.split(b)
        self.check(self.lib.vx_link(self.fs, None,
                                    ctypes.c_uint64(self.ino(a)), db, nb),
                   "link " + a)

    def close(self):
        self.check(self.lib.vx_fs_close(self.fs), "vx_fs_close")


class Host:
    def __init__(self, root):
        self.root = root

    def p(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def create(self, path):
        open(self.p(path), "xb").close()

    def mkdir(self, path):
        os.mkdir(self.p(path))

    def write(self, path, off, data):
        with open(self.p(path), "r+b") as f:
            f.seek(off)
            f.write(data)

    def truncate(self, path, size):
        os.truncate(self.p(path), size)

    def unlink(self, path):
        os.unlink(self.p(path))

    def rename(self, a, b):
        os.rename(self.p(a), self.p(b))

    def link(self, a, b):
        os.link(self.p(a), self.p(b))


def edits(fs, rng, many5):
    """the changes, the same on the image and on the host; @many5 is the
    name of /many's entry 0005"""
    fs.create("/docs/new-after-mkfs.txt")
    fs.write("/docs/new-after-mkfs.txt", 0, rng.randbytes(20000))
    fs.write("/data/blob-5.bin", 0, rng.randbytes(10))  # the head, again
    fs.truncate("/data/blob-7.bin", 50000)
    fs.unlink("/src/a/file-06.c")
    fs.mkdir("/newdir")
    fs.create("/newdir/inside")
    fs.write("/newdir/inside", 0, rng.randbytes(9000))
    fs.rename("/many/" + many5, "/many/renamed-0005")
    fs.rename("/src/b/file-02.c", "/src/b/c/moved-file-02.c")
    fs.link("/src/b/c/file-03.c", "/docs/link-file-03")
    for i in range(10):
        fs.create("/many/added-%02d" % i)
        fs.write("/many/added-%02d" % i, 0, rng.randbytes(rng.randrange(1, 3000)))
    fs.write("/src/b/c/d/file-04.c", 3000, rng.randbytes(30000))  # grows


def vxls(img):
    out = {}
    for line in run(VXTREE, "ls", img).splitlines():
        f = line.split(" ", 7)
        path = f[7].split(" -> ")[0]
        out[path] = {"type": f[0], "mode": int(f[1], 8), "nlink": int(f[4]),
                     "size": int(f[5]), "mtime": f[6]}
    return out


def cmd_edit(img, tree):
    many5 = [n for n in os.listdir(os.path.join(tree, "many"))
             if n.startswith("entry-0005-")][0]
    fs = Lib(img)
    edits(fs, random.Random(5001), many5)
    fs.close()
    edits(Host(tree), random.Random(5001), many5)
    # the image's modes and times onto the host: what the library set
    changed = {"/docs/new-after-mkfs.txt", "/data/blob-5.bin",
               "/data/blob-7.bin", "/newdir/inside", "/many/renamed-0005",
               "/src/b/c/moved-file-02.c", "/src/b/c/file-03.c",
               "/docs/link-file-03", "/src/b/c/d/file-04.c"}
    changed |= {"/many/added-%02d" % i for i in range(10)}
    ls = vxls(img)
    for path, a in sorted(ls.items(), key=lambda x: -len(x[0])):
        if path.startswith("/lost+found"):
            continue
        if a["type"] == "dir" or path in changed:
            h = os.path.join(tree, path.lstrip("/")) if path != "/" else tree
            s, ns = a["mtime"].split(".")
            os.chmod(h, a["mode"])
            os.utime(h, ns=(int(s) * 10**9 + int(ns),) * 2)


# ---- record ----

def blocks_of(img, path):
    """data and node blocks, and the inode-table block, of @path"""
    out = set()
    for line in run(VXDAMAGE, img, "blocks", path).splitlines():
        f = line.split()
        out.add(int(f[-1]))
    out.add(int(run(VXDAMAGE, img, "slot", path).split()[0]))
    return path, sorted(out)


def ancestors(path):
    parts = path.strip("/").split("/")[:-1]
    return ["/"] + ["/" + "/".join(parts[:i + 1]) for i in range(len(parts))]


def cmd_record(img, out):
    ls = vxls(img)
    meta = []
    for line in run(VXDAMAGE, img, "meta-blocks").splitlines():
        f = line.split()
        meta.append([f[0], int(f[1]) if len(f) == 3 else None, int(f[-1])])
    regs = sorted(p for p, a in ls.items() if a["type"] == "reg" and
                  not p.startswith("/lost+found/"))
    dirs = sorted({a for p in regs for a in ancestors(p)})
    with ThreadPoolExecutor(max_workers=4) as ex:
        own = dict(ex.map(lambda p: blocks_of(img, p), regs + dirs))
    files = []
    for p in regs:
        bl = set(own[p])
        for a in ancestors(p):
            bl |= set(own[a])
        files.append({"path": p, "nlink": ls[p]["nlink"],
                      "blocks": sorted(bl)})
    with open(out, "w") as f:
        json.dump({"meta": meta, "files": files}, f)
    print("record: %d metadata blocks, %d files" % (len(meta), len(files)))


# ---- damage ----

def read_block(img, blk, bs=4096):
    with open(img, "rb") as f:
        f.seek(blk * bs)
        return f.read(bs)


def cmd_damage(seed, old, img, record, out):
    rng = random.Random(int(seed))
    with open(record) as f:
        meta = json.load(f)["meta"]
    bs = int([line.split()[1] for line in run(VXTREE, "super", img).splitlines()
              if line.startswith("block_size:")][0])
    by_blk = {}
    for kind, g, blk in meta:
        by_blk.setdefault(blk, (kind, g))
    stale_ok = {b for b in by_blk
                if read_block(old, b, bs) != read_block(img, b, bs)}
    chosen = []
    for _ in range(rng.randint(1, 3)):
        action = rng.choice(["flip", "flip", "zero", "stale"])
        cand = [b for b in sorted(by_blk)
                if b not in [c[0] for c in chosen] and
                (action != "stale" or b in stale_ok) and
                not (by_blk[b][0] in ("super", "backup") and
                     any(by_blk[c[0]][0] in ("super", "backup")
                         for c in chosen))]
        if not cand:
            continue
        kinds = sorted({by_blk[b][0] for b in cand})
        kind = rng.choice(kinds)
        blk = rng.choice([b for b in cand if by_blk[b][0] == kind])
        chosen.append((blk, action))
    # the superblock last: raw block commands read the block size from it
    chosen.sort(key=lambda c: by_blk[c[0]][0] == "super")
    damaged = []
    for blk, action in chosen:
        kind, g = by_blk[blk]
        what = kind + ("(g%d)" % g if g is not None else "")
        if action == "flip":
            bits, n = set(), rng.randint(1, 8)
            while len(bits) < n:
                bits.add((rng.randrange(bs), rng.randrange(8)))
            cmds = [[VXDAMAGE, img, "block-flip", str(blk), str(by), str(bi)]
                    for by, bi in sorted(bits)]
            desc = "%d bits flipped" % len(bits)
        elif action == "zero":
            cmds = [[VXDAMAGE, img, "block-zero", str(blk)]]
            desc = "zeroed"
        else:
            save = "%s.blk%d" % (out, blk)
            cmds = [[VXDAMAGE, old, "block-save", str(blk), save],
                    [VXDAMAGE, img, "block-load", str(blk), save]]
            desc = "older copy written back"
        for c in cmds:
            run(*c)
            print("  vxdamage " + " ".join(
                os.path.basename(a) if a in (img, old) or a.startswith(out)
                else a for a in c[1:]))
        damaged.append({"block": blk, "kind": what, "action": desc})
    with open(out, "w") as f:
        json.dump(damaged, f)
    print("seed %s damaged: %s" % (seed, "; ".join(
        "%s %d %s" % (d["kind"], d["block"], d["action"]) for d in damaged)))


# ---- verify ----

def cmd_verify(img, record, damage, tree):
    with open(record) as f:
        files = json.load(f)["files"]
    with open(damage) as f:
        bad = {d["block"] for d in json.load(f)}
    p = subprocess.run([VXTREE, "compare", img, tree], capture_output=True,
                       text=True)
    if p.returncode not in (0, 1):
        print("verify: vxtree compare failed (exit %d): %s" %
              (p.returncode, p.stderr.strip()))
        return 2
    diffs = {}
    for line in p.stdout.splitlines()[:-1]:
        path, _, what = line.partition(": ")
        diffs.setdefault(path, []).append(what)
    checked = skipped = 0
    fails = []
    for f in files:
        if bad & set(f["blocks"]):
            skipped += 1
            continue
        checked += 1
        for w in diffs.get(f["path"], []):
            if f["nlink"] > 1 and w.split(":")[0] in ("nlink", "hard link"):
                continue
            fails.append("%s: %s" % (f["path"], w))
        for a in ancestors(f["path"]):
            for w in diffs.get(a, []):
                if w.split(":")[0] in ("presence", "type"):
                    fails.append("%s: ancestor %s: %s" % (f["path"], a, w))
    for line in fails:
        print("verify: undamaged file lost or changed: " + line)
    print("verify: %d files checked, %d skipped (damaged)" %
          (checked, skipped))
    return 1 if fails else 0


def main(argv):
    cmds = {"tree": (cmd_tree, 1), "edit": (cmd_edit, 2),
            "record": (cmd_record, 2), "damage": (cmd_damage, 5),
            "verify": (cmd_verify, 4)}
    if len(argv) < 2 or argv[1] not in cmds or \
       len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    return cmds[argv[1]][0](*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
