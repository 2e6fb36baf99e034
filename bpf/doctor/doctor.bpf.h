/* SPDX-License-Identifier: GPL-2.0 */
/* Constants doctor.bpf.c and its loader (probe_progs.c) share. */
#ifndef BPFLAB_DOCTOR_BPF_H
#define BPFLAB_DOCTOR_BPF_H

/* TC_ACT_OK lives in a uapi macro header that vmlinux.h does not carry. */
#define DR_TC_ACT_OK 0
/* What bl_dr_ringbuf writes; user space checks it read the same value back. */
#define DR_RINGBUF_MAGIC 0x626c2d646f63746fULL /* "bl-docto" */

#endif
