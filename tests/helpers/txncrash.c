/*
 * txncrash.c: transactions on an image file, killed at any moment, and
 * the check of what recovery made of it (tests/cli/0200-txn-crash.bats).
 *
 *   txncrash run IMAGE THREADS GEN
 *	THREADS threads commit transactions until killed.
 *	Transaction N of thread T: in directory gGEN-tT (made first) create
 *	dN.tmp, write 3 KiB + N*7 bytes of a pattern of (T, N) into it,
 *	mkdir eN, rename dN.tmp to fN (replacing nothing), and when N > 2
 *	remove fN-3 and eN-3.  After vx_txn_commit returns 0 the thread
 *	prints "T N" (one line, flushed): that transaction is durable.
 *
 *   txncrash check IMAGE LOG GEN
 *	Opens IMAGE read-write (recovering its journal) and checks, for
 *	every thread of LOG (the lines run printed): every transaction up
 *	to its last printed one is there, and at most one more (committed,
 *	killed before it printed); each present transaction is all there
 *	(fN with its exact contents, eN, no dN.tmp) and each removed pair
 *	is gone; nothing else is in the directory.  Prints "ok T: N
 *	transactions" per thread; exits 1 naming the first difference.
 *
 * Exit: 0 ok, 1 a check failed, 2 usage or I/O error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vexfs/vexfs.h"

#define MAXT	16
#define KEEP	3		/* transactions whose files stay */

static struct vx_fs *g_fs;
static unsigned g_gen;
static pthread_mutex_t g_out = PTHREAD_MUTEX_INITIALIZER;

static size_t len_of(unsigned n)
{
	return 3072 + (size_t)n * 7;
}

static void fill(unsigned char *b, size_t len, unsigned t, unsigned n)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(t * 131 + n * 17 + i * 7 + (i >> 8));
}

static int one(unsigned t, unsigned n, vx_ino_t dir)
{
	unsigned char buf[3072 + 7 * 4096];
	char a[32], b[32];
	struct vx_txn *tx;
	vx_ino_t f, e;
	int err;

	if (len_of(n) > sizeof(buf))
		return -E2BIG;
	fill(buf, len_of(n), t, n);
	if ((err = vx_txn_begin(g_fs, 0, 0, &tx)))
		return err;
	snprintf(a, sizeof(a), "d%u.tmp", n);
	err = vx_create(g_fs, tx, dir, a, NULL, &f);
	if (!err)
		err = vx_write(g_fs, tx, f, 0, buf, len_of(n));
	snprintf(b, sizeof(b), "e%u", n);
	if (!err)
		err = vx_mkdir(g_fs, tx, dir, b, NULL, &e);
	snprintf(b, sizeof(b), "f%u", n);
	if (!err)
		err = vx_rename(g_fs, tx, dir, a, dir, b, VX_RENAME_NOREPLACE);
	if (!err && n >= KEEP) {
		snprintf(a, sizeof(a), "f%u", n - KEEP);
		err = vx_unlink(g_fs, tx, dir, a);
		snprintf(a, sizeof(a), "e%u", n - KEEP);
		if (!err)
			err = vx_rmdir(g_fs, tx, dir, a);
	}
	if (err) {
		vx_txn_abort(tx);
		return err;
	}
	return vx_txn_commit(tx, NULL);
}

static void *worker(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	char name[32];
	vx_ino_t dir;
	int err;

	snprintf(name, sizeof(name), "g%u-t%u", g_gen, t);
	err = vx_mkdir(g_fs, NULL, VX_ROOT_INO, name, NULL, &dir);
	for (unsigned n = 0; !err; n++) {
		/* the same transaction again after a deadlock or timeout */
		while ((err = one(t, n, dir)) == VX_EDEADLOCK ||
		       err == VX_ETIMEOUT)
			;
		if (err)
			break;
		pthread_mutex_lock(&g_out);
		printf("%u %u\n", t, n);
		fflush(stdout);
		pthread_mutex_unlock(&g_out);
	}
	fprintf(stderr, "txncrash: thread %u: %s\n", t, vx_strerror(err));
	exit(2);
}

static int run(const char *img, unsigned threads)
{
	pthread_t th[MAXT];
	struct vx_io *io;
	int err = vx_io_unix_open(img, 0, &io);

	if (!err)
		err = vx_fs_open(io, NULL, &g_fs);
	if (err) {
		fprintf(stderr, "txncrash: %s: %s\n", img, vx_strerror(err));
		return 2;
	}
	for (unsigned t = 0; t < threads; t++)
		pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)t);
	for (unsigned t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	return 2;			/* workers only stop on errors */
}

static int bad(const char *what, unsigned t, unsigned n)
{
	printf("FAIL thread %u transaction %u: %s\n", t, n, what);
	return 1;
}

/* count the names in a directory (but "." and "..") */
static int count_fn(void *ctx, const char *name, size_t len, vx_ino_t ino,
		    unsigned type)
{
	(void)name; (void)ino; (void)type;
	if (len > 2 || name[0] != '.' || (len == 2 && name[1] != '.'))
		(*(unsigned *)ctx)++;
	return 0;
}

/* is transaction @n of thread @t wholly there (1), wholly absent (0)? */
static int state(vx_ino_t dir, unsigned t, unsigned n, int *st)
{
	unsigned char want[3072 + 7 * 4096], got[sizeof(want)];
	char name[32];
	vx_ino_t f, e, tmp;
	size_t done;
	int hf, he, ht;

	snprintf(name, sizeof(name), "f%u", n);
	hf = vx_lookup(g_fs, NULL, dir, name, &f) == 0;
	snprintf(name, sizeof(name), "e%u", n);
	he = vx_lookup(g_fs, NULL, dir, name, &e) == 0;
	snprintf(name, sizeof(name), "d%u.tmp", n);
	ht = vx_lookup(g_fs, NULL, dir, name, &tmp) == 0;
	if (ht || hf != he)
		return bad("half there (a name without the others)", t, n);
	*st = hf;
	if (!hf)
		return 0;
	fill(want, len_of(n), t, n);
	if (vx_read(g_fs, NULL, f, 0, got, sizeof(got), &done) || done !=
	    len_of(n) || memcmp(got, want, done))
		return bad("file contents differ", t, n);
	return 0;
}

static int check(const char *img, const char *logpath)
{
	unsigned last[MAXT], threads = 0, t, n;
	struct vx_io *io;
	FILE *log = fopen(logpath, "r");
	int err, rc = 0;

	for (t = 0; t < MAXT; t++)
		last[t] = (unsigned)-1;
	if (!log) {
		fprintf(stderr, "txncrash: %s: %s\n", logpath, strerror(errno));
		return 2;
	}
	while (fscanf(log, "%u %u", &t, &n) == 2)
		if (t < MAXT) {
			last[t] = n;
			if (t + 1 > threads)
				threads = t + 1;
		}
	fclose(log);
	err = vx_io_unix_open(img, 0, &io);
	if (!err)
		err = vx_fs_open(io, NULL, &g_fs);	/* recovers */
	if (err) {
		fprintf(stderr, "txncrash: %s: %s\n", img, vx_strerror(err));
		return 2;
	}
	for (t = 0; t < threads && !rc; t++) {
		unsigned top = last[t] + 1, names = 0, present = 0;
		char name[32];
		vx_ino_t dir;
		int st, st_next = 0;

		snprintf(name, sizeof(name), "g%u-t%u", g_gen, t);
		if (vx_lookup(g_fs, NULL, VX_ROOT_INO, name, &dir)) {
			rc = bad("its directory is missing", t, 0);
			break;
		}
		/* the one after the last printed may have committed */
		if ((rc = state(dir, t, top, &st_next)))
			break;
		if (st_next)
			top++;
		for (n = top > KEEP ? top - KEEP : 0; n < top && !rc; n++) {
			rc = state(dir, t, n, &st);
			if (!rc && !st)
				rc = bad("committed, missing", t, n);
			present++;
		}
		/* what the newest present transactions removed is gone */
		for (n = 0; n + KEEP < top && !rc; n++) {
			rc = state(dir, t, n, &st);
			if (!rc && st)
				rc = bad("removed by a later commit, still there",
					 t, n);
		}
		if (!rc && vx_readdir(g_fs, NULL, dir, count_fn, &names))
			rc = bad("cannot list", t, 0);
		if (!rc && names != 2 * present)
			rc = bad("other names in the directory", t, top);
		if (!rc)
			printf("ok %u: %u transactions\n", t, top);
	}
	err = vx_fs_close(g_fs);
	if (err && !rc) {
		fprintf(stderr, "txncrash: close: %s\n", vx_strerror(err));
		rc = 2;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "run")) {
		unsigned threads = (unsigned)atoi(argv[3]);

		g_gen = (unsigned)atoi(argv[4]);
		if (threads >= 1 && threads <= MAXT)
			return run(argv[2], threads);
	}
	if (argc == 5 && !strcmp(argv[1], "check")) {
		g_gen = (unsigned)atoi(argv[4]);
		return check(argv[2], argv[3]);
	}
	fprintf(stderr, "usage: txncrash run IMAGE THREADS GEN\n"
			"       txncrash check IMAGE LOG GEN\n");
	return 2;
}
