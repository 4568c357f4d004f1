/*
 * The control socket (docs/control-protocol.md): a Unix stream socket,
 * newline-delimited JSON, credentials read with SO_PEERCRED when a
 * connection is accepted. Framing, access levels, subscriptions and
 * bounded output queues live here; what each command does is commands.c.
 */
#ifndef ZRTPD_CONTROL_H
#define ZRTPD_CONTROL_H

#include <sys/types.h>

#include <jansson.h>

struct zd;

#define ZD_LINE_MAX	65536		/* longest request line */
#define ZD_OUTQ_MAX	(1024 * 1024)	/* a client's unread output */
/*
 * Connections below admin access: at most ZD_CONN_PER_UID per user and
 * ZD_CONN_OTHERS in all, so that whoever may connect cannot take the
 * descriptors kept for sessions and for root and the daemon's own user.
 */
#define ZD_CONN_PER_UID	16
#define ZD_CONN_OTHERS	64
/*
 * Descriptors one message may pass (more are cut off by the kernel). A
 * connection keeps the last one for cache_backup and cache_restore, which
 * are admin commands: below admin access each is closed at once.
 */
#define ZD_PASS_FDS_MAX	4

enum zd_access {
	ZD_ACCESS_READ,
	ZD_ACCESS_CONTROL,
	ZD_ACCESS_KEYS,
	ZD_ACCESS_ADMIN
};

struct zd_conn;
struct zd_control;

struct zd_control *zd_control_open(struct zd *d, char *err, size_t err_len);
void	zd_control_close(struct zd_control *c);
/* Its socket file goes, if still the one it made (a failed start). */
void	zd_control_unlink(const struct zd_control *c);
/*
 * An event to every connection subscribed to it. ev has "event" and
 * "session"; keyed (may be NULL) replaces ev for keys connections. Both
 * stay the caller's.
 */
void	zd_control_broadcast(struct zd_control *c, json_t *ev, json_t *keyed);
/* A reply (consumed) on one connection. */
void	zd_conn_send(struct zd_conn *cn, json_t *msg);
enum zd_access zd_conn_access(const struct zd_conn *cn);
const char *zd_access_name(enum zd_access a);
uid_t	zd_conn_uid(const struct zd_conn *cn);
/* The connection's subscription: sessions and events (NULL: all). */
void	zd_conn_subscribe(struct zd_conn *cn, json_t *sessions, json_t *events);
void	zd_conn_unsubscribe(struct zd_conn *cn);
struct zd *zd_conn_daemon(const struct zd_conn *cn);
void	zd_conn_send_raw(struct zd_conn *cn, const char *line);
/* Async commands: hold the connection's later lines until resume. */
void	zd_conn_hold(struct zd_conn *cn);
void	zd_conn_resume(struct zd_conn *cn);
/* Something (a cache job, a session still to close) holds the connection:
 * a closed one is freed when the last lets go. */
void	zd_conn_job_start(struct zd_conn *cn);
void	zd_conn_job_done(struct zd_conn *cn);
int	zd_conn_dead(const struct zd_conn *cn);
/* The descriptor passed with a request (SCM_RIGHTS), now the caller's to
 * close; -1 when none came. */
int	zd_conn_take_fd(struct zd_conn *cn);
int	zd_conn_hello_done(const struct zd_conn *cn);
void	zd_conn_set_hello(struct zd_conn *cn);
/* Wipe every string of a JSON value in place (keys before freeing). */
void	zd_json_wipe(json_t *v);

#endif
