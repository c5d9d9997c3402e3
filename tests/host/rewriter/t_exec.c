// SPDX-License-Identifier: GPL-2.0
/*
 * t_exec - links against libdirty.so; prints what dirty_value() returns,
 * its arguments, and where the library was mapped from (cache or not), so
 * the test can tell which copy sb-exec made the loader use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dirty_value(int x);

int main(int argc, char **argv)
{
	const char *cache = getenv("SKYBRIDGE_CACHE");
	char line[4096];
	FILE *maps = fopen("/proc/self/maps", "r");
	int from_cache = 0, i;

	printf("value=%#x\n", dirty_value(argc));
	for (i = 1; i < argc; i++)
		printf("arg=%s\n", argv[i]);
	while (maps && fgets(line, sizeof(line), maps))
		if (strstr(line, "libdirty.so") && cache && strstr(line, cache))
			from_cache = 1;
	if (maps)
		fclose(maps);
	fprintf(stderr, "libdirty from cache: %d\n", from_cache);
	return 5;
}
