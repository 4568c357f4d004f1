/*
 * The control protocol's commands (docs/control-protocol.md): a line is
 * decoded into a request, checked against the command's table entry
 * (access level, the arguments it takes), then handled. Replies and
 * error codes are made in one place.
 */
#ifndef ZRTPD_COMMANDS_H
#define ZRTPD_COMMANDS_H

#include <stddef.h>

#include <jansson.h>

#include "cache.h"
#include "control.h"
#include "workers.h"

struct zd_conn;

/* One request line (without its newline). */
void	zd_cmd_line(struct zd_conn *cn, const char *line, size_t len);
/* Replies: result is consumed; id may be NULL (sent as null). */
void	zd_cmd_ok(struct zd_conn *cn, json_t *id, json_t *result);
void	zd_cmd_error(struct zd_conn *cn, json_t *id, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

typedef void (*zd_cmd_fn)(struct zd_conn *cn, json_t *id, json_t *req);

struct zd_cmd {
	const char	*name;
	enum zd_access	 need;
	const char	*args;	/* allowed argument names, space-separated */
	zd_cmd_fn	 fn;
};

/* cmd_session.c and cmd_cache.c: their parts of the table. */
extern const struct zd_cmd zd_session_cmds[];
extern const struct zd_cmd zd_cache_cmds[];

/* Shared by the handlers. */
/* A forbidden request's advice: the group to join, if there is one. */
const char *zd_access_hint(struct zd_conn *cn, enum zd_access need,
	    char *buf, size_t len);
struct zd_session *zd_cmd_session(struct zd_conn *cn, json_t *id, json_t *req);
int	zd_cmd_string(struct zd_conn *cn, json_t *id, json_t *req,
	    const char *name, size_t max, int required, const char **out);
/* An optional string shown to people: no controls or bidi overrides. */
int	zd_cmd_text(struct zd_conn *cn, json_t *id, json_t *req,
	    const char *name, size_t max, const char **out);
int	zd_text_ok(const char *text);

/*
 * Work on the cache thread, replied to from the loop: run() sees only the
 * cache and this struct; after() (optional) runs on the loop before the
 * reply, with the daemon's state at hand.
 */
struct zd_cache_cmd;
typedef void (*zd_cache_cmd_fn)(struct zd_cache_cmd *);
struct zd_cache_cmd {
	struct zd_job	 job;
	struct zd_conn	*cn;
	json_t		*id;
	struct zcache	*cache;
	zd_cache_cmd_fn	 run, after;
	/* Inputs. */
	char		 prefix[2 * ZRTP_ZID_LEN + 1];
	char		 name[ZCACHE_NAME_MAX];
	int		 flag;
	int		 fd;		/* passed with the request, or -1 */
	/* Outputs: result, or err_code and err. */
	uint8_t		 zid[ZRTP_ZID_LEN];
	json_t		*result;
	const char	*err_code;
	char		 err[160];
};
struct zd_cache_cmd *zd_cache_cmd_new(struct zd_conn *cn, json_t *id,
	    zd_cache_cmd_fn run);
void	zd_cache_cmd_submit(struct zd_cache_cmd *cc);

#endif
