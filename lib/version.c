/*
 * version.c: the library's version string.
 *
 * Design: VEXFS_VERSION from vexfs.h, fixed at build time, so a tool can
 * report the version of the library it actually runs with.
 */
#include <vexfs/vexfs.h>

const char *vx_version(void)
{
	return VEXFS_VERSION;
}
