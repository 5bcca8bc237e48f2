/*
 * check_nlink.c: pass 7, link counts.
 *
 * Compares every inode's link count with the names found: a
 * file's is its names, a directory's 2 plus its subdirectories.  An
 * inode with no name at all is reconnected in /lost+found when it holds
 * data and still has links, and released otherwise.
 * It works on the model passes 5 and 6 left (names found, kept
 * subdirectories, what was reconnected) and repairs through check_fix.c.
 */
#include <errno.h>
#include <stdio.h>
#include "check_int.h"

static const char *kind(unsigned type)
{
	static const char *const n[] = { "inode", "file", "directory",
		"character device", "block device", "fifo", "socket",
		"symlink" };
	return n[type <= VX_FT_LNK ? type : 0];
}

static int unattached(struct ck *c, vx_ino_t ino, struct ck_ino *ci)
{
	uint8_t slot[VX_INODE_SIZE];
	struct vx_inode in;
	struct vx_finding f;
	char what[48];
	bool yes, release;
	int err = ck_slot_get(c, ino, slot);

	if (err || vx_inode_decode(slot, ino, c->sb.hdr.uuid, &in))
		return err;
	snprintf(what, sizeof(what), "inode %llu", (unsigned long long)ino);
	release = in.nlink == 0;
	if (release)
		ck_finding(&f, VX_PR_INODE_ORPHAN, ino, what, kind(ci->type),
			   (unsigned long long)in.blocks);
	else
		ck_finding(&f, VX_PR_INODE_UNATTACHED, ino, what,
			   kind(ci->type), (unsigned long long)in.size);
	yes = ck_ask(c, &f) && (release || c->lost_found);
	if (yes)
		err = release ? ck_fix_release(c, ino) :
				ck_fix_reattach(c, ino, ci->type);
	ck_done(c, &f, yes, err);
	if (yes && !err) {
		if (release)
			ci->type = 0;
		else
			ck_add_refs(c, ino, 1);
	}
	return err == -ENOMEM ? err : 0;
}

static int one_inode(struct ck *c, vx_ino_t ino, struct ck_ino *ci)
{
	struct vx_finding f;
	char what[48];
	uint32_t want;
	bool yes;
	int err = 0;

	if (!ci->type || ino == c->fresh[0] || ino == c->fresh[1])
		return 0;
	if (ci->type != VX_FT_DIR && ck_refs(c, ino) == 0 &&
	    (err = unattached(c, ino, ci)))
		return err;
	if (!ci->type || (ci->type != VX_FT_DIR && ck_refs(c, ino) == 0))
		return 0;
	if (ci->type == VX_FT_DIR && !ci->reached)
		return 0;	/* reported in pass 6 */
	want = ci->type == VX_FT_DIR ? 2 + ck_subdirs(c, ino) : ck_refs(c, ino);
	if (ck_nlink(c, ino) == want)
		return 0;
	snprintf(what, sizeof(what), "inode %llu", (unsigned long long)ino);
	ck_finding(&f, VX_PR_INODE_NLINK, ino, what, ck_nlink(c, ino), want);
	yes = ck_ask(c, &f);
	if (yes)
		err = ck_fix_nlink(c, ino, want);
	ck_done(c, &f, yes, err);
	return err == -ENOMEM ? err : 0;
}

int ck_pass_links(struct ck *c)
{
	int err = 0;

	for (uint32_t g = 0; g < c->sb.group_count && !err && !c->stop; g++)
		for (uint32_t s = 0; s < c->grp[g].ninit && !err && !c->stop; s++)
			err = one_inode(c, (uint64_t)g * c->sb.inodes_per_group +
					s + 1, &c->grp[g].inos[s]);
	return err;
}
