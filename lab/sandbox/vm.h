/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "vm" sandbox: a transient libvirt QEMU (TCG) domain booting Debian's
 * kernel directly with an initramfs bpflab builds (busybox base rootfs,
 * virtio modules, the static guest agent). The agent enforces with BPF-LSM
 * inside the guest and speaks the wire protocol (vm_wire.h) over a
 * virtio-serial channel; a relay process on the host holds that channel,
 * gives each host client its own channel number and pushes the guest's
 * events into the engine (op "vm.event"), where they join the one stream
 * with sandbox.kind "vm".
 *
 *   /var/lib/bpflab/vm/kernel-<version>/   the unpacked kernel package (cache)
 *   <run dir>/vm/libvirtd/                 a libvirtd bpflab started (if any)
 *   <run dir>/vm/<name>/                   initramfs, sockets, console.log
 */
#ifndef BPFLAB_VM_H
#define BPFLAB_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lab/sandbox/sandbox.h"

#define VM_CACHE_DIR "/var/lib/bpflab/vm"
#define VM_BOOT_TIMEOUT_S 60
#define VM_DOMAIN_PREFIX "bpflab-"

extern const struct sandbox_ops sandbox_vm_ops;

/* <run dir>/vm/<name>/<file> */
char *vm_path(char *buf, size_t size, const char *name, const char *file);

/* vm_image.c: the kernel (fetched once) and a per-sandbox initramfs */
struct vm_kernel {
	char version[64]; /* "6.1.0-56-amd64" */
	char vmlinuz[512];
	char modules[512]; /* .../lib/modules/<version> */
};
int vm_kernel_ensure(struct vm_kernel *k, char *why, size_t whylen);
int vm_initramfs_build(const struct vm_kernel *k, const char *agent,
		       const char *out, char *why, size_t whylen);
/* The static agent: beside the bpflab binary, else $BPFLAB_AGENT. */
int vm_agent_path(char *buf, size_t size);

/*
 * Boot without waiting: create returns once the domain runs, and the first
 * request waits for the agent (a scenario's boxes boot side by side).
 */
void vm_boot_async(bool on);
/*
 * Called about every 50 ms while a request waits for a booting guest: the
 * scenario runner keeps reading the engine's events meanwhile, so they do
 * not pile up and get dropped.
 */
void vm_set_wait_hook(void (*fn)(void *ctx), void *ctx);
/* 0 once the agent said hello; a clear error if the guest died or is late. */
int vm_wait_ready(const struct sandbox *sb);

/* vm_libvirtd.c: a libvirt connection, starting a private libvirtd if needed */
struct _virConnect;
int vm_libvirt_connect(struct _virConnect **conn, char *why, size_t whylen);
/* Stop the libvirtd bpflab started once no vm sandbox is left. */
void vm_libvirtd_release_if_idle(const char *except);

/* vm_relay.c: the host end of the channel (a daemon, pid in init_pid) */
int vm_relay_start(const char *name, pid_t *pid);

/* vm_client.c: talk to a running vm sandbox through its relay */
int vm_spawn(const struct sandbox *sb, char *const argv[],
	     const struct sandbox_io *io, pid_t *pid, pid_t *inner_pid);
/* path inside the guest as a read-only memfd (its bytes at this moment) */
int vm_open_path(const struct sandbox *sb, const char *path);
/* Protect paths in the guest (mode "enforce" or "monitor"); -errno. */
int vm_policy_push(const struct sandbox *sb, const char *policy,
		   const char *mode, char *const paths[], int npaths);
int vm_policy_drop(const struct sandbox *sb, const char *policy);
/* vm_net.c: the guest's tap, "bl-vt-<hash of run dir and name>" */
char *vm_tap_name(char *buf, size_t size, const char *name);
/* Move the tap into ns with host_cidr; give the guest's eth0 guest_cidr. */
int vm_net_attach(const struct sandbox *sb, const char *ns,
		  const char *host_cidr, const char *guest_cidr);
/* With `lab up` running: the tap on the lab's bridge, a lab address. */
int vm_net_join_lab(struct sandbox *sb);

/* vm_policy.c: what a TracingPolicy file protects, pushed to the guest */
int vm_policy_apply_file(const struct sandbox *sb, const char *file);
struct policy;
/* Push p to the guest and record it; the rule count or -errno. */
int vm_policy_apply(const struct sandbox *sb, const struct policy *p);
/* Drop a recorded policy from the guest; -ENOENT if it holds none. */
int vm_policy_remove(const struct sandbox *sb, const char *policy);
/* vm_policy_req.c: vm.policy.apply/delete/list for the engine's vm module */
struct engine;
int vm_policy_requests_add(struct engine *e);
/* vm_policy_cli.c: for `bpflab policy delete/list` (0 or -ENOENT) */
int vm_policy_cli_delete(const char *name);
struct json_object;
/* The guests' policies as a JSON array (caller puts it), or NULL. */
struct json_object *vm_policy_cli_list(void);
/* One request and its one reply line (malloc'd) over the relay. */
int vm_call(const char *name, const char *request, char **reply,
	    int timeout_ms);

#endif
