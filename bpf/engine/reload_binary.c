// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF objects inside a bpflab binary: each skeleton embeds its object's
 * ELF bytes as one array, so a binary on disk (a newer build of bpflab)
 * carries every module's programs. This finds them by their ELF header.
 */
#include <elf.h>
#include <string.h>

#include "engine/reload_priv.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

bool reload_next_bpf_elf(const void *buf, size_t sz, size_t *off,
			 const void **elf, size_t *elf_sz)
{
	static const unsigned char magic[] = { ELFMAG0, ELFMAG1, ELFMAG2,
					       ELFMAG3, ELFCLASS64 };
	const unsigned char *p = buf;

	while (*off + sizeof(Elf64_Ehdr) <= sz) {
		const unsigned char *hit =
			memmem(p + *off, sz - *off, magic, sizeof(magic));
		Elf64_Ehdr eh;
		size_t at, len;

		if (!hit)
			break;
		at = (size_t)(hit - p);
		*off = at + 1;
		if (at + sizeof(eh) > sz)
			break;
		memcpy(&eh, hit, sizeof(eh)); /* unaligned in .rodata */
		if (eh.e_machine != EM_BPF || eh.e_type != ET_REL ||
		    eh.e_shentsize != sizeof(Elf64_Shdr) || !eh.e_shnum)
			continue;
		/* clang writes the section header table last */
		len = eh.e_shoff + (size_t)eh.e_shnum * eh.e_shentsize;
		if (eh.e_shoff < sizeof(eh) || len > sz - at)
			continue;
		*elf = hit;
		*elf_sz = len;
		*off = at + len;
		return true;
	}
	return false;
}
