// SPDX-License-Identifier: GPL-2.0
/* `lab up|down|status`: the default lab topology (see topology.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/journal.h"
#include "lab/net/net.h"
#include "lab/sandbox/sandbox.h"
#include "lab/topology/topology.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/num.h"
#include "util/paths.h"
#include "util/util.h"

#define NGINX_BIN "/usr/sbin/nginx"
#define MARIADBD_BIN "/usr/sbin/mariadbd"
#define MARIADB_INSTALL_BIN "/usr/bin/mariadb-install-db"
/* small InnoDB files: a lab database, ~20 MB in the run dir, ready in ~2 s */
#define MARIADB_SMALL \
	"--innodb-log-file-size=4M", "--innodb-buffer-pool-size=16M"

enum node_role { NODE_SANDBOX, NODE_NGINX, NODE_MARIADB };

struct node {
	const char *name;
	const char *ns; /* named netns (/run/netns) */
	const char *veth; /* the bridge side, in the hub */
	const char *cidr;
	enum node_role role;
	const char
		*app; /* its "app" label: what CiliumNetworkPolicies select */
};

static const struct node nodes[] = {
	{ "client", "bpflab-lab-client", "bl-client", "198.18.0.10/16",
	  NODE_SANDBOX, "client" },
	{ "web1", "bpflab-lab-web1", "bl-web1", "198.18.1.1/16", NODE_NGINX,
	  "web" },
	{ "web2", "bpflab-lab-web2", "bl-web2", "198.18.1.2/16", NODE_NGINX,
	  "web" },
	{ "web3", "bpflab-lab-web3", "bl-web3", "198.18.1.3/16", NODE_NGINX,
	  "web" },
	{ "db", "bpflab-lab-db", "bl-db", "198.18.2.1/16", NODE_MARIADB, "db" },
	{ "c2", "bpflab-lab-c2", "bl-c2", "198.18.66.1/16", NODE_NGINX, "c2" },
};

static char *node_dir(char *buf, size_t size, const struct node *n)
{
	snprintf(buf, size, "%s/lab/%s", bl_run_dir(), n ? n->name : "");
	return buf;
}

bool topology_is_up(void)
{
	return net_ns_exists(TOPO_HUB_NS);
}

static void addr_of(const struct node *n, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(n->cidr, "/"), n->cidr);
}

/*
 * Servers live in their own cgroup, bpflab/bl-lab-<node>: removing it kills
 * nginx's workers too (they outlive a killed master), and the engine names
 * their events after it. We step into it just for the fork, so the server
 * starts there, then step back.
 */
static int enter_cgroup(const struct node *n, char *home, size_t size)
{
	char path[300], self[600], pid[32], *line;
	int seq, err;

	snprintf(path, sizeof(path), "%s/bl-lab-%s", BL_CGROUP_DIR, n->name);
	seq = journal_record("cgroup", "%s", path);
	if (seq < 0)
		return seq;
	if (mkdir_p(path, 0755))
		return -errno;
	/* where we are now ("0::/path"), to come back to */
	if (read_file("/proc/self/cgroup", self, sizeof(self)) < 0 ||
	    !(line = strstr(self, "0::")))
		return -EIO;
	line[strcspn(line, "\n")] = 0;
	snprintf(home, size, "%s%s/cgroup.procs", BL_CGROUP_ROOT, line + 3);
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(path + strlen(path), sizeof(path) - strlen(path),
		 "/cgroup.procs");
	err = write_file(path, pid);
	return err;
}

static void leave_cgroup(const char *home)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(home, pid))
		pr_warn("could not return to %s\n", home);
}

static int wait_pidfile(const char *path, pid_t *pid)
{
	char buf[32];

	for (int i = 0; i < 200; i++) {
		if (read_file(path, buf, sizeof(buf)) > 0 &&
		    !parse_pid(buf, pid))
			return 0;
		usleep(50000);
	}
	return -ETIMEDOUT;
}

static int journal_server(pid_t pid)
{
	unsigned long long start;
	int err = proc_start_time(pid, &start);

	if (err)
		return err;
	err = journal_record("pid", "%d %llu", pid, start);
	return err < 0 ? err : 0;
}

/*
 * MariaDB on 198.18.2.1:3306 with a private data directory in the run dir,
 * made by mariadb-install-db (root over the socket only, no test db) and
 * a "lab" account (password "lab") with its database "lab" for clients.
 * `setsid -f` detaches it, so it outlives `lab up`.
 */
static int start_mariadb(const struct node *n)
{
	char dir[128], data[160], sock[160], pidf[160], log[160], addr[32];
	char datadir[180], sockopt[180], pidopt[180], logopt[180], bind[64];
	char home[512], quiet[256], initopt[180], path[160];
	pid_t pid;
	int err;

	node_dir(dir, sizeof(dir), n);
	addr_of(n, addr, sizeof(addr));
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(sock, sizeof(sock), "%s/mysqld.sock", dir);
	snprintf(pidf, sizeof(pidf), "%s/mysqld.pid", dir);
	snprintf(log, sizeof(log), "%s/error.log", dir);
	snprintf(datadir, sizeof(datadir), "--datadir=%s", data);
	snprintf(sockopt, sizeof(sockopt), "--socket=%s", sock);
	snprintf(pidopt, sizeof(pidopt), "--pid-file=%s", pidf);
	snprintf(logopt, sizeof(logopt), "--log-error=%s", log);
	snprintf(bind, sizeof(bind), "--bind-address=%s", addr);
	/* its output goes to the log, never to our stdout (callers capture it) */
	snprintf(quiet, sizeof(quiet),
		 "exec \"$0\" \"$@\" </dev/null >>'%s' 2>&1", log);
	snprintf(initopt, sizeof(initopt), "--init-file=%s/init.sql", dir);
	snprintf(path, sizeof(path), "%s/init.sql", dir);
	/* a lab account the client (and the MySQL parser in observe) can use */
	err = write_new_file(
		path,
		"CREATE DATABASE IF NOT EXISTS lab;\n"
		"CREATE USER IF NOT EXISTS 'lab'@'%' IDENTIFIED BY 'lab';\n"
		"GRANT ALL ON lab.* TO 'lab'@'%';\n",
		0600);
	if (err)
		return err;
	{
		char *argv[] = { "/bin/sh",
				 "-c",
				 quiet,
				 MARIADB_INSTALL_BIN,
				 "--no-defaults",
				 datadir,
				 "--user=root",
				 "--skip-test-db",
				 "--auth-root-authentication-method=socket",
				 MARIADB_SMALL,
				 NULL };

		if (net_ns_exec(n->ns, argv) != 0) {
			pr_err("mariadb-install-db failed for %s\n", data);
			return -EIO;
		}
	}
	err = enter_cgroup(n, home, sizeof(home));
	if (err)
		return err;
	{
		char *argv[] = { "/bin/sh",
				 "-c",
				 quiet,
				 "/usr/bin/setsid",
				 "-f",
				 MARIADBD_BIN,
				 "--no-defaults",
				 datadir,
				 sockopt,
				 pidopt,
				 logopt,
				 initopt,
				 bind,
				 "--port=3306",
				 "--user=root",
				 "--skip-log-bin",
				 "--skip-name-resolve",
				 MARIADB_SMALL,
				 NULL };

		if (net_ns_exec(n->ns, argv) != 0)
			err = -EIO;
	}
	leave_cgroup(home);
	if (!err)
		err = wait_pidfile(pidf, &pid);
	if (!err)
		err = journal_server(pid);
	if (err)
		pr_err("mariadbd did not start (see %s)\n", log);
	return err;
}

/* nginx answers "<name>\n" on :80; everything it writes stays in its dir. */
static int start_nginx(const struct node *n)
{
	char dir[128], conf[2048], path[300], addr[32], home[512];
	pid_t pid;
	int err;

	node_dir(dir, sizeof(dir), n);
	addr_of(n, addr, sizeof(addr));
	snprintf(
		conf, sizeof(conf),
		"daemon on;\nworker_processes 1;\npid %s/nginx.pid;\n"
		"error_log %s/error.log;\n"
		"events { worker_connections 128; }\n"
		"http {\n  access_log %s/access.log;\n"
		"  client_body_temp_path %s/tmp; proxy_temp_path %s/tmp;\n"
		"  fastcgi_temp_path %s/tmp; uwsgi_temp_path %s/tmp; scgi_temp_path %s/tmp;\n"
		"  server {\n    listen %s:80;\n"
		"    location / { return 200 \"%s\\n\"; }\n  }\n}\n",
		dir, dir, dir, dir, dir, dir, dir, dir, addr, n->name);
	snprintf(path, sizeof(path), "%s/tmp", dir);
	err = mkdir_p(path, 0755);
	snprintf(path, sizeof(path), "%s/nginx.conf", dir);
	if (!err)
		err = write_new_file(path, conf, 0644);
	if (err)
		return err;
	err = enter_cgroup(n, home, sizeof(home));
	if (err)
		return err;
	{
		char *argv[] = { NGINX_BIN, "-q", "-c", path, NULL };

		/* daemon on: the master forks away, so it outlives `lab up` */
		if (net_ns_exec(n->ns, argv) != 0)
			err = -EIO;
	}
	leave_cgroup(home);
	if (err) {
		pr_err("nginx for %s did not start (see %s/error.log)\n",
		       n->name, dir);
		return err;
	}
	snprintf(path, sizeof(path), "%s/nginx.pid", dir);
	err = wait_pidfile(path, &pid);
	return err ?: journal_server(pid);
}

/* Name the client sandbox's netns so the net library can plumb it. */
static int bind_sandbox_netns(const struct sandbox *sb, const char *ns)
{
	char path[128], src[64];
	int fd, seq;

	snprintf(path, sizeof(path), "%s/%s", NET_NS_DIR, ns);
	snprintf(src, sizeof(src), "/proc/%d/ns/net", sb->init_pid);
	seq = journal_record("file", "%s", path);
	if (seq < 0)
		return seq;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		int err = -errno;

		journal_release(seq); /* someone else's file: never undo it */
		return err;
	}
	close(fd);
	seq = journal_record("mount", "%s", path);
	if (seq < 0)
		return seq;
	return mount(src, path, NULL, MS_BIND, NULL) ? -errno : 0;
}

/*
 * Tell a running engine the node is a network-policy endpoint: its labels,
 * address and the hub side of its veth, so policy applies at tc as well as
 * at the cgroup hooks. With no engine up there is no one to tell.
 */
static void announce_endpoint(const struct node *n)
{
	char ip[32];
	struct jw w;

	addr_of(n, ip, sizeof(ip));
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "netpol.endpoint");
	jw_kstr(&w, "name", n->name);
	jw_key(&w, "labels");
	jw_obj_begin(&w);
	jw_kstr(&w, "app", n->app);
	jw_kstr(&w, "lab", "default");
	jw_obj_end(&w);
	jw_kstr(&w, "ip", ip);
	jw_kstr(&w, "netns", TOPO_HUB_NS);
	jw_kstr(&w, "ifname", n->veth);
	jw_obj_end(&w);
	if (jw_str(&w))
		engine_client_notify(w.buf);
	jw_free(&w);
}

static int up_node(const struct node *n)
{
	struct sandbox sb = { .name = TOPO_CLIENT, .kind = "ns" };
	char dir[256];
	int err = 0, seq;

	node_dir(dir, sizeof(dir), n);
	seq = journal_record("tree", "%s", dir);
	if (seq < 0)
		return seq;
	err = mkdir_p(dir, 0755);
	if (err)
		return err;
	if (n->role == NODE_SANDBOX) {
		sandbox_add_label(&sb, "role=client");
		sandbox_add_label(&sb, "lab=default");
		err = sandbox_run(&sb);
		if (!err)
			err = bind_sandbox_netns(&sb, n->ns);
	} else {
		err = net_ns_create(n->ns);
	}
	if (!err)
		err = net_veth_create(TOPO_HUB_NS, n->veth, n->ns, "eth0");
	if (!err)
		err = net_link_set_master(TOPO_HUB_NS, n->veth, TOPO_BRIDGE);
	if (!err)
		err = net_link_set_up(TOPO_HUB_NS, n->veth);
	if (!err)
		err = net_link_set_up(n->ns, "eth0");
	if (!err)
		err = net_addr_add(n->ns, "eth0", n->cidr);
	if (err)
		return err;
	announce_endpoint(n);
	if (n->role == NODE_NGINX)
		return start_nginx(n);
	if (n->role == NODE_MARIADB) {
		if (!access(MARIADBD_BIN, X_OK) &&
		    !access(MARIADB_INSTALL_BIN, X_OK))
			return start_mariadb(n);
		pr_info("db: mariadb-server-core is not installed: the db node has its address only\n");
	}
	return 0;
}

int topology_up(void)
{
	char dir[256];
	int err;

	if (topology_is_up())
		return -EEXIST;
	if (access(NGINX_BIN, X_OK)) {
		pr_err("%s is missing: install nginx-light\n", NGINX_BIN);
		return -EOPNOTSUPP;
	}
	node_dir(dir, sizeof(dir), NULL);
	err = net_ns_create(TOPO_HUB_NS);
	if (!err)
		err = net_bridge_create(TOPO_HUB_NS, TOPO_BRIDGE);
	if (!err)
		err = net_link_set_up(TOPO_HUB_NS, TOPO_BRIDGE);
	for (size_t i = 0; !err && i < ARRAY_SIZE(nodes); i++) {
		err = up_node(&nodes[i]);
		if (err)
			pr_err("lab up: node %s: %s\n", nodes[i].name,
			       strerror(-err));
	}
	if (err)
		topology_down(false); /* a half-built lab is not left behind */
	return err;
}

int topology_down(bool verbose)
{
	struct sandbox sb;
	char dir[256];
	int failed = 0;

	if (!sandbox_load(TOPO_CLIENT, &sb))
		failed += !!sandbox_remove(&sb);
	failed += journal_cleanup(TOPO_SCOPE, verbose);
	rmdir(node_dir(dir, sizeof(dir), NULL));
	rmdir(BL_CGROUP_DIR); /* the shared parent, if nobody else uses it */
	return failed ? -EIO : 0;
}

static bool server_alive(const struct node *n)
{
	char path[300], dir[256], buf[32];
	struct sandbox sb;
	pid_t pid;

	if (n->role == NODE_SANDBOX)
		return !sandbox_load(TOPO_CLIENT, &sb) && sandbox_alive(&sb);
	snprintf(path, sizeof(path), "%s/%s", node_dir(dir, sizeof(dir), n),
		 n->role == NODE_NGINX ? "nginx.pid" : "mysqld.pid");
	/* an empty or torn pid file is no server (kill(0) would say alive) */
	return read_file(path, buf, sizeof(buf)) > 0 && !parse_pid(buf, &pid) &&
	       !kill(pid, 0);
}

int topology_status(struct jw *w)
{
	char addr[32];

	jw_obj_begin(w);
	jw_kbool(w, "up", topology_is_up());
	jw_kstr(w, "bridge", TOPO_BRIDGE);
	jw_kstr(w, "bridge_netns", TOPO_HUB_NS);
	jw_key(w, "nodes");
	jw_arr_begin(w);
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		const struct node *n = &nodes[i];

		addr_of(n, addr, sizeof(addr));
		jw_obj_begin(w);
		jw_kstr(w, "name", n->name);
		jw_kstr(w, "addr", addr);
		jw_kstr(w, "netns", n->ns);
		jw_kstr(w, "serves",
			n->role == NODE_SANDBOX	   ? "client sandbox" :
			n->role == NODE_NGINX	   ? "nginx :80" :
			access(MARIADBD_BIN, X_OK) ? "(no mariadb)" :
						     "mariadb :3306");
		jw_kbool(w, "netns_exists", net_ns_exists(n->ns));
		jw_kbool(w, "running", server_alive(n));
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	return 0;
}
