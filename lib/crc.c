/*
 * crc.c: standard crc32c (Castagnoli) on top of ISA-L.
 *
 * Design: ISA-L's crc32_iscsi() runs the raw CRC register: no inversion
 * of the seed on entry, none of the result on exit.  The standard crc32c
 * (RFC 3720, "123456789" -> 0xE3069283) inverts both, so vx_crc32c()
 * feeds ~crc in and returns ~result.  With that, a finished crc is also a
 * valid seed: chaining calls over consecutive pieces gives the crc of the
 * whole.  crc32_iscsi() takes an int length, so long buffers go through in
 * pieces of at most 1 GiB (the register carries over between them).
 */
#include <isa-l/crc.h>
#include <vexfs/crc.h>

#define CRC_CHUNK ((size_t)1 << 30)

uint32_t vx_crc32c(uint32_t crc, const void *buf, size_t len)
{
	/* crc32_iscsi() does not write through its pointer; it lacks const */
	unsigned char *p = (unsigned char *)buf;
	uint32_t reg = ~crc;

	while (len) {
		size_t n = len < CRC_CHUNK ? len : CRC_CHUNK;

		reg = crc32_iscsi(p, (int)n, reg);
		p += n;
		len -= n;
	}
	return ~reg;
}
