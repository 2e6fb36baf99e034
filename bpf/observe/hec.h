/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Splunk HTTP Event Collector sender. Events (JSON lines) are wrapped as
 * {"time":..,"host":..,"source":"bpflab","sourcetype":"_json","event":{..}}
 * and POSTed in batches to URL/services/collector/event with
 * "Authorization: Splunk TOKEN"; a batch counts as delivered only when the
 * collector answers 200 with {"code":0}. A batch that is not delivered goes
 * to an on-disk spool (bounded; the oldest batch is dropped, and counted,
 * when full) and is retried with exponential backoff, oldest first, so
 * nothing is lost while the collector is down.
 *
 * Plain http:// only. Tested against a local HEC-protocol receiver
 * (tests/integration/hec_receiver.py), not against a real Splunk.
 */
#ifndef BPFLAB_OBSERVE_HEC_H
#define BPFLAB_OBSERVE_HEC_H

#include <stddef.h>
#include <stdint.h>

struct hec;

struct hec_opts {
	const char *url; /* http://HOST:PORT[/prefix] */
	const char *token;
	const char *spool_dir;
	size_t spool_max_bytes; /* default 64 MiB */
	int batch_events; /* default 100 */
	uint64_t batch_delay_ns; /* flush a partial batch after this (1 s) */
};

struct hec_stats {
	uint64_t sent_events; /* acknowledged with code 0 */
	uint64_t failed_posts; /* POSTs that were not delivered */
	uint64_t spooled_batches; /* batches written to the spool */
	uint64_t dropped_batches; /* oldest batches dropped: spool full */
	uint64_t pending_batches; /* in the spool now */
};

int hec__open(struct hec **out, const struct hec_opts *o);
/* Queue one event line; sends when the batch is full. */
int hec__add(struct hec *h, const char *json_line);
/* Time-driven work: flush a late batch, retry the spool when backoff allows. */
void hec__tick(struct hec *h);
/* Last attempt to send; whatever fails stays in the spool. */
void hec__close(struct hec *h);
void hec__stats(const struct hec *h, struct hec_stats *out);

#endif
