/*
 * report.c: what mkfs.vexfs tells its caller: the human summary (like
 * mke2fs's), the per-group table with -v, and the layout as JSON.
 *
 * Design: everything is derived from the superblock vx_fs_plan() filled
 * (the same one vx_fs_format() writes), so the dry run (-n) and a real
 * run print the same layout.  A group's blocks follow format.h: an
 * optional superblock copy, the group header, the block bitmap, the inode
 * bitmap, the inode table, then data; the journal is a run of group 0's
 * data.  Results go to stdout; with --json stdout holds exactly one JSON
 * document and progress notes move to stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <uuid/uuid.h>

#include "mkfs.h"

struct group_layout {
	vx_blk_t start, end;		/* inclusive */
	const char *super;		/* "primary", "backup", NULL */
	vx_blk_t header, bbitmap, ibitmap, itable, data;
	uint64_t itable_blocks;
};

void note(const struct mkfs_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(o->json ? stderr : stdout, fmt, ap);
	va_end(ap);
}

static void layout_of(const struct vx_super *sb, uint32_t g,
		      struct group_layout *l)
{
	vx_blk_t bk[2];
	int i, nb = vx_fs_backup_blocks(sb, bk);
	uint64_t n;

	l->start = (vx_blk_t)g * sb->group_blocks;
	n = sb->block_count - l->start;
	if (n > sb->group_blocks)
		n = sb->group_blocks;
	l->end = l->start + n - 1;
	l->super = g == 0 ? "primary" : NULL;
	for (i = 0; i < nb && g; i++)
		if (bk[i] == l->start)
			l->super = "backup";
	l->header = l->start + (l->super ? 1 : 0);
	l->bbitmap = l->header + 1;
	l->ibitmap = l->bbitmap + sb->bbitmap_blocks;
	l->itable = l->ibitmap + sb->ibitmap_blocks;
	l->itable_blocks = sb->itable_blocks;
	l->data = l->itable + sb->itable_blocks;
}

static void uuid_str(const struct vx_super *sb, char out[37])
{
	uuid_unparse_lower(sb->hdr.uuid, out);
}

static void print_backups(const struct vx_super *sb)
{
	vx_blk_t bk[2];
	int i, n = vx_fs_backup_blocks(sb, bk);

	printf("Superblock backups: ");
	if (!n)
		printf("none");
	for (i = 0; i < n; i++)
		printf("%s%llu", i ? ", " : "", (unsigned long long)bk[i]);
	printf("\n");
}

static void print_groups(const struct vx_super *sb)
{
	struct group_layout l;
	uint32_t g;

	printf("\n%-6s %-23s %-8s %-10s %-12s %-12s %-23s %s\n", "Group",
	       "Blocks", "Super", "Header", "Block bitmap", "Inode bitmap",
	       "Inode table", "Data");
	for (g = 0; g < sb->group_count; g++) {
		char range[48], itab[48];

		layout_of(sb, g, &l);
		snprintf(range, sizeof(range), "%llu-%llu",
			 (unsigned long long)l.start, (unsigned long long)l.end);
		snprintf(itab, sizeof(itab), "%llu-%llu",
			 (unsigned long long)l.itable,
			 (unsigned long long)(l.data - 1));
		printf("%-6u %-23s %-8s %-10llu %-12llu %-12llu %-23s %llu-%llu\n",
		       g, range, l.super ? l.super : "-",
		       (unsigned long long)l.header,
		       (unsigned long long)l.bbitmap,
		       (unsigned long long)l.ibitmap, itab,
		       (unsigned long long)l.data, (unsigned long long)l.end);
	}
}

static void print_existing(const struct report *r)
{
	const struct probe_result *p = r->probe;
	char desc[200];
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nsigs; i++) {
		probe_describe(&p->sigs[i], desc, sizeof(desc));
		printf("Existing:           %s (would be wiped)\n", desc);
	}
	if (p->mounted)
		printf("In use:             mounted on %s\n", p->mountpoint);
	else if (p->busy)
		printf("In use:             by %s\n", p->busy_by);
}

void report_human(const struct report *r)
{
	const struct vx_super *sb = r->sb;
	const struct populate_stats *s = r->pop;
	uint64_t bsize = (uint64_t)1 << sb->block_log;
	char u[37], h1[32], h2[32];

	if (r->o->quiet)
		return;
	uuid_str(sb, u);
	printf("Device:             %s\n", r->o->device);
	printf("Block size:         %llu\n", (unsigned long long)bsize);
	printf("Blocks:             %llu (%s)\n",
	       (unsigned long long)sb->block_count,
	       human_bytes(sb->block_count * bsize, h1, sizeof(h1)));
	printf("Groups:             %u (%u blocks per group)\n",
	       sb->group_count, sb->group_blocks);
	printf("Inodes:             %llu (%u per group)\n",
	       (unsigned long long)sb->inodes_per_group * sb->group_count,
	       sb->inodes_per_group);
	printf("Journal:            %llu blocks (%s) at block %llu\n",
	       (unsigned long long)sb->journal_blocks,
	       human_bytes(sb->journal_blocks * bsize, h2, sizeof(h2)),
	       (unsigned long long)sb->journal_start);
	printf("UUID:               %s\n", u);
	printf("Label:              %s\n", sb->label[0] ? sb->label : "(none)");
	printf("Hash seed:          0x%016llx\n",
	       (unsigned long long)sb->hash_seed);
	print_backups(sb);
	if (!r->written)
		print_existing(r);
	if (s)
		printf("Copied:             %llu files, %llu directories, "
		       "%llu symlinks, %llu hard links, %llu special, %llu bytes\n",
		       (unsigned long long)s->files, (unsigned long long)s->dirs,
		       (unsigned long long)s->symlinks,
		       (unsigned long long)s->hardlinks,
		       (unsigned long long)s->special,
		       (unsigned long long)s->bytes);
	if (r->o->verbose)
		print_groups(sb);
	if (!r->written)
		printf("Dry run (-n): nothing was written to %s\n", r->o->device);
}

/* ---- JSON */

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *json_groups(const struct vx_super *sb)
{
	json_object *arr = json_object_new_array();
	struct group_layout l;
	uint32_t g;

	for (g = 0; arr && g < sb->group_count; g++) {
		json_object *o = json_object_new_object();

		layout_of(sb, g, &l);
		add_u64(o, "group", g);
		add_u64(o, "start", l.start);
		add_u64(o, "blocks", l.end - l.start + 1);
		json_object_object_add(o, "superblock", l.super ?
			json_object_new_string(l.super) : NULL);
		add_u64(o, "header", l.header);
		add_u64(o, "block_bitmap", l.bbitmap);
		add_u64(o, "inode_bitmap", l.ibitmap);
		add_u64(o, "inode_table", l.itable);
		add_u64(o, "inode_table_blocks", l.itable_blocks);
		add_u64(o, "data_start", l.data);
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *json_existing(const struct probe_result *p)
{
	json_object *arr = json_object_new_array();
	int i;

	for (i = 0; p && i < p->nsigs; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "type",
				       json_object_new_string(p->sigs[i].type));
		json_object_object_add(o, "kind",
				       json_object_new_string(p->sigs[i].what));
		json_object_object_add(o, "label",
				       json_object_new_string(p->sigs[i].label));
		add_u64(o, "offset", p->sigs[i].offset);
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *json_populate(const struct populate_stats *s)
{
	json_object *o = json_object_new_object();

	add_u64(o, "files", s->files);
	add_u64(o, "directories", s->dirs);
	add_u64(o, "symlinks", s->symlinks);
	add_u64(o, "hard_links", s->hardlinks);
	add_u64(o, "special", s->special);
	add_u64(o, "skipped", s->skipped);
	add_u64(o, "bytes", s->bytes);
	return o;
}

static void json_geometry(json_object *o, const struct vx_super *sb)
{
	uint64_t bsize = (uint64_t)1 << sb->block_log;
	vx_blk_t bk[2];
	int i, n = vx_fs_backup_blocks(sb, bk);
	json_object *arr = json_object_new_array();

	add_u64(o, "block_size", bsize);
	add_u64(o, "block_count", sb->block_count);
	add_u64(o, "bytes", sb->block_count * bsize);
	add_u64(o, "group_blocks", sb->group_blocks);
	add_u64(o, "group_count", sb->group_count);
	add_u64(o, "inodes_per_group", sb->inodes_per_group);
	add_u64(o, "inode_count",
		(uint64_t)sb->inodes_per_group * sb->group_count);
	add_u64(o, "inode_size", sb->inode_size);
	add_u64(o, "block_bitmap_blocks", sb->bbitmap_blocks);
	add_u64(o, "inode_bitmap_blocks", sb->ibitmap_blocks);
	add_u64(o, "inode_table_blocks", sb->itable_blocks);
	add_u64(o, "journal_start", sb->journal_start);
	add_u64(o, "journal_blocks", sb->journal_blocks);
	add_u64(o, "journal_bytes", sb->journal_blocks * bsize);
	add_u64(o, "free_blocks", sb->free_blocks);
	add_u64(o, "free_inodes", sb->free_inodes);
	add_u64(o, "root_ino", sb->root_ino);
	for (i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_uint64(bk[i]));
	json_object_object_add(o, "backup_superblocks", arr);
}

int report_json(const struct report *r)
{
	const struct vx_super *sb = r->sb;
	json_object *o = json_object_new_object();
	char u[37];

	if (!o)
		return -ENOMEM;
	uuid_str(sb, u);
	json_object_object_add(o, "device", json_object_new_string(r->o->device));
	json_object_object_add(o, "dry_run", json_object_new_boolean(!r->written));
	json_object_object_add(o, "version", json_object_new_string(VEXFS_VERSION));
	json_geometry(o, sb);
	json_object_object_add(o, "uuid", json_object_new_string(u));
	json_object_object_add(o, "label", json_object_new_string(sb->label));
	add_u64(o, "hash_seed", sb->hash_seed);
	add_u64(o, "mkfs_time", sb->mkfs_time);
	if (r->probe)
		json_object_object_add(o, "existing", json_existing(r->probe));
	if (r->pop)
		json_object_object_add(o, "populate", json_populate(r->pop));
	json_object_object_add(o, "groups", json_groups(sb));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}
