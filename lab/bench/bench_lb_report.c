// SPDX-License-Identifier: GPL-2.0
/* `bench lb` results: table, ratios, ASCII chart, JSON and CSV. */
#include <stdio.h>
#include <string.h>

#include "lab/bench/bench_lb.h"
#include "util/jw.h"
#include "util/util.h"

const char *blb_mode_name(enum blb_mode m)
{
	static const char *const names[BLB_NMODES] = {
		[BLB_NONE] = "none",
		[BLB_LEGACY] = "iptables-legacy",
		[BLB_IPT_NFT] = "iptables-nft",
		[BLB_NFTABLES] = "nftables",
		[BLB_EBPF] = "ebpf",
	};

	return m < BLB_NMODES ? names[m] : "?";
}

void blb_print_table(FILE *f, const struct blb_row *r, int n)
{
	fprintf(f, "%-16s %7s %-7s %10s %9s %9s %10s %10s %10s %9s %7s\n",
		"MODE", "N", "VIP", "CONN/S", "P50(us)", "P99(us)", "CPU/CONN",
		"RR/S", "LOAD(ms)", "ADD(ms)", "FAILED");
	for (int i = 0; i < n; i++)
		fprintf(f,
			"%-16s %7d %-7s %10.0f %9.1f %9.1f %8.1fus %10.0f %10.2f %9.3f %7llu\n",
			blb_mode_name(r[i].mode), r[i].services, r[i].target,
			r[i].cps, r[i].p50_us, r[i].p99_us,
			r[i].cpu_us_per_conn, r[i].rr_per_s, r[i].load_ms,
			r[i].add_ms, (unsigned long long)r[i].failed);
}

static const struct blb_row *find(const struct blb_row *r, int n,
				  enum blb_mode m, int services,
				  const char *target)
{
	for (int i = 0; i < n; i++)
		if (r[i].mode == m &&
		    (m == BLB_NONE || r[i].services == services) &&
		    (m == BLB_NONE || !strcmp(r[i].target, target)))
			return &r[i];
	return NULL;
}

/* eBPF ÷ every other mode, per N, at the last VIP (conn/s). */
void blb_print_ratios(FILE *f, const struct blb_row *r, int n)
{
	bool header = false;

	for (int i = 0; i < n; i++) {
		const struct blb_row *e = &r[i];

		if (e->mode != BLB_EBPF || strcmp(e->target, "last") != 0)
			continue;
		if (!header) {
			fprintf(f,
				"\nRatios at the last VIP (conn/s, eBPF / mode):\n");
			header = true;
		}
		fprintf(f, "  N=%-6d", e->services);
		for (int m = 0; m < BLB_EBPF; m++) {
			const struct blb_row *o =
				find(r, n, m, e->services, "last");

			if (o && o->cps > 0)
				fprintf(f, "  vs %s %.2fx", blb_mode_name(m),
					e->cps / o->cps);
		}
		fprintf(f, "\n");
	}
	for (int i = 0; i < n; i++) {
		const struct blb_row *e = &r[i],
				     *one = find(r, n, BLB_EBPF, 1, "last");

		if (e->mode == BLB_EBPF && !strcmp(e->target, "last") && one &&
		    e != one && one->cps > 0)
			fprintf(f, "  eBPF at N=%d is %.1f%% of its N=1 rate\n",
				e->services, 100 * e->cps / one->cps);
	}
}

/* One bar per (mode, N) at the last VIP, scaled to the best rate. */
void blb_print_chart(FILE *f, const struct blb_row *r, int n)
{
	const int width = 50;
	double best = 0;

	for (int i = 0; i < n; i++)
		if (r[i].cps > best)
			best = r[i].cps;
	if (best <= 0)
		return;
	fprintf(f, "\nNew connections per second at the last service's VIP:\n");
	for (int i = 0; i < n; i++) {
		char label[40];
		int len;

		if (!strcmp(r[i].target, "first"))
			continue;
		snprintf(label, sizeof(label), "%s N=%d",
			 blb_mode_name(r[i].mode), r[i].services);
		len = (int)(r[i].cps / best * width + 0.5);
		fprintf(f, "  %-24s |", label);
		for (int k = 0; k < len; k++)
			fputc('#', f);
		fprintf(f, "%*s %.0f\n", width - len, "", r[i].cps);
	}
}

int blb_write_json(FILE *f, const struct blb_row *r, int n, const char *command)
{
	char ts[64];
	struct jw w;

	format_rfc3339_ns(now_real_ns(), ts, sizeof(ts));
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "benchmark", "lb");
	jw_kstr(&w, "command", command);
	jw_kstr(&w, "time", ts);
	jw_kstr(&w, "node", node_name());
	jw_key(&w, "results");
	jw_arr_begin(&w);
	for (int i = 0; i < n; i++) {
		jw_obj_begin(&w);
		jw_kstr(&w, "mode", blb_mode_name(r[i].mode));
		jw_kint(&w, "services", r[i].services);
		jw_kstr(&w, "vip", r[i].target);
		jw_kint(&w, "reps", r[i].reps);
		jw_kdouble(&w, "conn_per_s", r[i].cps);
		jw_kdouble(&w, "conn_per_s_min", r[i].cps_min);
		jw_kdouble(&w, "conn_per_s_max", r[i].cps_max);
		jw_kdouble(&w, "p50_us", r[i].p50_us);
		jw_kdouble(&w, "p99_us", r[i].p99_us);
		jw_kdouble(&w, "cpu_us_per_conn", r[i].cpu_us_per_conn);
		jw_kdouble(&w, "rr_per_s", r[i].rr_per_s);
		jw_kdouble(&w, "load_ms", r[i].load_ms);
		jw_kdouble(&w, "add_one_ms", r[i].add_ms);
		jw_kuint(&w, "failed", r[i].failed);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	if (jw_str(&w))
		fprintf(f, "%s\n", jw_str(&w));
	jw_free(&w);
	return 0;
}

int blb_write_csv(FILE *f, const struct blb_row *r, int n)
{
	fprintf(f,
		"mode,services,vip,reps,conn_per_s,conn_per_s_min,conn_per_s_max,"
		"p50_us,p99_us,cpu_us_per_conn,rr_per_s,load_ms,add_one_ms,failed\n");
	for (int i = 0; i < n; i++)
		fprintf(f,
			"%s,%d,%s,%d,%.1f,%.1f,%.1f,%.2f,%.2f,%.2f,%.1f,%.3f,%.4f,%llu\n",
			blb_mode_name(r[i].mode), r[i].services, r[i].target,
			r[i].reps, r[i].cps, r[i].cps_min, r[i].cps_max,
			r[i].p50_us, r[i].p99_us, r[i].cpu_us_per_conn,
			r[i].rr_per_s, r[i].load_ms, r[i].add_ms,
			(unsigned long long)r[i].failed);
	return 0;
}
