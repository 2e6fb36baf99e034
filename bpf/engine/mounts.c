// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "engine/journal.h"
#include "engine/mounts.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

bool bl_is_mounted(const char *fstype, const char *target)
{
	struct mntent *m;
	bool found = false;
	FILE *f = setmntent("/proc/self/mounts", "re");

	if (!f)
		return false;
	while (!found && (m = getmntent(f)))
		found = !strcmp(m->mnt_dir, target) &&
			!strcmp(m->mnt_type, fstype);
	endmntent(f);
	return found;
}

int bl_mount_ensure(const char *fstype, const char *target)
{
	int seq;

	if (bl_is_mounted(fstype, target))
		return 0;
	mkdir_p(target, 0755);
	/* journal first: a crash between the two leaves an entry, not a mount */
	seq = journal_record("mount", "%s", target);
	if (seq < 0)
		return seq;
	if (mount(fstype, target, fstype, 0, NULL)) {
		int err = -errno;

		journal_release(seq);
		pr_err("cannot mount %s at %s: %s", fstype, target,
		       strerror(-err));
		return err;
	}
	pr_debug("mounted %s at %s", fstype, target);
	return 0;
}

int bl_mount_defaults(void)
{
	int err = bl_mount_ensure("bpf", BL_BPFFS);

	if (!err)
		err = bl_mount_ensure("tracefs", BL_TRACEFS);
	return err;
}
