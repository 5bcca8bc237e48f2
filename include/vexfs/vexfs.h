/*
 * vexfs.h: the libvexfs public API.  Tools include only this.
 */
#ifndef VEXFS_VEXFS_H
#define VEXFS_VEXFS_H

#include "error.h"
#include "crc.h"
#include "io.h"
#include "format.h"
#include "fs.h"
#include "ops.h"
#include "journal.h"
#include "txn.h"
#include "check.h"
#include "undo.h"

#define VEXFS_VERSION "0.1.0"

/* vx_version - the library's version string (VEXFS_VERSION at build). */
const char *vx_version(void);

#endif /* VEXFS_VEXFS_H */
