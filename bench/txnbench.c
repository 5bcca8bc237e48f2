/*
 * txnbench.c: durable small transactions per second on a VexFS image.
 *
 * Usage: txnbench [--threads N] [--ops N] [--seconds S] [--batching on|off]
 *                 [--shared] [--size MIB] [--dense] [--no-verify] [--json]
 *                 IMAGE
 *
 * Makes IMAGE (a regular file, created or truncated: sparse, --size MiB,
 * default 1024), formats it with vx_fs_plan + vx_fs_format, opens it
 * read-write and makes one directory per thread (or, with --shared, one
 * directory for all threads).  Then each of N threads (default 1) loops:
 *
 *	vx_txn_begin; vx_create (a new name); vx_write (4 KiB at 0);
 *	vx_txn_commit
 *
 * until --ops transactions (default 3000, split over the threads) were
 * tried or --seconds (default 10) passed, whichever comes first (0: no
 * limit; one of the two must be set).  The image grows past --size when
 * --ops files need more room.  A transaction's latency is
 * CLOCK_MONOTONIC from before vx_txn_begin to the return of
 * vx_txn_commit: the commit is durable on return (no VX_TXN_ASYNC), so
 * this is the latency of a durable create-and-write.  A failed call is
 * counted, its transaction aborted unless commit already freed it, and
 * the loop goes on.
 *
 * The journal region is written with zeroes before the format (mke2fs
 * does the same for ext4's journal by default), so its log writes are
 * overwrites of allocated blocks of the host file; the rest of the image
 * stays sparse, as an ext4 image made with truncate does.  --dense
 * writes the whole image first instead (untimed either way).
 *
 * After the run: vx_txn_sync, vx_fs_close, then (unless --no-verify) a
 * read-only reopen checks that every committed file is there with its
 * 4,096 bytes and that no file of a failed transaction is.
 *
 * Output: one line of key=value pairs (or one JSON object with --json):
 *   txns      transactions committed;  tried, errors (failed ones),
 *             error_rate = errors / tried
 *   tx_s      txns / wall;  ops_s = 2 * tx_s (two file operations per
 *             transaction: the create and the write; begin and commit are
 *             not counted);  mb_s = file data committed, 10^6 bytes/s
 *   p50_us, p99_us, max_us: transaction latency (index n/2, n*0.99 of the
 *             sorted latencies, as peer-txn.sh computes them)
 *   lock_waits, lock_wait_ms, deadlocks, timeouts, txn_failed, op_errors,
 *             batches, avg_batch (transactions per journal transaction):
 *             from vx_txn_stats, the change over the timed loop
 * Exit status: 0 the run finished (some transactions may have failed:
 * see errors), 1 setup, close or verification failed, or no transaction
 * committed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "vexfs/vexfs.h"

#define DATA_BYTES	4096
#define OPS_PER_TXN	2		/* create + write */
#define MAX_THREADS	1024

struct opts {
	unsigned threads;
	uint64_t ops;			/* 0: no limit */
	double seconds;			/* 0: no limit */
	int batching;			/* -1: library default, 0 off, 1 on */
	bool shared, dense, verify, json;
	uint64_t size_mib;
	const char *image;
};

/* per-index outcome, for the verification */
enum { T_FAILED, T_COMMITTED, T_UNKNOWN };

struct worker {
	struct bench *b;
	unsigned id;
	vx_ino_t dir;
	uint64_t quota;			/* transactions to try; 0: no limit */
	uint64_t tried, done, errors;
	size_t cap;			/* of lat and outcome */
	double *lat;			/* latency of each committed txn, s */
	unsigned char *outcome;		/* T_* of each tried index */
	int first_err;
	const char *first_what;
	uint64_t first_i;
	unsigned char base[DATA_BYTES];	/* data, index stamped at 0 */
};

struct bench {
	const struct opts *o;
	struct vx_fs *fs;
	pthread_barrier_t bar;
	double deadline;		/* 0: none */
	struct worker *w;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: txnbench [--threads N] [--ops N] [--seconds S] "
		"[--batching on|off]\n"
		"                [--shared] [--size MIB] [--dense] "
		"[--no-verify] [--json] IMAGE\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "ops", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "batching", required_argument, NULL, 'b' },
		{ "shared", no_argument, NULL, 'S' },
		{ "size", required_argument, NULL, 'z' },
		{ "dense", no_argument, NULL, 'd' },
		{ "no-verify", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*o = (struct opts){ .threads = 1, .ops = 3000, .seconds = 10,
			    .batching = -1, .verify = true, .size_mib = 1024 };
	while ((c = getopt_long(argc, argv, "t:n:s:b:Sz:dVjh", lo, NULL)) != -1) {
		switch (c) {
		case 't': o->threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': o->ops = strtoull(optarg, NULL, 10); break;
		case 's': o->seconds = strtod(optarg, NULL); break;
		case 'b':
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				return -1;
			o->batching = strcmp(optarg, "on") == 0;
			break;
		case 'S': o->shared = true; break;
		case 'z': o->size_mib = strtoull(optarg, NULL, 10); break;
		case 'd': o->dense = true; break;
		case 'V': o->verify = false; break;
		case 'j': o->json = true; break;
		default: return -1;
		}
	}
	if (optind != argc - 1 || o->threads < 1 || o->threads > MAX_THREADS ||
	    o->seconds < 0 || !o->size_mib || (!o->ops && !o->seconds))
		return -1;
	o->image = argv[optind];
	return 0;
}

/* zero @len bytes at @off of @io in 1 MiB writes */
static int zero_range(struct vx_io *io, uint64_t off, uint64_t len)
{
	static const unsigned char zero[1 << 20];
	int err = 0;

	while (len && !err) {
		size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);

		err = vx_io_write(io, off, zero, n);
		off += n;
		len -= n;
	}
	return err;
}

/* Make the image file, format it and open it read-write. */
static int make_fs(const struct opts *o, struct vx_fs **fs)
{
	/* 8 KiB per inode: every file takes one inode and one 4 KiB block */
	struct vx_mkfs_params p = { .bytes_per_inode = 8192 };
	uint64_t size = o->size_mib << 20, need = o->ops * 10240 + (256u << 20);
	struct vx_super sb;
	struct vx_io *io;
	int err, fd;

	if (o->ops && size < need)
		size = need;		/* room for every file of the run */
	fd = open(o->image, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)size) || close(fd)) {
		fprintf(stderr, "txnbench: %s: %s\n", o->image, strerror(errno));
		return 1;
	}
	if ((err = vx_io_unix_open(o->image, 0, &io))) {
		fprintf(stderr, "txnbench: open %s: %s\n", o->image, vx_strerror(err));
		return 1;
	}
	if ((err = vx_fs_plan(&p, size, &sb)))
		goto out_io;
	if (o->dense)
		err = zero_range(io, 0, size);
	else
		err = zero_range(io, sb.journal_start << sb.block_log,
				 sb.journal_blocks << sb.block_log);
	if (err || (err = vx_fs_format(io, &sb, 0)) ||
	    (err = vx_fs_open(io, NULL, fs)))
		goto out_io;
	return 0;

out_io:
	fprintf(stderr, "txnbench: formatting %s: %s\n", o->image, vx_strerror(err));
	vx_io_close(io);
	return 1;
}

/* the directories: "shared", or "tNN" per thread, under the root */
static int make_dirs(struct bench *b)
{
	struct vx_attr a = { .mode = S_IFDIR | 0755 };
	char name[32];
	vx_ino_t dir = 0;
	int err;

	for (unsigned i = 0; i < b->o->threads; i++) {
		if (!b->o->shared || i == 0) {
			if (b->o->shared)
				snprintf(name, sizeof(name), "shared");
			else
				snprintf(name, sizeof(name), "t%02u", i);
			err = vx_mkdir(b->fs, NULL, VX_ROOT_INO, name, &a, &dir);
			if (err) {
				fprintf(stderr, "txnbench: mkdir /%s: %s\n",
					name, vx_strerror(err));
				return 1;
			}
		}
		b->w[i].dir = dir;
	}
	return 0;
}

static void name_of(const struct bench *b, unsigned id, uint64_t i,
		    char *buf, size_t n)
{
	if (b->o->shared)
		snprintf(buf, n, "t%u-%llu", id, (unsigned long long)i);
	else
		snprintf(buf, n, "f%llu", (unsigned long long)i);
}

/* the 4 KiB thread @id writes in transaction @i: seeded bytes, i at 0 */
static void fill_base(unsigned char *buf, unsigned id)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL * (uint64_t)(id + 1);

	for (size_t i = 0; i < DATA_BYTES; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
}

static int grow(struct worker *w)
{
	size_t cap = w->cap ? w->cap * 2 : 1024;
	double *lat = realloc(w->lat, cap * sizeof(*lat));
	unsigned char *oc;

	if (!lat)
		return -ENOMEM;
	w->lat = lat;
	oc = realloc(w->outcome, cap);
	if (!oc)
		return -ENOMEM;
	w->outcome = oc;
	w->cap = cap;
	return 0;
}

static void note_error(struct worker *w, const char *what, int err)
{
	w->errors++;
	if (!w->first_err) {
		w->first_err = err;
		w->first_what = what;
		w->first_i = w->tried;
	}
}

/* One transaction: begin, create, write, commit.  Returns T_*. */
static int one_txn(struct worker *w, const void *data)
{
	struct vx_fs *fs = w->b->fs;
	struct vx_attr a = { .mode = S_IFREG | 0644 };
	struct vx_txn *tx;
	char name[48];
	vx_ino_t ino;
	uint64_t seq;
	int err;

	if ((err = vx_txn_begin(fs, 0, 0, &tx))) {
		note_error(w, "begin", err);
		return T_FAILED;
	}
	name_of(w->b, w->id, w->tried, name, sizeof(name));
	if ((err = vx_create(fs, tx, w->dir, name, &a, &ino))) {
		note_error(w, "create", err);
		goto out_abort;
	}
	if ((err = vx_write(fs, tx, ino, 0, data, DATA_BYTES))) {
		note_error(w, "write", err);
		goto out_abort;
	}
	/* commit frees the handle whatever it returns */
	if ((err = vx_txn_commit(tx, &seq))) {
		note_error(w, "commit", err);
		/* a timed-out durability wait is committed in memory (txn.h) */
		return err == VX_ETIMEOUT ? T_UNKNOWN : T_FAILED;
	}
	return T_COMMITTED;

out_abort:
	vx_txn_abort(tx);
	return T_FAILED;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned char data[DATA_BYTES];
	double deadline;
	int r;

	memcpy(data, w->base, sizeof(data));
	pthread_barrier_wait(&w->b->bar);
	deadline = w->b->deadline;
	while (!w->quota || w->tried < w->quota) {
		double t0 = now();

		if (deadline && t0 >= deadline)
			break;
		if (w->tried == w->cap && grow(w)) {
			note_error(w, "memory", -ENOMEM);
			break;
		}
		memcpy(data, &w->tried, sizeof(w->tried));
		r = one_txn(w, data);
		if (r == T_COMMITTED)
			w->lat[w->done++] = now() - t0;
		w->outcome[w->tried++] = (unsigned char)r;
	}
	return NULL;
}

static int set_batching(struct vx_fs *fs, int on)
{
	struct vx_txn_tunables t;
	int err;

	if (on < 0)
		return 0;
	if (!(err = vx_txn_get_tunables(fs, &t))) {
		t.batching = on;
		err = vx_txn_set_tunables(fs, &t);
	}
	if (err)
		fprintf(stderr, "txnbench: setting batching %s: %s\n",
			on ? "on" : "off", vx_strerror(err));
	return err ? 1 : 0;
}

/* Start the threads, run, join.  Returns the wall time (s) or -1. */
static double run_threads(struct bench *b)
{
	const struct opts *o = b->o;
	pthread_t *tid = calloc(o->threads, sizeof(*tid));
	double t0;

	if (!tid || pthread_barrier_init(&b->bar, NULL, o->threads + 1)) {
		free(tid);
		return -1;
	}
	for (unsigned i = 0; i < o->threads; i++) {
		struct worker *w = &b->w[i];

		w->b = b;
		w->id = i;
		w->quota = o->ops ? o->ops / o->threads + (i < o->ops % o->threads) : 0;
		fill_base(w->base, i);
		if (pthread_create(&tid[i], NULL, worker_main, w)) {
			/* the barrier counts every thread: cannot go on */
			fprintf(stderr, "txnbench: cannot start thread %u\n", i);
			exit(1);
		}
	}
	t0 = now();
	b->deadline = o->seconds ? t0 + o->seconds : 0;
	pthread_barrier_wait(&b->bar);
	for (unsigned i = 0; i < o->threads; i++)
		pthread_join(tid[i], NULL);
	free(tid);
	pthread_barrier_destroy(&b->bar);
	return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct result {
	uint64_t tried, txns, errors;
	double wall, p50, p99, max;	/* latencies in seconds */
	struct vx_txn_stats d;		/* stats over the timed loop */
	const char *verify;
};

/* Fill @r from the workers and the stats before (@s0) and after (@s1). */
static int collect(struct bench *b, const struct vx_txn_stats *s0,
		   const struct vx_txn_stats *s1, struct result *r)
{
	double *all;
	size_t k = 0;

	for (unsigned i = 0; i < b->o->threads; i++) {
		r->tried += b->w[i].tried;
		r->txns += b->w[i].done;
		r->errors += b->w[i].errors;
	}
	all = malloc((r->txns ? r->txns : 1) * sizeof(*all));
	if (!all)
		return 1;
	for (unsigned i = 0; i < b->o->threads; i++)
		for (uint64_t j = 0; j < b->w[i].done; j++)
			all[k++] = b->w[i].lat[j];
	qsort(all, k, sizeof(*all), cmp_double);
	if (k) {
		r->p50 = all[k / 2];
		r->p99 = all[(size_t)((double)k * 0.99)];
		r->max = all[k - 1];
	}
	free(all);
#define D(f) (r->d.f = s1->f - s0->f)
	D(commits); D(aborts); D(ops); D(op_errors); D(errors);
	D(deadlocks); D(timeouts); D(lock_waits); D(lock_wait_ns);
	D(batches); D(batched); D(log_bytes); D(data_bytes);
#undef D
	return 0;
}

/* Reopen @image read-only; every committed file holds its 4 KiB, no
 * failed transaction left a name.  Returns the number of mismatches, or
 * -1 when the check could not run. */
static long verify(struct bench *b)
{
	struct vx_open_opts oo = { .flags = VX_OPEN_RDONLY };
	unsigned char want[DATA_BYTES], got[DATA_BYTES];
	struct vx_io *io;
	struct vx_fs *fs;
	struct vx_txn *tx;
	long bad = 0;
	int err;

	if ((err = vx_io_unix_open(b->o->image, VX_IO_OPEN_RDONLY, &io)))
		goto out_msg;
	if ((err = vx_fs_open(io, &oo, &fs))) {
		vx_io_close(io);
		goto out_msg;
	}
	if ((err = vx_txn_begin(fs, VX_TXN_RDONLY, VX_ISO_READ_COMMITTED, &tx))) {
		vx_fs_close(fs);
		goto out_msg;
	}
	for (unsigned t = 0; t < b->o->threads; t++) {
		struct worker *w = &b->w[t];

		memcpy(want, w->base, sizeof(want));
		for (uint64_t i = 0; i < w->tried; i++) {
			char name[48];
			vx_ino_t ino;
			size_t n = 0;

			if (w->outcome[i] == T_UNKNOWN)
				continue;
			name_of(b, t, i, name, sizeof(name));
			err = vx_lookup(fs, tx, w->dir, name, &ino);
			if (w->outcome[i] == T_FAILED) {
				bad += err != -ENOENT;
				continue;
			}
			memcpy(want, &i, sizeof(i));
			if (err || vx_read(fs, tx, ino, 0, got, sizeof(got), &n) ||
			    n != sizeof(got) || memcmp(got, want, sizeof(got)))
				bad++;
		}
	}
	vx_txn_abort(tx);
	vx_fs_close(fs);
	return bad;

out_msg:
	fprintf(stderr, "txnbench: verify: reopening %s: %s\n", b->o->image,
		vx_strerror(err));
	return -1;
}

static void print_result(const struct opts *o, const struct result *r)
{
	double w = r->wall > 0 ? r->wall : 1e-9;
	double tps = (double)r->txns / w;
	double avg = r->d.batches ? (double)r->d.batched / (double)r->d.batches : 0;
	double rate = r->tried ? (double)r->errors / (double)r->tried : 0;
	const char *f = o->json ?
		"{\"threads\": %u, \"dir\": \"%s\", \"batching\": \"%s\", "
		"\"tried\": %llu, \"txns\": %llu, \"errors\": %llu, "
		"\"error_rate\": %.4f, \"wall_s\": %.4f, \"tx_s\": %.1f, "
		"\"ops_s\": %.1f, \"mb_s\": %.2f, \"p50_us\": %.1f, "
		"\"p99_us\": %.1f, \"max_us\": %.1f, \"lock_waits\": %llu, "
		"\"lock_wait_ms\": %.1f, \"deadlocks\": %llu, \"timeouts\": %llu, "
		"\"txn_failed\": %llu, \"op_errors\": %llu, \"batches\": %llu, "
		"\"avg_batch\": %.2f, \"verify\": \"%s\"}\n" :
		"txnbench threads=%u dir=%s batching=%s tried=%llu txns=%llu "
		"errors=%llu error_rate=%.4f wall_s=%.4f tx_s=%.1f ops_s=%.1f "
		"mb_s=%.2f p50_us=%.1f p99_us=%.1f max_us=%.1f lock_waits=%llu "
		"lock_wait_ms=%.1f deadlocks=%llu timeouts=%llu txn_failed=%llu "
		"op_errors=%llu batches=%llu avg_batch=%.2f verify=%s\n";

	printf(f, o->threads, o->shared ? "shared" : "per-thread",
	       o->batching < 0 ? "default" : o->batching ? "on" : "off",
	       (unsigned long long)r->tried, (unsigned long long)r->txns,
	       (unsigned long long)r->errors, rate, r->wall, tps,
	       tps * OPS_PER_TXN, tps * DATA_BYTES / 1e6, r->p50 * 1e6,
	       r->p99 * 1e6, r->max * 1e6, (unsigned long long)r->d.lock_waits,
	       (double)r->d.lock_wait_ns / 1e6,
	       (unsigned long long)r->d.deadlocks,
	       (unsigned long long)r->d.timeouts,
	       (unsigned long long)r->d.errors,
	       (unsigned long long)r->d.op_errors,
	       (unsigned long long)r->d.batches, avg, r->verify);
}

/* the first failure of the run, to say what went wrong */
static void report_first_error(const struct bench *b)
{
	for (unsigned i = 0; i < b->o->threads; i++) {
		const struct worker *w = &b->w[i];
		char name[48];

		if (!w->first_err)
			continue;
		name_of(b, i, w->first_i, name, sizeof(name));
		fprintf(stderr, "txnbench: thread %u: first failure: %s of %s "
			"(transaction %llu): %s (%s)\n", i, w->first_what, name,
			(unsigned long long)w->first_i, vx_strerror(w->first_err),
			vx_errname(w->first_err));
		return;
	}
}

/* Sync and close the filesystem; verify.  Returns 0 or 1. */
static int finish(struct bench *b, struct result *r)
{
	int err, rc = 0;
	long bad;

	if ((err = vx_txn_sync(b->fs))) {
		fprintf(stderr, "txnbench: sync: %s\n", vx_strerror(err));
		rc = 1;
	}
	if ((err = vx_fs_close(b->fs))) {
		fprintf(stderr, "txnbench: close: %s\n", vx_strerror(err));
		rc = 1;
	}
	r->verify = "skipped";
	if (b->o->verify && !rc) {
		bad = verify(b);
		r->verify = bad == 0 ? "ok" : "FAILED";
		if (bad > 0)
			fprintf(stderr, "txnbench: verify: %ld of %llu files "
				"wrong after reopen\n", bad,
				(unsigned long long)r->tried);
		if (bad)
			rc = 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct bench b = { .o = &o };
	struct vx_txn_stats s0, s1;
	struct result r = { 0 };
	int err, rc;

	if (parse_args(argc, argv, &o)) {
		usage();
		return 2;
	}
	b.w = calloc(o.threads, sizeof(*b.w));
	if (!b.w || make_fs(&o, &b.fs))
		return 1;
	if (make_dirs(&b) || set_batching(b.fs, o.batching))
		goto out_close;
	if ((err = vx_txn_sync(b.fs)) || (err = vx_txn_stats(b.fs, &s0))) {
		fprintf(stderr, "txnbench: before the run: %s\n", vx_strerror(err));
		goto out_close;
	}
	r.wall = run_threads(&b);
	if (r.wall < 0) {
		fprintf(stderr, "txnbench: cannot start the threads\n");
		goto out_close;
	}
	if ((err = vx_txn_stats(b.fs, &s1))) {
		fprintf(stderr, "txnbench: stats: %s\n", vx_strerror(err));
		goto out_close;
	}
	if (collect(&b, &s0, &s1, &r)) {
		fprintf(stderr, "txnbench: out of memory\n");
		goto out_close;
	}
	report_first_error(&b);
	rc = finish(&b, &r);
	print_result(&o, &r);
	for (unsigned i = 0; i < o.threads; i++) {
		free(b.w[i].lat);
		free(b.w[i].outcome);
	}
	free(b.w);
	return rc || !r.txns;

out_close:
	vx_fs_close(b.fs);
	return 1;
}
