/*
 * Holds the write lock of an SQLite file (BEGIN IMMEDIATE) from "locked"
 * on stdout until stdin closes: a daemon's cache writes then fail as on a
 * full disk or a broken file, and nothing in the file changes.
 */
#include <stdio.h>

#include <sqlite3.h>

int
main(int argc, char **argv)
{
	sqlite3 *db;
	char buf[64];

	if (argc != 2 || sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK || sqlite3_exec(db, "BEGIN IMMEDIATE", NULL,
	    NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "dblock: cannot lock %s\n",
		    argc == 2 ? argv[1] : "(usage: dblock FILE)");
		return 1;
	}
	printf("locked\n");
	fflush(stdout);
	while (fgets(buf, sizeof(buf), stdin) != NULL)
		;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return 0;
}
