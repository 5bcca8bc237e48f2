/*
 * check_problem.c: the problem table of the checker.
 *
 * Every inconsistency the checker can report is one row: its code, a
 * stable name (the JSON output and the tests use it), the pass that
 * finds it, the message format, the question put to the operator, the
 * word a preen run prints once it is fixed, whether preen may fix it
 * without a human (VX_PRF_PREEN: nothing is lost by the repair), and the
 * default answer.  The passes never word a message themselves: they call
 * ck_report with the code and the format's arguments, so one problem
 * always reads the same.
 *
 * Preen policy: repairs that only recompute what the image already
 * implies (counts, bitmaps, '..', a missing lost+found, reattaching an
 * unnamed inode, releasing an inode with no links and no name, dropping
 * a name whose inode is gone) are preen-safe, as in e2fsck; repairs that
 * throw away something an inode or a directory still held (clearing an
 * inode, dropping extents or live entries, cloning shared blocks) need a
 * human.
 */
#include <stddef.h>
#include "check_int.h"

#define P(c, pass, fmt, q, fx, fl, d) \
	[VX_PR_##c] = { VX_PR_##c, #c, VX_PASS_##pass, fmt, q, fx, fl, d }
#define Y VX_ANS_YES
#define N VX_ANS_NO
#define PR VX_PRF_PREEN

static const struct vx_problem table[VX_PR_LAST] = {
	P(SUPER_PRIMARY_BAD, SUPER, "primary superblock is damaged (%s); "
	  "the backup at block %llu is good", "Restore the primary from it",
	  "RESTORED", 0, Y),
	P(SUPER_BACKUP_BAD, SUPER, "backup superblock at block %llu is "
	  "damaged (%s)", "Rewrite it", "REWRITTEN", PR, Y),
	P(SUPER_BACKUP_DIFFERS, SUPER, "backup superblock at block %llu "
	  "differs from the primary (%s)", "Rewrite it", "REWRITTEN", PR, Y),
	P(SUPER_STATE, SUPER, "superblock state 0x%x has unknown bits",
	  "Clear them", "CLEARED", PR, Y),
	P(JOURNAL_SUPER_BAD, SUPER, "journal superblock at block %llu is "
	  "damaged (%s); the log cannot be read", "Make a new, empty journal",
	  "REINITIALISED", 0, Y),
	P(GROUP_HEADER_BAD, GROUPS, "header at block %llu is damaged (%s)",
	  "Rebuild it", "REBUILT", PR, Y),
	P(GROUP_HEADER_FIELD, GROUPS, "header field %s is %llu, should be %llu",
	  "Fix", "FIXED", PR, Y),
	P(GROUP_FLAGS, GROUPS, "header flags 0x%x have unknown bits",
	  "Clear them", "CLEARED", PR, Y),
	P(INODE_BAD_CRC, INODES, "checksum does not match its contents",
	  "Clear the inode", "CLEARED", 0, Y),
	P(INODE_BAD_HEADER, INODES, "slot does not hold a VexFS inode (%s)",
	  "Clear the slot", "CLEARED", 0, Y),
	P(INODE_BAD_MODE, INODES, "unknown file type in mode 0%o",
	  "Clear the inode", "CLEARED", 0, Y),
	P(INODE_BAD_FLAGS, INODES, "unknown flags 0x%x", "Clear them",
	  "CLEARED", PR, Y),
	P(INODE_BAD_SYMLINK, INODES, "symbolic link target is inconsistent "
	  "(%s)", "Clear the inode", "CLEARED", 0, Y),
	P(INODE_SPECIAL_MAP, INODES, "%s has a block map (%u entries)",
	  "Clear the map", "CLEARED", PR, Y),
	P(INODE_SIZE, INODES, "size is %llu, but data is mapped up to %llu",
	  "Set the size", "FIXED", PR, Y),
	P(INODE_BLOCKS, INODES, "block count is %llu, counted %llu", "Fix",
	  "FIXED", PR, Y),
	P(INODE_BEYOND_INIT, INODES, "inodes past the initialised mark of "
	  "the inode table (%u slots) are in use", "Raise the mark", "FIXED",
	  PR, Y),
	P(EXTENT_BAD_NODE, INODES, "extent tree node at block %llu is "
	  "damaged (%s)", "Rebuild the block map without it", "REBUILT", 0, Y),
	P(EXTENT_BAD_INDEX, INODES, "extent index entry %u (logical %llu, "
	  "block %llu) is invalid (%s)", "Rebuild the block map without it",
	  "REBUILT", 0, Y),
	P(EXTENT_BAD_RANGE, INODES, "extent logical %llu, block %llu, length "
	  "%u is invalid (%s)", "Rebuild the block map without it", "REBUILT",
	  0, Y),
	P(EXTENT_META, INODES, "extent at blocks %llu-%llu overlaps "
	  "filesystem metadata", "Rebuild the block map without it",
	  "REBUILT", 0, Y),
	P(EXTENT_OVERLAP, INODES, "extent at logical %llu overlaps the one "
	  "before it", "Rebuild the block map without it", "REBUILT", 0, Y),
	P(BLOCK_DUP, INODES, "blocks %llu-%llu are also claimed by inode %llu",
	  "Give this inode its own copy", "CLONED", 0, Y),
	P(BITMAP_BAD, BITMAPS, "%s bitmap block %llu is damaged (%s)",
	  "Rebuild it", "REBUILT", PR, Y),
	P(BLOCK_USED_FREE, BITMAPS, "blocks in use but marked free: %s",
	  "Mark them in use", "FIXED", PR, Y),
	P(BLOCK_FREE_USED, BITMAPS, "blocks marked in use but unused: %s",
	  "Mark them free", "FIXED", PR, Y),
	P(INODE_USED_FREE, BITMAPS, "inodes in use but marked free: %s",
	  "Mark them in use", "FIXED", PR, Y),
	P(INODE_FREE_USED, BITMAPS, "inodes marked in use but unused: %s",
	  "Mark them free", "FIXED", PR, Y),
	P(GROUP_FREE_BLOCKS, BITMAPS, "free blocks count is %llu, counted "
	  "%llu", "Fix", "FIXED", PR, Y),
	P(GROUP_FREE_INODES, BITMAPS, "free inodes count is %llu, counted "
	  "%llu", "Fix", "FIXED", PR, Y),
	P(GROUP_USED_DIRS, BITMAPS, "directories count is %llu, counted %llu",
	  "Fix", "FIXED", PR, Y),
	P(DIR_BAD_NODE, DIRS, "block at logical %llu is damaged (%s)",
	  "Rebuild the directory from the entries that can be read",
	  "REBUILT", 0, Y),
	P(DIR_BAD_INDEX, DIRS, "index does not lead to every entry (%s)",
	  "Rebuild the index", "REBUILT", PR, Y),
	P(DIR_BAD_COUNT, DIRS, "entry count is %llu, counted %llu",
	  "Fix", "FIXED", PR, Y),
	P(DIR_BAD_HASH, DIRS, "entry '%s' is filed under the wrong hash",
	  "Refile it", "FIXED", PR, Y),
	P(DIR_BAD_NAME, DIRS, "entry '%s' (inode %llu) has an invalid name",
	  "Clear the entry", "CLEARED", 0, Y),
	P(DIR_BAD_INO, DIRS, "entry '%s' names inode %llu, outside the "
	  "filesystem", "Clear the entry", "CLEARED", PR, Y),
	P(DIR_FREE_INO, DIRS, "entry '%s' names inode %llu, which is free",
	  "Clear the entry", "CLEARED", PR, Y),
	P(DIR_BAD_TYPE, DIRS, "entry '%s' says %s, inode %llu is %s", "Fix",
	  "FIXED", PR, Y),
	P(DIR_DUP_NAME, DIRS, "entry '%s' appears twice", "Clear the second",
	  "CLEARED", 0, Y),
	P(DIR_SECOND_LINK, CONNECT, "entry '%s' is a second name for directory "
	  "inode %llu (first in inode %llu)", "Clear the entry", "CLEARED",
	  0, Y),
	P(DIR_PARENT, CONNECT, "'..' is inode %llu, should be %llu", "Fix",
	  "FIXED", PR, Y),
	P(ROOT_BAD, CONNECT, "root directory is missing or not a directory",
	  "Make a new root", "RECREATED", 0, Y),
	P(LOST_FOUND_MISSING, CONNECT, "/lost+found is missing", "Create it",
	  "CREATED", PR, Y),
	P(DIR_UNCONNECTED, CONNECT, "directory is not reachable from the root "
	  "(parent %llu)", "Connect it to /lost+found", "RECONNECTED", PR, Y),
	P(INODE_UNATTACHED, LINKS, "%s of %llu bytes is in no directory",
	  "Connect it to /lost+found", "RECONNECTED", PR, Y),
	P(INODE_ORPHAN, LINKS, "%s with no links and no name still holds "
	  "%llu blocks", "Release it", "RELEASED", PR, Y),
	P(INODE_NLINK, LINKS, "link count is %u, should be %u", "Fix",
	  "FIXED", PR, Y),
};

const struct vx_problem *vx_check_problem(int code)
{
	if (code <= 0 || code >= VX_PR_LAST || !table[code].name)
		return NULL;
	return &table[code];
}

static const char *const titles[VX_PASS_COUNT] = {
	[VX_PASS_JOURNAL] = "journal recovery",
	[VX_PASS_SUPER] = "superblock and backups",
	[VX_PASS_GROUPS] = "allocation-group headers",
	[VX_PASS_INODES] = "inodes and extent trees",
	[VX_PASS_BITMAPS] = "bitmaps and free counts",
	[VX_PASS_DIRS] = "directories",
	[VX_PASS_CONNECT] = "connectivity",
	[VX_PASS_LINKS] = "link counts",
};

const char *vx_check_pass_title(int pass)
{
	return pass >= 0 && pass < VX_PASS_COUNT ? titles[pass] : "?";
}
