/*
 * fuzz_debugfs.c: libFuzzer target for debugfs.vexfs's read-only
 * commands on a whole mutated image: the places where debugfs parses
 * on-disk data itself (htree and dirsearch read directory nodes raw,
 * icheck walks inode tables and extent trees raw, rdump salvages the
 * leaves of a directory the library refuses, freefrag reads bitmaps,
 * block_dump -x decodes headers, logdump prints the journal scan).
 *
 * The debugfs sources are linked as they are, but main.c (the entry
 * point; this file provides the struct dbg_opts and struct dbg main.c
 * would) and shell.c (libedit; nothing else calls dbg_shell):
 * scripts/fuzz.sh compiles them into this target only, with the same
 * sanitizers.
 *
 * The input is the image (the seeds: the populated images of
 * fuzz_seed_images.h, one like them with committed transactions left in
 * its journal, and one with hostile directories and a deep extent tree,
 * see seed_hostile).  Half of the mutations change one block that looks
 * like metadata or an inode table (LLVMFuzzerCustomMutator): random
 * changes anywhere in a megabyte seldom hit the few dozen blocks debugfs
 * parses.  The image is tried as it is and, when that changes it,
 * re-sealed by fix_up (fuzz_seed_images.h) so that mutations get past
 * the checksums.  Each version is written to a memfd, opened through
 * /proc/self/fd/N with dbg_open, read-only, both normally and with -c
 * (catastrophic), and when it opens, these lines run through
 * dbg_run_line:
 *   stats [--json|-h], groups [--json], freefrag [-c 16], ls -l -a /,
 *   stat --json /, htree -v /, dirsearch / lost+found, dirsearch / big,
 *   ncheck 1 2 3, ncheck -c 4 5 6, logdump -a -d, logdump [-a] --json,
 *   block_dump -x 0 and of a block picked by the input's crc (any
 *   change picks another),
 *   check;
 *   find / (its output captured), then for each of the first MAX_PATHS
 *   paths it printed: stat, and dirsearch of the name in its parent;
 *   for each of the first MAX_DIRS directories: htree -v, cd, pwd,
 *   ls -l, cd /; cat of the first MAX_CAT regular files (those of at
 *   most MAX_CAT_SIZE bytes: cat of a huge sparse file only takes long);
 *   icheck of blocks 0, 1, the first blocks of / and /big and the
 *   picked block (those inside the filesystem);
 *   rdump / OUT (rdump -p in the -c session).
 *
 * rdump's property is checked: OUT is made fresh in a sandbox directory
 * of this process (in $TMPDIR when set, else /dev/shm, else /tmp; left
 * behind when the process dies of a finding), and afterwards the
 * sandbox must hold nothing but OUT: rdump never writes outside its
 * target.  OUT is then removed (unlinkat, never following a symlink,
 * a directory's mode set to 0700 before it is read).  Nothing else is
 * checked: the image is hostile, any error is a fine answer; crashes,
 * hangs and leaks are findings.
 *
 * Output: standard output goes to /dev/null for good (freopen at
 * initialization; find's is captured in a memory stream while it runs).
 * The commands' messages on stderr go to /dev/null too, by pointing the
 * stdio stream stderr (glibc lets it be assigned) at /dev/null while a
 * session runs; the harness's own CHECK prints where stderr was.
 * Descriptor 2 is left alone: the sanitizers' reports and libFuzzer's
 * crash messages are written to it directly, so a crash inside a
 * command is reported in full (/dev/null dup2'ed onto descriptor 2
 * around the commands would hide exactly those).
 *
 * With VX_FUZZ_SEEDS=DIR the binary writes its seeds (four images) to
 * DIR and exits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sanitizer/allocator_interface.h>
#include <urcu-bp.h>
#include "fs_int.h"
#include "fuzz_common.h"
#include "fuzz_seed_images.h"
#include "../../debugfs/debugfs.h"

/* the harness's own checks print where stderr was, also while the
 * commands' messages go to /dev/null */
#undef CHECK
#define CHECK(c) do { if (!(c)) { \
	fprintf(g_err ? g_err : stderr, "%s:%d: check failed: %s\n", \
		__FILE__, __LINE__, #c); \
	abort(); } } while (0)

#define MAX_IMAGE	(4u << 20)
#define MAX_PATHS	40		/* lines of find's output looked at */
#define MAX_DIRS	20		/* directories htree looks at */
#define MAX_CAT		8		/* files cat reads */
#define MAX_CAT_SIZE	(1u << 20)

static FILE *g_null;			/* /dev/null, for stderr */
static FILE *g_err;			/* stderr as it was */
static char g_box[4096];		/* the sandbox directory */
static long g_live;			/* mallocs less frees, this input */

/* ---- every input frees what it allocated ----
 * The library's cache frees the buffers it drops through call_rcu,
 * later, in liburcu's worker thread.  An input that leaves such frees
 * pending looks to libFuzzer like one that leaks (more mallocs than
 * frees), and after many of those it turns its per-input leak check
 * off.  So the allocations are counted (all threads) and, when an input
 * leaves some, rcu_barrier waits for the pending frees: only then, as
 * it takes tens of milliseconds (liburcu's worker batches its work),
 * about an input's own time. */

static void count_malloc(const volatile void *p, size_t n)
{
	__atomic_add_fetch(&g_live, 1, __ATOMIC_RELAXED);
}

static void count_free(const volatile void *p)
{
	__atomic_sub_fetch(&g_live, 1, __ATOMIC_RELAXED);
}

/* ---- quiet commands ---- */

static void quiet(void)
{
	fflush(stderr);
	stderr = g_null;
}

static void loud(void)
{
	fflush(stderr);
	stderr = g_err;
}

static void run(struct dbg *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void run(struct dbg *d, const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	CHECK(n >= 0 && (size_t)n < sizeof(line));
	dbg_run_line(d, line);
}

/* run @line with standard output in memory; the output (malloc'd) */
static char *capture(struct dbg *d, const char *line)
{
	FILE *mem, *out = stdout;
	char *buf = NULL;
	size_t len = 0;

	fflush(stdout);
	mem = open_memstream(&buf, &len);
	CHECK(mem);
	stdout = mem;
	dbg_run_line(d, line);
	stdout = out;
	CHECK(fclose(mem) == 0);
	return buf;
}

/* @s as one word for dbg_split: every byte behind a backslash */
static void quote(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	CHECK(2 * n + 1 <= cap);
	for (size_t i = 0; i < n; i++) {
		out[o++] = '\\';
		out[o++] = s[i];
	}
	out[o] = 0;
}

/* ---- the sandbox for rdump ---- */

/* remove @name in @dfd and everything under it, following nothing */
static void rm_tree(int dfd, const char *name)
{
	struct dirent *e;
	struct stat st;
	DIR *dir;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return;
	if (!S_ISDIR(st.st_mode)) {
		CHECK(unlinkat(dfd, name, 0) == 0);
		return;
	}
	fchmodat(dfd, name, 0700, 0);	/* rdump may have made it 0 */
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	CHECK(fd >= 0);
	dir = fdopendir(fd);
	CHECK(dir);
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rm_tree(fd, e->d_name);
	closedir(dir);
	CHECK(unlinkat(dfd, name, AT_REMOVEDIR) == 0);
}

/* the sandbox holds "out" and nothing else */
static void check_box(void)
{
	DIR *dir = opendir(g_box);
	struct dirent *e;

	CHECK(dir);
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "out"))
			continue;
		fprintf(g_err, "fuzz_debugfs: rdump wrote %s/%s, outside its "
			"target %s/out\n", g_box, e->d_name, g_box);
		abort();
	}
	closedir(dir);
}

static void box_remove(void)
{
	int fd = open(g_box, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		rm_tree(fd, "out");
		close(fd);
		rmdir(g_box);
	}
}

/* rdump / into a fresh OUT (with -p, modes, times and owners kept, in
 * the -c session); only OUT may appear in the sandbox */
static void rdump(struct dbg *d)
{
	char out[sizeof(g_box) + 8], q[2 * sizeof(out) + 1];
	int fd = open(g_box, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CHECK(fd >= 0);
	snprintf(out, sizeof(out), "%s/out", g_box);
	CHECK(mkdir(out, 0700) == 0);
	quote(out, strlen(out), q, sizeof(q));
	run(d, "rdump%s / %s", d->cat ? " -p" : "", q);
	check_box();
	rm_tree(fd, "out");
	close(fd);
}

/* ---- one session ---- */

/* first physical block of @path, or 0 */
static vx_blk_t first_block(struct dbg *d, const char *path)
{
	uint64_t run;
	vx_blk_t p;
	vx_ino_t ino;

	if (vx_lookup_path(d->fs, NULL, d->cwd, path, 0, &ino) ||
	    vx_bmap(d->fs, NULL, ino, 0, &p, &run))
		return 0;
	return p;
}

/* for each path of find's @out (one a line, at most MAX_PATHS): stat
 * it and look its name up in its parent with dirsearch; a directory is
 * also entered (cd, pwd, ls -l) and its index shown (htree -v), a small
 * regular file read (cat) */
static void per_path(struct dbg *d, char *out)
{
	char q[2 * 4096 + 1], qn[2 * VX_NAME_MAX + 1];
	unsigned dirs = 0, files = 0, lines = 0;
	struct vx_attr a;
	vx_ino_t ino;

	for (char *s = out, *nl; s && *s && lines < MAX_PATHS; s = nl, lines++) {
		const char *name;
		size_t n;

		nl = strchr(s, '\n');
		n = nl ? (size_t)(nl - s) : strlen(s);
		if (nl)
			*nl++ = 0;
		if (!n || n > 4096)
			continue;
		quote(s, n, q, sizeof(q));
		run(d, "stat %s", q);
		name = strrchr(s, '/');
		if (name && name[1] && strlen(name + 1) <= VX_NAME_MAX) {
			quote(name + 1, strlen(name + 1), qn, sizeof(qn));
			run(d, "dirsearch %s%.*s %s", name == s ? "/" : "",
			    (int)(2 * (name - s)), q, qn);
		}
		if (vx_lookup_path(d->fs, NULL, d->cwd, s, 0, &ino) ||
		    vx_stat(d->fs, NULL, ino, &a))
			continue;
		if (S_ISDIR(a.mode) && dirs < MAX_DIRS) {
			dirs++;
			run(d, "htree -v %s", q);
			run(d, "cd %s", q);
			dbg_run_line(d, "pwd");
			dbg_run_line(d, "ls -l");
			dbg_run_line(d, "cd /");
		} else if (S_ISREG(a.mode) && files < MAX_CAT &&
			   a.size <= MAX_CAT_SIZE) {
			files++;
			run(d, "cat <%llu>", (unsigned long long)ino);
		}
	}
}

static void commands(struct dbg *d, vx_blk_t pick)
{
	static const char *const lines[] = {
		"stats", "stats --json", "stats -h", "groups", "groups --json",
		"freefrag", "freefrag -c 16", "ls -l -a /", "stat --json /",
		"htree -v /", "dirsearch / lost+found", "dirsearch / big",
		"ncheck 1 2 3", "ncheck -c 4 5 6", "logdump -a -d",
		"logdump --json", "logdump -a --json", "block_dump -x 0",
		"check",
	};
	vx_blk_t blks[5] = { 0, 1 };
	char *out;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		dbg_run_line(d, lines[i]);
	if (d->have_sb) {
		pick %= d->sb.block_count ? d->sb.block_count : 1;
		run(d, "block_dump -x %llu", (unsigned long long)pick);
	}
	if (!d->fs)
		return;
	out = capture(d, "find /");
	per_path(d, out);
	free(out);
	blks[2] = first_block(d, "/");
	blks[3] = first_block(d, "/big");
	blks[4] = pick;
	for (size_t i = 0; i < 5; i++)	/* icheck refuses blocks beyond */
		if (blks[i] >= vx_fs_super(d->fs)->block_count)
			blks[i] = 0;
	run(d, "icheck %llu %llu %llu %llu %llu", (unsigned long long)blks[0],
	    (unsigned long long)blks[1], (unsigned long long)blks[2],
	    (unsigned long long)blks[3], (unsigned long long)blks[4]);
	rdump(d);
}

static void session(const char *path, bool cat, vx_blk_t pick)
{
	struct dbg_opts o = { .catastrophic = cat, .device = path };
	struct dbg d = { .o = &o };

	quiet();
	if (dbg_open(&d, path, false, cat) == 0) {
		commands(&d, pick);
		dbg_close(&d);
	}
	free(d.path);
	free(d.cwd_path);
	loud();
}

static void try_image(const uint8_t *img, size_t size, vx_blk_t pick)
{
	int fd = memfd_create("fuzz_debugfs", MFD_CLOEXEC);
	char path[64];

	CHECK(fd >= 0);
	for (size_t off = 0; off < size; ) {
		ssize_t w = write(fd, img + off, size - off);

		CHECK(w > 0);
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	session(path, false, pick);
	session(path, true, pick);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vx_blk_t pick;
	uint8_t *img;

	if (size < 1024 || size > MAX_IMAGE)
		return 0;
	__atomic_store_n(&g_live, 0, __ATOMIC_RELAXED);
	pick = vx_crc32c(0, data, size);
	try_image(data, size, pick);
	img = malloc(size);
	CHECK(img);
	memcpy(img, data, size);
	fix_up(img, size);
	if (memcmp(img, data, size))
		try_image(img, size, pick);
	free(img);
	if (__atomic_load_n(&g_live, __ATOMIC_RELAXED) > 0)
		rcu_barrier();
	return 0;
}

/* ---- mutations ---- */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned seed);

/* Half the time, mutate one block that looks like metadata (metadata
 * magic, or an inode slot's magic) in place, the image's size kept:
 * those are a few dozen blocks of a megabyte, and where debugfs
 * parses.  Otherwise libFuzzer's own mutations on the whole image. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned seed)
{
	uint32_t blog = size >= 56 ? vx_get32(data + 52) : 0;
	size_t bs = blog >= VX_MIN_BLOCK_LOG && blog <= VX_MAX_BLOCK_LOG ?
		    (size_t)1 << blog : 1024, nblk = size / bs, n = 0, k, got;
	uint8_t tmp[1u << VX_MAX_BLOCK_LOG];

	if (seed & 1 || nblk < 2)
		return LLVMFuzzerMutate(data, size, max);
	for (size_t b = 0; b < nblk; b++)
		n += vx_get32(data + b * bs) == VX_META_MAGIC ||
		     vx_get16(data + b * bs) == VX_INODE_MAGIC;
	if (!n)
		return LLVMFuzzerMutate(data, size, max);
	k = (seed >> 1) % n;
	for (size_t b = 0; b < nblk; b++) {
		uint8_t *p = data + b * bs;

		if (vx_get32(p) != VX_META_MAGIC &&
		    vx_get16(p) != VX_INODE_MAGIC)
			continue;
		if (k--)
			continue;
		memcpy(tmp, p, bs);
		got = LLVMFuzzerMutate(tmp, bs, bs);
		memcpy(p, tmp, got < bs ? got : bs);
		break;
	}
	return size;
}

/* ---- seeds ---- */

/* an image like image-1 with two committed transactions left in its
 * journal (as after a crash): a session shows them replayed in memory */
static void seed_dirty(const char *dir)
{
	struct vx_mkfs_params p = { .block_log = 10, .block_count = 900,
		.group_blocks = 320, .inode_count = 48, .journal_blocks = 256,
		.hash_seed = 0xf00d + 1, .now = NOW };
	struct vx_open_opts oo = { .flags = VX_OPEN_BORROW_IO,
				   .fixed_time = NOW };
	uint8_t buf[3000];
	struct vx_super sb;
	struct vx_txn *tx;
	struct vx_io *io;
	struct vx_fs *fs;
	vx_ino_t f, dd;

	memset(p.uuid, 0x72, 16);
	memset(buf, 0x5a, sizeof(buf));
	CHECK(vx_io_mem_open(900 * 1024, &io) == 0);
	CHECK(vx_fs_plan(&p, 900 * 1024, &sb) == 0);
	CHECK(vx_fs_format(io, &sb, 0) == 0);
	CHECK(vx_fs_open(io, &oo, &fs) == 0);
	populate(fs, 1);
	CHECK(vx_fs_sync(fs) == 0);
	CHECK(vx_txn_begin(fs, 0, 0, &tx) == 0);
	CHECK(vx_create(fs, tx, VX_ROOT_INO, "late", NULL, &f) == 0);
	CHECK(vx_write(fs, tx, f, 0, buf, sizeof(buf)) == 0);
	CHECK(vx_txn_commit(tx, NULL) == 0);
	CHECK(vx_txn_begin(fs, 0, 0, &tx) == 0);
	CHECK(vx_mkdir(fs, tx, VX_ROOT_INO, "later", NULL, &dd) == 0);
	CHECK(vx_unlink(fs, tx, VX_ROOT_INO, "f0") == 0);
	CHECK(vx_txn_commit(tx, NULL) == 0);
	/* the image now, before the close writes the log home */
	fuzz_seed_file(dir, "image-dirty", vx_io_mem_data(io, NULL), 900 * 1024);
	CHECK(vx_fs_close(fs) == 0);
	vx_io_close(io);
}

/* in the leaf at @b (directory block, @bs bytes), the entry named @name:
 * renamed to @to (as long) unless NULL, pointed at inode @ino unless 0;
 * the block is re-sealed */
static void patch_entry(uint8_t *b, size_t bs, const char *name,
			const char *to, vx_ino_t ino)
{
	size_t n = strlen(name), off = VX_DIR_NODE_HDR;

	for (unsigned i = 0; i < vx_get16(b + 50); i++) {
		uint8_t *e = b + off;

		CHECK(off + VX_DIRENT_HDR <= bs);
		if (e[17] == n && !memcmp(e + VX_DIRENT_HDR, name, n)) {
			if (to)
				memcpy(e + VX_DIRENT_HDR, to, n);
			if (ino)
				vx_put64(e + 8, ino);
			vx_mhdr_seal(b, bs);
			return;
		}
		off += VX_DIRENT_HDR + e[17];
	}
	CHECK(!"no such entry");
}

/* the first block of directory @dir */
static uint8_t *dir_block(struct vx_fs *fs, uint8_t *img, vx_ino_t dir)
{
	vx_blk_t p;
	uint64_t run;

	CHECK(vx_bmap(fs, NULL, dir, 0, &p, &run) == 0 && p);
	return img + p * 1024;
}

/* an image like image-0 with what rdump must not be fooled by and icheck
 * must walk, patched into leaves after the library wrote them:
 *   /h: a symlink "evil" to a host path and a directory also named
 *       "evil" (holding x), a stored ".." and ".", two entries "dup1",
 *       and sub/loop, an entry for /h itself (a loop);
 *   /s: "a/b", a name with '/' (the library refuses the leaf: rdump
 *       reads it raw), and "ok";
 *   /frag: 340 one-block extents, so its tree has index nodes */
static void seed_hostile(const char *dir)
{
	struct vx_mkfs_params p = { .block_log = 10, .block_count = 960,
		.group_blocks = 320, .inode_count = 48, .journal_blocks = 256,
		.hash_seed = 0xf00d + 3, .now = NOW };
	struct vx_open_opts oo = { .flags = VX_OPEN_BORROW_IO,
				   .fixed_time = NOW };
	vx_ino_t h, sub, s, evil, loop, ino;
	uint8_t *img, *hb, *subb, *sb_;
	struct vx_super sb;
	struct vx_io *io;
	struct vx_fs *fs;

	memset(p.uuid, 0x73, 16);
	CHECK(vx_io_mem_open(960 * 1024, &io) == 0);
	img = vx_io_mem_data(io, NULL);
	CHECK(vx_fs_plan(&p, 960 * 1024, &sb) == 0);
	CHECK(vx_fs_format(io, &sb, 0) == 0);
	CHECK(vx_fs_open(io, &oo, &fs) == 0);
	populate(fs, 0);
	CHECK(vx_mkdir(fs, NULL, VX_ROOT_INO, "h", NULL, &h) == 0);
	CHECK(vx_symlink(fs, NULL, h, "evil", "/tmp/fuzz_debugfs-escaped",
			 NULL, &ino) == 0);
	CHECK(vx_mkdir(fs, NULL, h, "evi1", NULL, &evil) == 0);
	CHECK(vx_create(fs, NULL, evil, "x", NULL, &ino) == 0);
	CHECK(vx_write(fs, NULL, ino, 0, "pwned\n", 6) == 0);
	CHECK(vx_create(fs, NULL, h, "zz", NULL, &ino) == 0);
	CHECK(vx_create(fs, NULL, h, "q", NULL, &ino) == 0);
	CHECK(vx_create(fs, NULL, h, "dup1", NULL, &ino) == 0);
	CHECK(vx_create(fs, NULL, h, "dup2", NULL, &ino) == 0);
	CHECK(vx_mkdir(fs, NULL, h, "sub", NULL, &sub) == 0);
	CHECK(vx_mkdir(fs, NULL, sub, "loop", NULL, &loop) == 0);
	CHECK(vx_mkdir(fs, NULL, VX_ROOT_INO, "s", NULL, &s) == 0);
	CHECK(vx_create(fs, NULL, s, "a1b", NULL, &ino) == 0);
	CHECK(vx_create(fs, NULL, s, "ok", NULL, &ino) == 0);
	CHECK(vx_write(fs, NULL, ino, 0, "ok\n", 3) == 0);
	CHECK(vx_create(fs, NULL, VX_ROOT_INO, "frag", NULL, &ino) == 0);
	for (unsigned i = 0; i < 340; i++)
		CHECK(vx_write(fs, NULL, ino, 2048ull * i, "f", 1) == 0);
	CHECK(vx_fs_sync(fs) == 0);
	hb = dir_block(fs, img, h);
	subb = dir_block(fs, img, sub);
	sb_ = dir_block(fs, img, s);
	CHECK(vx_fs_close(fs) == 0);
	patch_entry(hb, 1024, "evi1", "evil", 0);
	patch_entry(hb, 1024, "zz", "..", 0);
	patch_entry(hb, 1024, "q", ".", 0);
	patch_entry(hb, 1024, "dup2", "dup1", 0);
	patch_entry(subb, 1024, "loop", NULL, h);
	patch_entry(sb_, 1024, "a1b", "a/b", 0);
	fuzz_seed_file(dir, "image-hostile", img, 960 * 1024);
	vx_io_close(io);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VX_FUZZ_SEEDS"), *tmp = getenv("TMPDIR");

	if (dir) {
		seeds(dir);
		seed_dirty(dir);
		seed_hostile(dir);
		exit(0);
	}
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
	snprintf(g_box, sizeof(g_box), "%s/fuzz_debugfs.XXXXXX", tmp);
	CHECK(mkdtemp(g_box));
	atexit(box_remove);
	g_err = stderr;
	CHECK(__sanitizer_install_malloc_and_free_hooks(count_malloc,
							count_free));
	g_null = fopen("/dev/null", "w");
	CHECK(g_null);
	CHECK(freopen("/dev/null", "w", stdout));
	return 0;
}
