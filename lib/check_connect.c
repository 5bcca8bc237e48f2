/*
 * check_connect.c: pass 6, connectivity.
 *
 * Pass 6 works on what pass 5 found: the subdirectory entries (edges).
 * A directory named in more than one directory keeps one name (the one
 * in the directory its ".." names, else the first by parent inode and
 * name); the others are removed.  From the root, every directory
 * reachable through the kept names is connected; the top of each part
 * that is not (a directory whose parent is gone, or one of a loop) is
 * reconnected in /lost+found as "#INO", which is created first when it
 * is missing.  Every connected directory's ".." (in its inode and in
 * its root node) must name its parent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_int.h"

static int cmp_edge(const void *a, const void *b, void *arg)
{
	const struct ck_edge *x = a, *y = b;
	const struct ck *c = arg;

	if (x->child != y->child)
		return x->child < y->child ? -1 : 1;
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	return strcmp(ck_edge_name(c, x), ck_edge_name(c, y));
}

static void sort_edges(struct ck *c)
{
	if (c->nedges)
		qsort_r(c->edges, c->nedges, sizeof(*c->edges), cmp_edge, c);
}

static const struct ck_dir *dir_of(struct ck *c, vx_ino_t ino)
{
	size_t lo = 0, hi = c->ndirs;

	while (lo < hi) {	/* c->dirs is sorted by pass 5 */
		size_t mid = (lo + hi) / 2;
		if (c->dirs[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->ndirs && c->dirs[lo].ino == ino ? &c->dirs[lo] : NULL;
}

/* edges [i, j) name one child: keep one, ask about the others */
static int keep_one(struct ck *c, size_t i, size_t j)
{
	const struct ck_dir *d = dir_of(c, c->edges[i].child);
	size_t keep = i;
	int err = 0;

	for (size_t k = i; k < j && d; k++)
		if (c->edges[k].parent == d->parent) {
			keep = k;
			break;
		}
	for (size_t k = i; k < j && !err && !c->stop; k++) {
		struct ck_edge *e = &c->edges[k];
		struct vx_finding f;
		char what[48];
		bool yes;

		if (k == keep)
			continue;
		snprintf(what, sizeof(what), "directory inode %llu",
			 (unsigned long long)e->parent);
		ck_finding(&f, VX_PR_DIR_SECOND_LINK, e->parent, what,
			   ck_edge_name(c, e),
			   (unsigned long long)e->child,
			   (unsigned long long)c->edges[keep].parent);
		yes = ck_ask(c, &f);
		if (yes)
			err = ck_fix_unlink(c, e->parent, ck_edge_name(c, e));
		ck_done(c, &f, yes, err);
		if (yes && !err) {
			err = ck_add_refs(c, e->child, -1);
			e->parent = 0;	/* gone */
		}
		err = err == -ENOMEM ? err : 0;
	}
	return err;
}

/* the kept parent of directory @ino, 0 for none */
static vx_ino_t parent_of(struct ck *c, vx_ino_t ino)
{
	size_t lo = 0, hi = c->nedges;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->edges[mid].child < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->nedges && c->edges[lo].child == ino; lo++)
		if (c->edges[lo].parent)
			return c->edges[lo].parent;
	return 0;
}

/* the kept edges, sorted by parent: children of a directory by search */
struct kids {
	struct ck_edge **v;
	size_t n;
};

static int cmp_parent(const void *a, const void *b)
{
	const struct ck_edge *x = *(struct ck_edge *const *)a;
	const struct ck_edge *y = *(struct ck_edge *const *)b;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	return x->child < y->child ? -1 : x->child > y->child;
}

static int kids_build(struct ck *c, struct kids *k)
{
	k->n = 0;
	free(k->v);
	k->v = malloc((c->nedges ? c->nedges : 1) * sizeof(*k->v));
	if (!k->v)
		return -ENOMEM;
	for (size_t i = 0; i < c->nedges; i++) {
		struct ck_edge *e = &c->edges[i];
		/* the first edge of a child with a parent is the kept one */
		if (e->parent && parent_of(c, e->child) == e->parent &&
		    !(i && c->edges[i - 1].child == e->child &&
		      c->edges[i - 1].parent == e->parent))
			k->v[k->n++] = e;
	}
	if (k->n)
		qsort(k->v, k->n, sizeof(*k->v), cmp_parent);
	return 0;
}

/* mark @top and everything below it reached */
static int reach(struct ck *c, const struct kids *k, vx_ino_t top)
{
	vx_ino_t *work = NULL;
	size_t n = 0, cap = 0;
	int err = vx_grow((void **)&work, &cap, 1, sizeof(*work));

	if (err)
		return err;
	work[n++] = top;
	ck_inode(c, top)->reached = 1;
	while (n && !err) {
		vx_ino_t p = work[--n];
		size_t lo = 0, hi = k->n;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (k->v[mid]->parent < p)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < k->n && k->v[lo]->parent == p && !err; lo++) {
			struct ck_ino *ci = ck_inode(c, k->v[lo]->child);

			if (!ci || ci->reached)
				continue;
			ci->reached = 1;
			if (!(err = vx_grow((void **)&work, &cap, n + 1,
					    sizeof(*work))))
				work[n++] = k->v[lo]->child;
		}
	}
	free(work);
	return err;
}

static int lost_found(struct ck *c)
{
	struct vx_finding f;
	vx_ino_t lf = 0;
	bool yes;
	int err = 0;

	for (size_t i = 0; i < c->nedges; i++)
		if (c->edges[i].parent == c->sb.root_ino &&
		    !strcmp(ck_edge_name(c, &c->edges[i]), "lost+found"))
			lf = c->edges[i].child;
	if (lf) {
		c->lost_found = lf;
		return 0;
	}
	ck_finding(&f, VX_PR_LOST_FOUND_MISSING, 0, "lost+found");
	yes = ck_ask(c, &f);
	if (yes && !(err = ck_fix_lost_found(c, &lf))) {
		struct ck_ino *ci = ck_inode(c, lf);

		c->lost_found = lf;
		c->fresh[1] = lf;
		if (ci)
			ci->reached = 1;
		/* the root's new subdirectory: vx_mkdir counted it in the
		 * root's link count, and pass 7 counts its edge */
		ck_set_nlink(c, c->sb.root_ino,
			     ck_nlink(c, c->sb.root_ino) + 1);
		if (!(err = ck_add_edge(c, lf, c->sb.root_ino, "lost+found")))
			sort_edges(c);
	}
	ck_done(c, &f, yes, err);
	return err == -ENOMEM ? err : 0;
}

/* the top of the unconnected part that holds @ino */
static vx_ino_t top_of(struct ck *c, vx_ino_t ino)
{
	vx_ino_t cur = ino, p;
	size_t steps = 0;

	while ((p = parent_of(c, cur)) && steps++ < c->ndirs) {
		struct ck_ino *pi = ck_inode(c, p);
		if (!pi || pi->type != VX_FT_DIR || p == ino)
			break;
		cur = p;
	}
	return cur;
}

static int reconnect(struct ck *c, struct kids *k, vx_ino_t top)
{
	struct vx_finding f;
	char what[48];
	vx_ino_t old = parent_of(c, top);
	bool yes;
	int err = 0;

	snprintf(what, sizeof(what), "directory inode %llu",
		 (unsigned long long)top);
	ck_finding(&f, VX_PR_DIR_UNCONNECTED, top, what,
		   (unsigned long long)(old ? old : dir_of(c, top) ?
					dir_of(c, top)->parent : 0));
	yes = ck_ask(c, &f) && c->lost_found;
	if (yes && old) {
		/* a loop: its old name goes, lost+found's is the one */
		for (size_t i = 0; i < c->nedges && !err; i++)
			if (c->edges[i].child == top && c->edges[i].parent == old) {
				err = ck_fix_unlink(c, old,
					ck_edge_name(c, &c->edges[i]));
				c->edges[i].parent = 0;
				ck_add_refs(c, top, -1);
			}
	}
	if (yes && !err)
		err = ck_fix_reattach(c, top, VX_FT_DIR);
	ck_done(c, &f, yes, err);
	if (yes && !err) {
		const struct ck_dir *d = dir_of(c, top);

		ck_add_refs(c, top, 1);
		struct ck_ino *li = ck_inode(c, c->lost_found);

		if (d)
			((struct ck_dir *)d)->parent =
				((struct ck_dir *)d)->node_parent = c->lost_found;
		if (li)	/* ck_fix_reattach counted it */
			ck_set_nlink(c, c->lost_found,
				     ck_nlink(c, c->lost_found) + 1);
		if (!(err = ck_add_edge(c, top, c->lost_found, ""))) {
			sort_edges(c);
			err = kids_build(c, k);
		}
	}
	if (!err)
		err = reach(c, k, top);	/* asked once per part */
	return err == -ENOMEM ? err : 0;
}

static int check_parent(struct ck *c, const struct ck_dir *d)
{
	vx_ino_t want = d->ino == c->sb.root_ino ? d->ino : parent_of(c, d->ino);
	struct vx_finding f;
	char what[48];
	bool yes;
	int err = 0;

	if (!want || (d->parent == want &&
		      (!d->node_parent || d->node_parent == want)))
		return 0;
	snprintf(what, sizeof(what), "directory inode %llu",
		 (unsigned long long)d->ino);
	ck_finding(&f, VX_PR_DIR_PARENT, d->ino, what, (unsigned long long)
		   (d->parent != want ? d->parent : d->node_parent),
		   (unsigned long long)want);
	yes = ck_ask(c, &f);
	if (yes)
		err = ck_fix_parent(c, d->ino, want);
	ck_done(c, &f, yes, err);
	return err == -ENOMEM ? err : 0;
}

int ck_pass_connect(struct ck *c)
{
	struct ck_ino *root = ck_inode(c, c->sb.root_ino);
	struct kids k = { 0 };
	int err = 0;

	if (!root || root->type != VX_FT_DIR) {
		struct vx_finding f;
		bool yes;

		ck_finding(&f, VX_PR_ROOT_BAD, c->sb.root_ino, "root");
		yes = ck_ask(c, &f);
		if (yes && root && root->type)	/* not a directory: it goes */
			err = ck_fix_release(c, c->sb.root_ino);
		if (yes && !err)
			err = ck_fix_root(c);
		ck_done(c, &f, yes, err);
		if (!yes || err || !root)
			return err == -ENOMEM ? err : 0;	/* nothing can
							 * be connected */
		root->type = VX_FT_DIR;
		c->fresh[0] = c->sb.root_ino;
		ck_set_nlink(c, c->sb.root_ino, 2);
	}
	sort_edges(c);
	for (size_t i = 0; i < c->nedges && !err && !c->stop;) {
		size_t j = i + 1;
		while (j < c->nedges && c->edges[j].child == c->edges[i].child)
			j++;
		if (j - i > 1)
			err = keep_one(c, i, j);
		i = j;
	}
	if (!err && !c->stop)
		err = lost_found(c);
	if (!err)
		err = kids_build(c, &k);
	if (!err)
		err = reach(c, &k, c->sb.root_ino);
	for (size_t i = 0; i < c->ndirs && !err && !c->stop; i++) {
		struct ck_ino *ci = ck_inode(c, c->dirs[i].ino);

		if (ci && ci->type == VX_FT_DIR && !ci->reached)
			err = reconnect(c, &k, top_of(c, c->dirs[i].ino));
	}
	for (size_t i = 0; i < c->ndirs && !err && !c->stop; i++) {
		struct ck_ino *ci = ck_inode(c, c->dirs[i].ino);

		if (ci && ci->type == VX_FT_DIR)
			err = check_parent(c, &c->dirs[i]);
	}
	/* subdirectory counts for pass 7 */
	for (size_t i = 0; i < k.n; i++) {
		if (!err)
			err = ck_add_subdirs(c, k.v[i]->parent, 1);
	}
	free(k.v);
	return err;
}
