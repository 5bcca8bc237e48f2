# vexfs-progs: plain Makefile.  `make` builds libvexfs (static and shared)
# and the tools; `make check` runs every test; `make demo` formats and
# populates a default image.  Sources are found by wildcard: a new lib/*.c,
# tool/*.c, tests/unit/test_*.c or tests/helpers/*.c needs no edit here.

VERSION   := 0.1.0
SOVERSION := 0
PREFIX    ?= /usr/local
DESTDIR   ?=
SBINDIR   ?= $(PREFIX)/sbin
LIBDIR    ?= $(PREFIX)/lib
INCDIR    ?= $(PREFIX)/include
MANDIR    ?= $(PREFIX)/share/man
PCDIR     ?= $(LIBDIR)/pkgconfig

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wmissing-prototypes
override CFLAGS += -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Ilib $(WARN) -pthread
LIB_LIBS  := -lisal -lurcu-cds -lurcu-bp -lurcu-common -luuid -pthread
TOOL_LIBS := -lpopt -lblkid -luuid -ljson-c

LIB_SRC   := $(sort $(wildcard lib/*.c))
LIB_PIC   := $(LIB_SRC:.c=.pic.o)
LIB_OBJ   := $(LIB_SRC:.c=.o)
STATIC    := lib/libvexfs.a
SHARED    := lib/libvexfs.so.$(VERSION)
TOOLS     := mkfs/mkfs.vexfs fsck/fsck.vexfs debugfs/debugfs.vexfs
MKFS_SRC  := $(sort $(wildcard mkfs/*.c))
FSCK_SRC  := $(sort $(wildcard fsck/*.c))
DBG_SRC   := $(sort $(wildcard debugfs/*.c))
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:.c=)
HELP_SRC  := $(sort $(wildcard tests/helpers/*.c))
HELP_BIN  := $(HELP_SRC:.c=)
HDRS      := $(wildcard include/vexfs/*.h lib/*.h)

.PHONY: all deps check demo install uninstall clean unit cli bench asan fuzz
all: $(STATIC) $(SHARED) $(TOOLS) vexfs.pc

deps:
	@bash scripts/install-deps.sh

lib/%.o: lib/%.c $(HDRS)
	$(CC) $(CFLAGS) -c -o $@ $<
lib/%.pic.o: lib/%.c $(HDRS)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(STATIC): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(SHARED): $(LIB_PIC)
	$(CC) -shared -Wl,-soname,libvexfs.so.$(SOVERSION) -o $@ $^ $(LIB_LIBS)
	ln -sf libvexfs.so.$(VERSION) lib/libvexfs.so.$(SOVERSION)
	ln -sf libvexfs.so.$(SOVERSION) lib/libvexfs.so

mkfs/mkfs.vexfs: $(MKFS_SRC) $(STATIC) $(HDRS) $(wildcard mkfs/*.h)
	$(CC) $(CFLAGS) -Imkfs -o $@ $(MKFS_SRC) $(STATIC) $(TOOL_LIBS) $(LIB_LIBS)

fsck/fsck.vexfs: $(FSCK_SRC) $(STATIC) $(HDRS) $(wildcard fsck/*.h)
	$(CC) $(CFLAGS) -Ifsck -o $@ $(FSCK_SRC) $(STATIC) $(TOOL_LIBS) $(LIB_LIBS)

debugfs/debugfs.vexfs: $(DBG_SRC) $(STATIC) $(HDRS) $(wildcard debugfs/*.h)
	$(CC) $(CFLAGS) -Idebugfs -o $@ $(DBG_SRC) $(STATIC) $(TOOL_LIBS) -ledit $(LIB_LIBS)

tests/unit/test_%: tests/unit/test_%.c $(STATIC) $(HDRS) $(wildcard tests/unit/*.h)
	$(CC) $(CFLAGS) -o $@ $< $(STATIC) -lcmocka $(LIB_LIBS)
bench/%: bench/%.c $(STATIC) $(HDRS)
	$(CC) $(CFLAGS) -o $@ $< $(STATIC) $(LIB_LIBS)
tests/helpers/%: tests/helpers/%.c $(STATIC) $(HDRS)
	$(CC) $(CFLAGS) -o $@ $< $(STATIC) $(TOOL_LIBS) $(LIB_LIBS)

vexfs.pc: vexfs.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

unit: $(UNIT_BIN)
# deps first, then the build: with -j the two must not overlap
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(HELP_BIN)
	@bash scripts/run-tests.sh

asan: deps
	@bash scripts/sanitize.sh

fuzz: deps
	@bash scripts/fuzz.sh

demo: deps
	@$(MAKE) --no-print-directory all tests/helpers/vxtree
	@bash scripts/demo.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/vexfs \
	    $(DESTDIR)$(PCDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(TOOLS) $(DESTDIR)$(SBINDIR)/
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf libvexfs.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libvexfs.so.$(SOVERSION)
	ln -sf libvexfs.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libvexfs.so
	install -m 644 include/vexfs/*.h $(DESTDIR)$(INCDIR)/vexfs/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    vexfs.pc.in > $(DESTDIR)$(PCDIR)/vexfs.pc
	chmod 644 $(DESTDIR)$(PCDIR)/vexfs.pc
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(notdir $(TOOLS))) $(DESTDIR)$(LIBDIR)/libvexfs.* \
	    $(DESTDIR)$(PCDIR)/vexfs.pc $(DESTDIR)$(MANDIR)/man5/vexfs.5 \
	    $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard man/*.8)))
	rm -rf $(DESTDIR)$(INCDIR)/vexfs

clean:
	rm -f lib/*.o lib/*.a lib/*.so* $(TOOLS) $(UNIT_BIN) $(HELP_BIN) vexfs.pc bench/dirscale bench/txnbench
	rm -rf tests/fuzz/bin build-asan
