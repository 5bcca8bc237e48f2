/*
 * check.c: the checker's driver (vx_check), its findings and threads.
 *
 * Order of a run (each pass states in its own file what it checks):
 *   1 superblock and backups, with journal recovery first (check_super.c)
 *   2 allocation-group headers (check_group.c)
 *   3 inodes and extent trees (check_inode.c, check_extent.c)
 *   4 bitmaps and free counts (check_bitmap.c)
 *   5 directories (check_dir.c)
 *   6 connectivity (check_connect.c), 7 link counts (check_nlink.c)
 * Passes 1-4 make block-level repairs, staged and committed to the
 * journal at the end of each pass (check_io.c).  The bitmaps are
 * repaired in pass 4, before the namespace passes, because those repair
 * through library operations that allocate from the bitmaps
 * (check_fix.c); e2fsck allocates from its own maps instead and so
 * checks the bitmaps last.
 *
 * A read-only run (VX_CHECK_RDONLY) puts an in-memory overlay over the
 * device, recovers the journal into it and checks the image as recovery
 * would leave it; every answer is no, and the device is never written.
 *
 * Findings are put to the caller one at a time, from the calling thread,
 * in a fixed order (passes sort what their threads found), so the output
 * of two runs on the same image is the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check_int.h"

void ck_vfinding(struct vx_finding *f, int code, uint64_t object,
		 const char *what, va_list ap)
{
	memset(f, 0, sizeof(*f));
	f->pr = vx_check_problem(code);
	f->object = object;
	snprintf(f->what, sizeof(f->what), "%s", what);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(f->msg, sizeof(f->msg), f->pr->fmt, ap);
#pragma GCC diagnostic pop
}

void ck_finding(struct vx_finding *f, int code, uint64_t object,
		const char *what, ...)
{
	va_list ap;

	va_start(ap, what);
	ck_vfinding(f, code, object, what, ap);
	va_end(ap);
}

static void poll_cancel(struct ck *c)
{
	if (c->o->cancel && *c->o->cancel && !c->stop) {
		c->r->cancelled = true;
		c->stop = true;
	}
}

bool ck_ask(struct ck *c, struct vx_finding *f)
{
	int ans;

	c->r->findings++;
	poll_cancel(c);
	if (c->stop)
		return false;
	ans = c->o->ask ? c->o->ask(c->o->ctx, f) : VX_ANS_NO;
	if (ans == VX_ANS_CANCEL) {
		c->r->cancelled = true;
		c->stop = true;
		return false;
	}
	if (ans == VX_ANS_HALT) {
		c->r->halted = true;
		c->stop = true;
		return false;
	}
	return ans == VX_ANS_YES && !c->rdonly;
}

void ck_done(struct ck *c, struct vx_finding *f, bool yes, int err)
{
	f->fixed = yes && !err;
	f->error = yes ? err : 0;
	if (f->fixed) {
		c->r->fixed++;
		c->r->modified = true;
	} else {
		c->r->left++;
	}
	if (c->o->done)
		c->o->done(c->o->ctx, f);
}

bool ck_problem(struct ck *c, struct vx_finding *f)
{
	return ck_ask(c, f);
}

/* the scanning threads report as they finish: one at a time to the
 * caller, and never a count below one already told */
void ck_progress(struct ck *c, int pass, uint64_t done, uint64_t total)
{
	poll_cancel(c);
	if (!c->o->progress)
		return;
	pthread_mutex_lock(&c->plock);
	if (pass != c->ppass || done > c->pdone) {
		c->ppass = pass;
		c->pdone = done;
		c->o->progress(c->o->ctx, pass, done, total);
	}
	pthread_mutex_unlock(&c->plock);
}

/* ---- the model's counts ---- */

static uint32_t small_or_big(const struct kmap *m, vx_ino_t ino, unsigned v)
{
	int64_t big;

	return v == CK_BIG && kmap_get(m, ino, &big) ? (uint32_t)big : v;
}

uint32_t ck_nlink(struct ck *c, vx_ino_t ino)
{
	struct ck_ino *ci = ck_inode(c, ino);

	return ci ? small_or_big(&c->big_nlink, ino, ci->nlink) : 0;
}

int ck_set_nlink(struct ck *c, vx_ino_t ino, uint32_t v)
{
	struct ck_ino *ci = ck_inode(c, ino);
	int err = 0;

	if (!ci)
		return 0;
	ci->nlink = v < CK_BIG ? v : CK_BIG;
	if (v >= CK_BIG) {
		pthread_mutex_lock(&c->lock);
		err = kmap_put(&c->big_nlink, ino, v);
		pthread_mutex_unlock(&c->lock);
	}
	return err;
}

uint32_t ck_refs(struct ck *c, vx_ino_t ino)
{
	struct ck_ino *ci = ck_inode(c, ino);

	return ci ? small_or_big(&c->big_refs, ino, ci->refs) : 0;
}

int ck_add_refs(struct ck *c, vx_ino_t ino, int d)
{
	struct ck_ino *ci = ck_inode(c, ino);
	int64_t v;

	if (!ci)
		return 0;
	v = (int64_t)ck_refs(c, ino) + d;
	if (v < 0)
		v = 0;
	ci->refs = v < CK_BIG ? (unsigned)v : CK_BIG;
	return v >= CK_BIG ? kmap_put(&c->big_refs, ino, v) : 0;
}

uint32_t ck_subdirs(struct ck *c, vx_ino_t ino)
{
	int64_t v;

	return kmap_get(&c->subdirs, ino, &v) ? (uint32_t)v : 0;
}

int ck_add_subdirs(struct ck *c, vx_ino_t ino, int d)
{
	int64_t v = (int64_t)ck_subdirs(c, ino) + d;

	return kmap_put(&c->subdirs, ino, v < 0 ? 0 : v);
}

int ck_add_edge(struct ck *c, vx_ino_t child, vx_ino_t parent,
		const char *name)
{
	size_t len = strlen(name) + 1;
	int err = vx_grow((void **)&c->edges, &c->cedges, c->nedges + 1,
			  sizeof(*c->edges));

	if (!err)
		err = vx_grow((void **)&c->enames, &c->cenames,
			      c->nenames + len, 1);
	if (err)
		return err;
	memcpy(c->enames + c->nenames, name, len);
	c->edges[c->nedges++] = (struct ck_edge){ child, parent,
						  (uint32_t)c->nenames };
	c->nenames += len;
	return 0;
}

/* ---- threads ---- */

struct par {
	struct ck *c;
	uint64_t n;
	_Atomic uint64_t next;
	int (*fn)(struct ck *, uint64_t, void *);
	void *arg;
	pthread_mutex_t lock;
	int err;
};

static void *par_run(void *p)
{
	struct par *w = p;

	for (;;) {
		uint64_t i = atomic_fetch_add(&w->next, 1);
		int err;

		if (i >= w->n || w->c->stop)
			break;
		err = w->fn(w->c, i, w->arg);
		if (err) {
			pthread_mutex_lock(&w->lock);
			if (!w->err)
				w->err = err;
			pthread_mutex_unlock(&w->lock);
			break;
		}
	}
	return NULL;
}

/* the workers: started by the first parallel phase, they wait for the
 * next one (a new generation) until the run ends */
struct ck_pool {
	pthread_t th[7];
	unsigned n;
	pthread_mutex_t m;
	pthread_cond_t go, done;
	uint64_t gen;
	unsigned busy;			/* workers still on this generation */
	struct par *job;
	bool quit;
};

static void *worker(void *arg)
{
	struct ck_pool *p = arg;
	uint64_t seen = 0;

	pthread_mutex_lock(&p->m);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->m);
		if (p->quit)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->m);
		par_run(p->job);
		pthread_mutex_lock(&p->m);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->m);
	return NULL;
}

static void pool_start(struct ck *c)
{
	struct ck_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return;		/* the caller's thread does it all */
	pthread_mutex_init(&p->m, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	for (unsigned i = 1; i < c->threads && p->n < 7; i++)
		if (pthread_create(&p->th[p->n], NULL, worker, p) == 0)
			p->n++;
	c->pool = p;
}

static void pool_stop(struct ck *c)
{
	struct ck_pool *p = c->pool;

	if (!p)
		return;
	pthread_mutex_lock(&p->m);
	p->quit = true;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->m);
	for (unsigned i = 0; i < p->n; i++)
		pthread_join(p->th[i], NULL);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->m);
	free(p);
	c->pool = NULL;
}

int ck_parallel(struct ck *c, uint64_t n, int (*fn)(struct ck *, uint64_t,
						     void *), void *arg)
{
	struct par w = { .c = c, .n = n, .fn = fn, .arg = arg };
	struct ck_pool *p;

	pthread_mutex_init(&w.lock, NULL);
	if (!c->pool && c->threads > 1 && n > 1)
		pool_start(c);
	p = c->pool;
	if (p && p->n && n > 1) {
		pthread_mutex_lock(&p->m);
		p->job = &w;
		p->busy = p->n;
		p->gen++;
		pthread_cond_broadcast(&p->go);
		pthread_mutex_unlock(&p->m);
	}
	par_run(&w);
	if (p && p->n && n > 1) {
		pthread_mutex_lock(&p->m);
		while (p->busy)
			pthread_cond_wait(&p->done, &p->m);
		pthread_mutex_unlock(&p->m);
	}
	pthread_mutex_destroy(&w.lock);
	return w.err;
}

/* ---- the run ---- */

static void ck_release(struct ck *c)
{
	pool_stop(c);
	if (c->grp)
		for (uint32_t g = 0; g < c->sb.group_count; g++)
			free(c->grp[g].inos);
	free(c->grp);
	free(c->used);
	ck_stage_free(c);
	free(c->dirs);
	free(c->dext);
	free(c->edges);
	free(c->enames);
	kmap_free(&c->remapped);
	for (size_t i = 0; i < c->nremaps; i++)
		free(c->remaps[i].ext);
	free(c->remaps);
	free(c->dups);
	kmap_free(&c->big_nlink);
	kmap_free(&c->big_refs);
	kmap_free(&c->subdirs);
	if (c->j)
		vx_journal_close(c->j);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->plock);
}

void ck_pass_start(struct ck *c, int pass)
{
	poll_cancel(c);
	if (c->o->pass && !c->stop)
		c->o->pass(c->o->ctx, pass, vx_check_pass_title(pass));
}

/* what a run counts: used inodes and blocks, objects by type */
static void tally(struct ck *c)
{
	struct vx_check_result *r = c->r;
	uint64_t words = (c->sb.block_count + 63) / 64;

	r->inodes_total = (uint64_t)c->sb.inodes_per_group * c->sb.group_count;
	r->blocks_total = c->sb.block_count;
	r->inodes_used = r->blocks_used = 0;
	r->files = r->dirs = r->symlinks = r->devices = 0;
	r->fifos = r->sockets = 0;
	for (uint32_t g = 0; g < c->sb.group_count; g++)
		for (uint32_t s = 0; s < c->grp[g].ninit; s++) {
			switch (c->grp[g].inos[s].type) {
			case 0: continue;
			case VX_FT_REG: r->files++; break;
			case VX_FT_DIR: r->dirs++; break;
			case VX_FT_LNK: r->symlinks++; break;
			case VX_FT_FIFO: r->fifos++; break;
			case VX_FT_SOCK: r->sockets++; break;
			default: r->devices++; break;
			}
			r->inodes_used++;
		}
	for (uint64_t w = 0; w < words; w++)
		r->blocks_used += (uint64_t)__builtin_popcountll(c->used[w]);
}

/* what the superblock says, for a run stopped before it counted */
static void sb_counts(struct ck *c)
{
	struct vx_check_result *r = c->r;

	r->inodes_total = (uint64_t)c->sb.inodes_per_group * c->sb.group_count;
	r->blocks_total = c->sb.block_count;
	r->inodes_used = r->inodes_total - c->sb.free_inodes;
	r->blocks_used = c->sb.block_count - c->sb.free_blocks;
}

/* a read-write run that needed no filesystem handle: the state word
 * says clean, or errors when some were left; written only when it
 * changes (a clean image checked with -f is not written at all) */
static int final_state(struct ck *c)
{
	uint16_t want = c->r->left ? VX_STATE_ERRORS : VX_STATE_CLEAN;
	uint16_t disk = c->unclean ? c->sb.state & ~VX_STATE_CLEAN :
				     c->sb.state;	/* see ck_commit */
	struct vx_super sb = c->sb;

	if (c->stop || disk == want)
		return 0;
	sb.state = want;	/* a state word is no repair: not "modified" */
	c->unclean = true;	/* this is the state to write */
	if (ck_put_super(c, &sb, 0))
		return -ENOMEM;
	return ck_commit(c);
}

/* the namespace passes, on a filesystem handle in read-write runs */
static int namespace_passes(struct ck *c)
{
	int err = 0;

	/* the block maps accepted for rebuilding in pass 3 (the handle is
	 * opened by the first repair that needs it) */
	for (size_t i = 0; i < c->nremaps && !c->rdonly && !err; i++) {
		int e = ck_fix_remap(c, &c->remaps[i]);

		if (e == -ENOMEM)
			err = e;
		else if (e) {	/* counted as fixed when it was accepted */
			c->r->fixed--;
			c->r->left++;
		}
	}
	ck_pass_start(c, VX_PASS_DIRS);
	if (!c->stop)
		err = ck_pass_dirs(c);
	ck_pass_start(c, VX_PASS_CONNECT);
	if (!err && !c->stop)
		err = ck_pass_connect(c);
	ck_pass_start(c, VX_PASS_LINKS);
	if (!err && !c->stop)
		err = ck_pass_links(c);
	if (c->fs) {
		int e2 = ck_fix_close(c);
		if (!err)
			err = e2;
	} else if (!err && !c->rdonly) {
		err = final_state(c);
	}
	return err;
}

static int run(struct ck *c)
{
	int err;

	err = ck_pass_super(c);	/* says when pass 1 starts: not when
				 * a clean image is passed over */
	if (c->r->skipped)
		sb_counts(c);
	if (!err && !c->r->skipped)
		err = ck_commit(c);
	if (err || c->r->skipped)
		return err;
	ck_pass_start(c, VX_PASS_GROUPS);
	if (!c->stop && !(err = ck_pass_groups(c)))
		err = ck_commit(c);
	ck_pass_start(c, VX_PASS_INODES);
	if (!err && !c->stop && !(err = ck_pass_inodes(c)))
		err = ck_commit(c);
	ck_pass_start(c, VX_PASS_BITMAPS);
	if (!err && !c->stop && !(err = ck_pass_bitmaps(c)))
		err = ck_commit(c);
	if (!err && c->grp && c->used)
		tally(c);
	if (c->r->inodes_used == 0 && c->r->blocks_used == 0)
		sb_counts(c);	/* stopped before pass 3: the hints */
	if (!err && c->stop)
		return ck_commit(c);	/* keep what was accepted */
	if (!err)
		err = namespace_passes(c);
	return err;
}

int vx_check(struct vx_io *io, const struct vx_check_opts *opts,
	     struct vx_check_result *res)
{
	struct ck c = { 0 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int err;

	if (!io || !opts || !res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	c.o = opts;
	c.r = res;
	c.rdonly = opts->flags & VX_CHECK_RDONLY;
	c.threads = opts->threads ? opts->threads : ncpu > 0 ? (unsigned)ncpu : 1;
	if (c.threads > 8)
		c.threads = 8;
	pthread_mutex_init(&c.lock, NULL);
	pthread_mutex_init(&c.plock, NULL);
	c.ppass = -1;
	c.io = io;
	if (c.rdonly && (err = vx_io_overlay_open(io, 4096, &c.io)))
		return err;
	err = run(&c);
	if (!err && c.err)
		err = c.err;
	ck_release(&c);
	if (c.io != io)
		vx_io_close(c.io);
	return err;
}
