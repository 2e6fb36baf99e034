// SPDX-License-Identifier: GPL-2.0
/*
 * A flow storm for the console's load tests: UDP datagrams at a paced rate,
 * each to a new (address, port) in 198.19.0.0/16, so every one is a new
 * flow and observe's tc program emits one flow record for it.
 *
 *   flow_storm RATE SECONDS      (run inside the sending namespace)
 *
 * Prints the datagrams sent and the rate reached.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A number > 0, or -1 for anything else ("", "10x", "-3"). */
static double positive(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	return end != s && !*end && v > 0 ? v : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to[BATCH];
	struct mmsghdr msg[BATCH];
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	double rate, secs, t0, t;
	unsigned long long sent = 0, seq = 0;
	int fd;

	if (argc != 3 || (rate = positive(argv[1])) <= 0 ||
	    (secs = positive(argv[2])) <= 0) {
		fprintf(stderr, "usage: flow_storm RATE SECONDS\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(msg, 0, sizeof(msg));
	t0 = now_s();
	while ((t = now_s()) - t0 < secs) {
		/* ahead of the pace: wait for the next batch's time */
		if ((double)sent > (t - t0) * rate) {
			usleep(200);
			continue;
		}
		for (int i = 0; i < BATCH; i++, seq++) {
			to[i] = (struct sockaddr_in){
				.sin_family = AF_INET,
				.sin_port = htons(
					(uint16_t)(1024 + (seq >> 16) % 60000)),
				.sin_addr.s_addr =
					htonl(0xc6130000u | (seq & 0xffff)),
			};
			msg[i].msg_hdr.msg_name = &to[i];
			msg[i].msg_hdr.msg_namelen = sizeof(to[i]);
			msg[i].msg_hdr.msg_iov = &iov;
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		int n = sendmmsg(fd, msg, BATCH, 0);

		if (n > 0)
			sent += (unsigned long long)n;
	}
	printf("sent %llu datagrams in %.1f s: %.0f/s\n", sent, now_s() - t0,
	       (double)sent / (now_s() - t0));
	close(fd);
	return 0;
}
