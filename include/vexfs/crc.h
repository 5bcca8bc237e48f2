/*
 * crc.h: crc32c (Castagnoli), through ISA-L's crc32_iscsi.
 */
#ifndef VEXFS_CRC_H
#define VEXFS_CRC_H

#include <stddef.h>
#include <stdint.h>

/*
 * vx_crc32c - standard crc32c of @len bytes at @buf, continuing from @crc.
 * Start with crc = 0; vx_crc32c(0, "123456789", 9) == 0xE3069283.
 * Chaining holds: vx_crc32c(vx_crc32c(0, a, n), b, m) equals the crc of a
 * followed by b.
 */
uint32_t vx_crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* VEXFS_CRC_H */
