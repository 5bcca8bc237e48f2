/*
 * probe.c: what is on the device, and is it in use?  libblkid probing,
 * signature wiping, mounted/busy checks.
 *
 * Design: mkfs refuses to destroy data by default, always (not only on a
 * terminal).  probe_device() collects every signature libblkid knows
 * (superblocks with their labels, and partition tables) plus an existing
 * VexFS superblock, which libblkid does not know, and the in-use state:
 *   - a block device (or one of its partitions) listed in
 *     /proc/self/mountinfo by device number, held by another device
 *     (holders/, e.g. device-mapper or md) or used as swap;
 *   - a regular file that backs a loop device (/sys/block/loop*), which
 *     is then checked as a block device, or is a swap file.
 * The caller decides what to refuse.  wipe_signatures() erases what
 * libblkid finds, one signature at a time (blkid_do_wipe steps the probe
 * back so that the next blkid_do_probe sees what was hidden behind), and
 * the primary and backup superblocks of an old VexFS, so that neither
 * blkid nor a VexFS tool later mistakes leftovers for a filesystem.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#include <blkid/blkid.h>

#include "mkfs.h"

#define VX_PROBE_BYTES	65536u	/* the largest block size */
#define MAX_WIPES	64

/* bounded copy, truncating silently (labels, mount points) */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *lookup(blkid_probe pr, const char *name)
{
	const char *v = NULL;

	if (blkid_probe_lookup_value(pr, name, &v, NULL) < 0)
		return NULL;
	return v;
}

static void what_of(const char *type, const char *usage, char *buf,
		    size_t len)
{
	if (type && !strcmp(type, "swap"))
		copy_str(buf, len, "swap area");
	else if (!usage || !strcmp(usage, "filesystem"))
		copy_str(buf, len, "file system");
	else if (!strcmp(usage, "raid"))
		copy_str(buf, len, "RAID member");
	else if (!strcmp(usage, "crypto"))
		copy_str(buf, len, "encrypted volume");
	else
		copy_str(buf, len, "signature");
}

/* the current libblkid result as a probe_sig */
static void sig_from_probe(blkid_probe pr, struct probe_sig *sig)
{
	const char *type = lookup(pr, "TYPE");
	const char *off;

	memset(sig, 0, sizeof(*sig));
	if (type) {
		copy_str(sig->type, sizeof(sig->type), type);
		copy_str(sig->label, sizeof(sig->label), lookup(pr, "LABEL"));
		what_of(type, lookup(pr, "USAGE"), sig->what,
			sizeof(sig->what));
		off = lookup(pr, "SBMAGIC_OFFSET");
	} else {
		copy_str(sig->type, sizeof(sig->type), lookup(pr, "PTTYPE"));
		copy_str(sig->what, sizeof(sig->what), "partition table");
		off = lookup(pr, "PTMAGIC_OFFSET");
	}
	if (!sig->type[0])
		copy_str(sig->type, sizeof(sig->type), "unknown");
	sig->offset = off ? strtoull(off, NULL, 10) : 0;
}

static void setup_chains(blkid_probe pr, bool magic)
{
	int sflags = BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL |
		     BLKID_SUBLKS_USAGE | BLKID_SUBLKS_MAGIC;

	if (magic)
		sflags |= BLKID_SUBLKS_BADCSUM;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, sflags);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC |
					 (magic ? BLKID_PARTS_FORCE_GPT : 0));
}

/* An old VexFS superblock at block 0?  Fills @sb when it decodes.
 * Returns 1 (decoded), 2 (magic only, damaged), 0 (none), -errno. */
static int find_vexfs(int fd, struct vx_super *sb)
{
	unsigned char *buf = calloc(1, VX_PROBE_BYTES);
	ssize_t n;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, VX_PROBE_BYTES, 0);
	if (n < 0) {
		ret = -errno;
	} else if (n >= 1024 && vx_get32(buf) == VX_META_MAGIC &&
		   vx_get16(buf + 4) == VX_BT_SUPER) {
		ret = vx_super_decode(buf, (size_t)n, 0, sb) ? 2 : 1;
	}
	free(buf);
	return ret;
}

static int probe_sigs(const char *path, struct probe_result *res)
{
	blkid_probe pr;
	struct vx_super sb;
	int fd, ret, n = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	pr = blkid_new_probe();
	if (!pr || blkid_probe_set_device(pr, fd, 0, 0) < 0) {
		ret = pr ? -EIO : -ENOMEM;
		goto out_close;
	}
	setup_chains(pr, false);
	while (n < PROBE_MAX_SIGS - 1 && blkid_do_probe(pr) == 0)
		sig_from_probe(pr, &res->sigs[n++]);
	ret = find_vexfs(fd, &sb);
	if (ret > 0) {
		struct probe_sig *s = &res->sigs[n++];

		memset(s, 0, sizeof(*s));
		copy_str(s->type, sizeof(s->type), "vexfs");
		copy_str(s->what, sizeof(s->what),
			 ret == 1 ? "file system" : "file system (damaged)");
		if (ret == 1)
			copy_str(s->label, sizeof(s->label), sb.label);
		ret = 0;
	}
	res->nsigs = n;
out_close:
	if (pr)
		blkid_free_probe(pr);
	close(fd);
	return ret;
}

void probe_describe(const struct probe_sig *sig, char *buf, size_t len)
{
	/* "a swap area", not "a swap swap area" */
	const char *type = strcmp(sig->type, "swap") ? sig->type : NULL;

	snprintf(buf, len, "a %s%s%s%s%s%s", type ? type : "", type ? " " : "",
		 sig->what, sig->label[0] ? " labelled '" : "", sig->label,
		 sig->label[0] ? "'" : "");
}

/* ---- in-use checks */

/* read a small sysfs/proc file, strip the newline; 0 or -errno */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* mountinfo escapes blanks as \040 */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && isdigit((unsigned char)s[1]) &&
		    isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3])) {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* is device @dev mounted?  fills @mp with the first mount point */
static bool dev_mounted(dev_t dev, char *mp, size_t mplen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], point[4096];
	unsigned maj, min;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %u:%u %*s %4095s", &maj, &min,
			   point) != 3)
			continue;
		if (makedev(maj, min) == dev) {
			unescape(point);
			copy_str(mp, mplen, point);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* first entry of a directory other than . and .., or false */
static bool dir_first(const char *path, char *name, size_t len)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			copy_str(name, len, de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* a block device itself, its partitions: mounted or held? */
static void check_blockdev(dev_t dev, struct probe_result *res)
{
	char sys[128], path[400], line[64], name[256];
	unsigned maj, min;
	DIR *d;
	struct dirent *de;

	if (dev_mounted(dev, res->mountpoint, sizeof(res->mountpoint))) {
		res->mounted = true;
		return;
	}
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(dev),
		 minor(dev));
	snprintf(path, sizeof(path), "%s/holders", sys);
	if (dir_first(path, name, sizeof(name))) {
		res->busy = true;
		copy_str(res->busy_by, sizeof(res->busy_by), name);
	}
	d = opendir(sys);
	if (!d)
		return;
	while ((de = readdir(d)) && !res->mounted) {
		snprintf(path, sizeof(path), "%s/%s/partition", sys, de->d_name);
		if (access(path, F_OK))
			continue;
		snprintf(path, sizeof(path), "%s/%s/dev", sys, de->d_name);
		if (read_line(path, line, sizeof(line)) ||
		    sscanf(line, "%u:%u", &maj, &min) != 2)
			continue;
		if (dev_mounted(makedev(maj, min), res->mountpoint,
				sizeof(res->mountpoint)))
			res->mounted = true;
		snprintf(path, sizeof(path), "%s/%s/holders", sys, de->d_name);
		if (!res->busy && dir_first(path, name, sizeof(name))) {
			res->busy = true;
			copy_str(res->busy_by, sizeof(res->busy_by), name);
		}
	}
	closedir(d);
}

/* does @st appear in /proc/swaps? */
static bool is_swap(const struct stat *st)
{
	FILE *f = fopen("/proc/swaps", "re");
	char line[4096], path[4096];
	struct stat s;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%4095s", path) != 1 || path[0] != '/')
			continue;
		unescape(path);
		if (stat(path, &s))
			continue;
		if (S_ISBLK(st->st_mode))
			found = S_ISBLK(s.st_mode) && s.st_rdev == st->st_rdev;
		else
			found = s.st_dev == st->st_dev && s.st_ino == st->st_ino;
	}
	fclose(f);
	return found;
}

/* a regular file backing a loop device: that device is then checked */
static void check_loops(const struct stat *st, struct probe_result *res)
{
	char path[300], file[4096], line[64];
	unsigned maj, min;
	struct stat s;
	struct dirent *de;
	DIR *d = opendir("/sys/block");
	char *del;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "loop", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file",
			 de->d_name);
		if (read_line(path, file, sizeof(file)) || !file[0])
			continue;
		del = strstr(file, " (deleted)");
		if (del)
			*del = '\0';
		if (stat(file, &s) || s.st_dev != st->st_dev ||
		    s.st_ino != st->st_ino)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/dev", de->d_name);
		if (read_line(path, line, sizeof(line)) ||
		    sscanf(line, "%u:%u", &maj, &min) != 2)
			continue;
		res->busy = true;
		res->busy_loop = true;
		snprintf(res->busy_by, sizeof(res->busy_by), "/dev/%s",
			 de->d_name);
		check_blockdev(makedev(maj, min), res);
		if (res->mounted)
			break;
	}
	closedir(d);
	/* held by dm/md on top of the loop: not just "attached" */
	if (res->busy && res->busy_by[0] != '/')
		res->busy_loop = false;
}

int probe_device(const char *path, const struct stat *st,
		 struct probe_result *res)
{
	memset(res, 0, sizeof(*res));
	if (S_ISBLK(st->st_mode))
		check_blockdev(st->st_rdev, res);
	else if (S_ISREG(st->st_mode))
		check_loops(st, res);
	if (!res->mounted && is_swap(st)) {
		res->busy = true;
		res->busy_loop = false;
		copy_str(res->busy_by, sizeof(res->busy_by), "swap");
	}
	return probe_sigs(path, res);
}

/* ---- wiping */

static int wipe_old_vexfs(int fd, uint64_t dev_bytes, bool verbose,
			  FILE *out, const char *path)
{
	struct vx_super sb;
	vx_blk_t blk[3];
	unsigned char *zero;
	size_t bsize;
	int n, i, ret = find_vexfs(fd, &sb);

	if (ret <= 0)
		return ret;
	if (ret == 2) {	/* damaged: the geometry is unknown */
		bsize = VX_PROBE_BYTES;
		n = 1;
		blk[0] = 0;
	} else {
		bsize = (size_t)1 << sb.block_log;
		blk[0] = 0;
		n = 1 + vx_fs_backup_blocks(&sb, &blk[1]);
	}
	zero = calloc(1, bsize);
	if (!zero)
		return -ENOMEM;
	for (i = 0, ret = 0; i < n && !ret; i++) {
		uint64_t off = blk[i] * bsize;
		size_t len = bsize;

		if (off >= dev_bytes)
			continue;
		if (dev_bytes - off < len)
			len = (size_t)(dev_bytes - off);
		if (pwrite(fd, zero, len, (off_t)off) != (ssize_t)len)
			ret = errno ? -errno : -EIO;
		else if (verbose)
			fprintf(out, "%s: wiped the vexfs superblock at offset 0x%llx\n",
				path, (unsigned long long)off);
	}
	free(zero);
	return ret ? ret : 1;	/* 1: something was wiped */
}

int wipe_signatures(const char *path, bool verbose, bool to_stderr)
{
	FILE *out = to_stderr ? stderr : stdout;
	struct probe_sig sig;
	blkid_probe pr;
	off_t end;
	int fd, ret = 0, i;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	end = lseek(fd, 0, SEEK_END);
	pr = blkid_new_probe();
	if (!pr || blkid_probe_set_device(pr, fd, 0, 0) < 0) {
		ret = pr ? -EIO : -ENOMEM;
		goto out;
	}
	setup_chains(pr, true);
	for (i = 0; i < MAX_WIPES && blkid_do_probe(pr) == 0; i++) {
		sig_from_probe(pr, &sig);
		errno = 0;
		if (blkid_do_wipe(pr, 0) < 0) {
			ret = errno ? -errno : -EIO;
			goto out;
		}
		if (verbose)
			fprintf(out, "%s: wiped the %s %s signature at offset 0x%llx\n",
				path, sig.type, sig.what,
				(unsigned long long)sig.offset);
	}
	ret = wipe_old_vexfs(fd, end > 0 ? (uint64_t)end : 0, verbose, out,
			     path);
	/* make the wipes durable before the new filesystem goes down, so a
	 * format that fails half way never leaves a damaged old filesystem
	 * that still looks whole; nothing wiped, nothing to wait for */
	if (ret >= 0 && (ret > 0 || i > 0) && fsync(fd))
		ret = -errno;
	if (ret > 0)
		ret = 0;
out:
	if (pr)
		blkid_free_probe(pr);
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}
