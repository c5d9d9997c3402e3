/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runcmd.h - run a program under test through the shell and keep what it
 * printed (the benchmark tools' command-line tests).
 */
#ifndef SB_TEST_RUNCMD_H
#define SB_TEST_RUNCMD_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char out[1 << 16], err[4096];

static inline void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/*
 * Run "@env @prog @args"; its stdout lands in out[], its stderr in err[].
 * Returns its exit status, or -1 if it did not exit.
 */
static inline int run_cmd(const char *env, const char *prog, const char *args)
{
	char cmd[1024];
	int status;

	snprintf(cmd, sizeof(cmd), "%s %s %s >/tmp/runcmd-%d.out 2>/tmp/runcmd-%d.err",
		 env, prog, args, (int)getpid(), (int)getpid());
	status = system(cmd);
	snprintf(cmd, sizeof(cmd), "/tmp/runcmd-%d.out", (int)getpid());
	slurp(cmd, out, sizeof(out));
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "/tmp/runcmd-%d.err", (int)getpid());
	slurp(cmd, err, sizeof(err));
	unlink(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif /* SB_TEST_RUNCMD_H */
