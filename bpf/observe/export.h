/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `bpflab observe export`: subscribe to the running engine's event stream
 * (flows and process events alike) and ship every event to a rotating
 * JSON-lines file and/or a Splunk HEC collector. It runs beside the engine,
 * so a slow or absent collector never stalls the engine's loop.
 */
#ifndef BPFLAB_OBSERVE_EXPORT_H
#define BPFLAB_OBSERVE_EXPORT_H

/* Part of `bpflab observe --help`. */
#define OBSERVE_EXPORT_USAGE                                                             \
	"Usage: bpflab observe export [--file PATH [--max-size BYTES] [--keep N]]\n"     \
	"                             [--splunk-hec URL --splunk-token TOKEN\n"          \
	"                              [--spool DIR] [--spool-max BYTES] [--batch N]]\n" \
	"                             [--duration D]\n"                                  \
	"\n"                                                                             \
	"Ship every event of the running engine (flows, process and policy\n"            \
	"events, as JSON lines) to a rotating file and/or a Splunk HTTP Event\n"         \
	"Collector. Needs a running engine.\n"                                           \
	"\n"                                                                             \
	"  --file PATH         append JSON lines to PATH; at --max-size (default\n"      \
	"                      16M) rotate to PATH.1 .. PATH.N (--keep, default 4)\n"    \
	"  --splunk-hec URL    http://HOST:PORT of the collector; events are POSTed\n"   \
	"                      to URL/services/collector/event in batches of --batch\n"  \
	"                      (default 100) or every second\n"                          \
	"  --splunk-token T    sent as \"Authorization: Splunk T\"\n"                    \
	"  --spool DIR         undelivered batches wait here (default: <run dir>/\n"     \
	"                      hec-spool) and are retried with backoff, oldest first;\n" \
	"                      past --spool-max (default 64M) the oldest are dropped\n"  \
	"                      and counted\n"                                            \
	"  --duration D        stop after D (default: until Ctrl-C)\n"                   \
	"\n"                                                                             \
	"A batch counts as delivered only on HTTP 200 with {\"code\":0}. Only\n"         \
	"http:// is supported. Tested against a local HEC-protocol receiver,\n"          \
	"not against a real Splunk. Counters are printed on exit.\n"
/* argv[0] is "export"; returns an exit code. */
int observe_export_run(int argc, char **argv);

#endif
