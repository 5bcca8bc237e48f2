/*
 * vxundo.c: test helper for undo files (include/vexfs/undo.h), until
 * vexfs-replay applies them (tests/cli/0300-undo-helper.bats).
 *
 *   vxundo info UNDOFILE
 *	validate UNDOFILE and print it as key=value lines: version,
 *	block_size, device_size, device_size_after, blocks, complete (1/0),
 *	valid_bytes, file_bytes, torn_bytes, fs_uuid ("none" when block 0
 *	held no VexFS superblock), created, closed.
 *
 *   vxundo apply [--force] [--dry-run] DEVICE UNDOFILE
 *	vx_undo_apply; prints "state=S written=N blocks=N", S one of
 *	unknown, after, partial, before, other.
 *
 *   vxundo write [--bsize N] [--overwrite] [--abort] DEVICE UNDOFILE
 *	       OFFSET HEXBYTES [OFFSET HEXBYTES...]
 *	open DEVICE, put the undo layer over it (undo blocks of N bytes;
 *	default: the filesystem's block size, 4096 without one) and write each HEXBYTES ("deadbeef") at its OFFSET
 *	(decimal or 0x hex; past the end extends an image file), then
 *	close.  --abort exits after the writes without closing anything,
 *	as a tool that crashed: the undo file stays incomplete.
 *
 * Errors go to stderr as "vxundo: WHAT: MESSAGE (NAME)".  Exit 0 on
 * success, 1 when the library refused or failed, 2 on bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vexfs/vexfs.h>

static const char usage_text[] =
	"usage: vxundo info UNDOFILE\n"
	"       vxundo apply [--force] [--dry-run] DEVICE UNDOFILE\n"
	"       vxundo write [--bsize N] [--overwrite] [--abort] DEVICE "
	"UNDOFILE OFFSET HEXBYTES...\n";

static int usage(const char *why, const char *what)
{
	fprintf(stderr, "vxundo: %s%s\n%s", why, what, usage_text);
	return 2;
}

static int fail(const char *what, const char *obj, int err)
{
	fprintf(stderr, "vxundo: %s %s: %s (%s)\n", what, obj,
		vx_strerror(err), vx_errname(err));
	return 1;
}

static const char *state_name(int s)
{
	static const char *names[] = { "unknown", "after", "partial",
				       "before", "other" };

	return s >= 0 && s <= 4 ? names[s] : "?";
}

static void print_uuid(const uint8_t *u)
{
	for (int i = 0; i < 16; i++)
		printf("%02x%s", u[i],
		       i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
	printf("\n");
}

static int cmd_info(int argc, char **argv)
{
	struct vx_undo_info in;
	int err;

	if (argc != 1)
		return usage("info takes one UNDOFILE", "");
	if ((err = vx_undo_read_info(argv[0], &in)))
		return fail("read", argv[0], err);
	printf("version=%" PRIu32 "\nblock_size=%" PRIu32 "\n"
	       "device_size=%" PRIu64 "\ndevice_size_after=%" PRIu64 "\n"
	       "blocks=%" PRIu64 "\ncomplete=%d\nvalid_bytes=%" PRIu64 "\n"
	       "file_bytes=%" PRIu64 "\ntorn_bytes=%" PRIu64 "\nfs_uuid=",
	       in.version, in.bsize, in.dev_size, in.dev_size_after,
	       in.blocks, in.complete, in.valid_bytes, in.file_bytes,
	       in.file_bytes - in.valid_bytes);
	if (in.has_uuid)
		print_uuid(in.fs_uuid);
	else
		printf("none\n");
	printf("created=%" PRId64 "\nclosed=%" PRId64 "\n", in.created,
	       in.closed);
	return 0;
}

static int cmd_apply(int argc, char **argv)
{
	struct vx_undo_info in;
	unsigned flags = 0;
	struct vx_io *dev;
	int i, err;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--force"))
			flags |= VX_UNDO_FORCE;
		else if (!strcmp(argv[i], "--dry-run"))
			flags |= VX_UNDO_DRY_RUN;
		else
			return usage("unknown option ", argv[i]);
	}
	if (argc - i != 2)
		return usage("apply takes DEVICE UNDOFILE", "");
	err = vx_io_unix_open(argv[i], flags & VX_UNDO_DRY_RUN ?
			      VX_IO_OPEN_RDONLY : 0, &dev);
	if (err)
		return fail("open", argv[i], err);
	err = vx_undo_apply(dev, argv[i + 1], flags, &in);
	if (!err)
		printf("state=%s written=%" PRIu64 " blocks=%" PRIu64 "\n",
		       state_name(in.dev_state), in.written, in.blocks);
	else if (err == VX_EUNDO_MISMATCH)
		fprintf(stderr, "vxundo: state=%s\n", state_name(in.dev_state));
	if (vx_io_close(dev) && !err)
		err = -EIO;
	return err ? fail("apply", argv[i + 1], err) : 0;
}

/* "deadbeef" -> bytes; NULL on a bad string */
static uint8_t *unhex(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *b;

	if (!n || n % 2 || strspn(s, "0123456789abcdefABCDEF") != n)
		return NULL;
	if (!(b = malloc(n / 2)))
		return NULL;
	for (size_t i = 0; i < n / 2; i++)
		sscanf(s + 2 * i, "%2hhx", &b[i]);
	*len = n / 2;
	return b;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return *s && *s != '-' && !*end && !errno;
}

/* write the OFFSET HEXBYTES pairs of @argv through @u (NULL: only
 * check them); 0, 1 (failed, said) or 2 (bad usage, said) */
static int write_pairs(struct vx_io *u, int argc, char **argv)
{
	for (int i = 0; i < argc; i += 2) {
		uint64_t off;
		uint8_t *b;
		size_t len;
		int err;

		if (!parse_u64(argv[i], &off))
			return usage("bad OFFSET ", argv[i]);
		if (!(b = unhex(argv[i + 1], &len)))
			return usage("bad HEXBYTES ", argv[i + 1]);
		err = u ? vx_io_write(u, off, b, len) : 0;
		free(b);
		if (err)
			return fail("write at", argv[i], err);
	}
	return 0;
}

static int cmd_write(int argc, char **argv)
{
	bool abort_after = false;
	unsigned flags = 0;
	uint64_t bsize = 0;	/* the filesystem's */
	struct vx_io *dev, *u;
	int i, err, e;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--overwrite"))
			flags |= VX_UNDO_OVERWRITE;
		else if (!strcmp(argv[i], "--abort"))
			abort_after = true;
		else if (!strcmp(argv[i], "--bsize") && i + 1 < argc) {
			if (!parse_u64(argv[++i], &bsize) || bsize > UINT32_MAX)
				return usage("bad block size ", argv[i]);
		} else
			return usage("unknown option ", argv[i]);
	}
	if (argc - i < 4 || (argc - i) % 2)
		return usage("write takes DEVICE UNDOFILE and OFFSET HEXBYTES "
			     "pairs", "");
	if ((err = write_pairs(NULL, argc - i - 2, argv + i + 2)))
		return err;
	if ((err = vx_io_unix_open(argv[i], 0, &dev)))
		return fail("open", argv[i], err);
	err = vx_io_undo_open(dev, argv[i + 1], (uint32_t)bsize,
			      flags | VX_UNDO_OWN_LOWER, &u);
	if (err) {
		vx_io_close(dev);
		return fail("create", argv[i + 1], err);
	}
	err = write_pairs(u, argc - i - 2, argv + i + 2);
	if (abort_after) {
		fflush(NULL);
		_exit(err);	/* as a crash: no close, no footer */
	}
	if ((e = vx_io_close(u)) && !err)
		err = fail("close", argv[i + 1], e);
	return err;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc < 2)
		return usage("no command given", "");
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 2, argv + 2);
	if (!strcmp(argv[1], "apply"))
		return cmd_apply(argc - 2, argv + 2);
	if (!strcmp(argv[1], "write"))
		return cmd_write(argc - 2, argv + 2);
	return usage("unknown command ", argv[1]);
}
