/*
 * zrtpc: the client library of zrtpd's control protocol
 * (docs/control-protocol.md), shared by zrtpctl and by programs that embed
 * it. It knows the protocol only, never the daemon's internals.
 */
#ifndef ZRTPC_H
#define ZRTPC_H

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZRTPC_PROTOCOL_VERSION	1
#define ZRTPC_DEFAULT_SOCKET	"/run/zrtpd/control.sock"
#define ZRTPC_SOCKET_ENV	"ZRTPD_SOCKET"
/* The protocol's limit on a request line, newline included. */
#define ZRTPC_REQUEST_MAX	65536
/* The longest line the library takes from the daemon, newline included. */
#define ZRTPC_LINE_MAX		(1024 * 1024)
/* Events held while the caller is not reading them. */
#define ZRTPC_EVENT_QUEUE_MAX	4096

/* Return values: 0, or one of these (negative, stable). */
enum zrtpc_status {
	ZRTPC_OK = 0,
	ZRTPC_E_UNREACHABLE = -1,	/* no socket, or nobody listening */
	ZRTPC_E_PERMISSION = -2,	/* the socket's mode or group refuses us */
	ZRTPC_E_IO = -3,		/* another system error */
	ZRTPC_E_CLOSED = -4,		/* the daemon closed the connection */
	ZRTPC_E_TIMEOUT = -5,		/* no answer within the time given */
	ZRTPC_E_PROTOCOL = -6,		/* the daemon sent something invalid */
	ZRTPC_E_VERSION = -7,		/* no protocol version in common */
	ZRTPC_E_DAEMON = -8,		/* the daemon refused: see error.code */
	ZRTPC_E_NOMEM = -9,
	ZRTPC_E_INVALID = -10,		/* a bad argument to the library */
	ZRTPC_E_OVERFLOW = -11,		/* events were dropped: queue full */
};

/*
 * What went wrong. code is stable and meant for programs: the daemon's
 * error.code ("unknown_session", "forbidden", ...) after ZRTPC_E_DAEMON,
 * else the library's own name for the status ("unreachable",
 * "permission", "io", "closed", "timeout", "protocol", "bad_version",
 * "nomem", "invalid", "overflow"). message is for people; text the
 * daemon sent is kept as received and must be escaped before a terminal
 * shows it.
 */
struct zrtpc_error {
	char	code[64];
	char	message[512];
};

/* One connection; not for use by two threads at once (give each thread
 * its own, or serialize the calls). */
struct zrtpc;

/*
 * The socket path to use: path if not NULL, else $ZRTPD_SOCKET if set and
 * not empty, else ZRTPC_DEFAULT_SOCKET.
 */
const char	*zrtpc_socket_path(const char *path);

/*
 * Connect to the daemon's control socket (path as zrtpc_socket_path()
 * resolves it) and run the hello exchange. client (may be NULL) names the
 * program in the daemon's log. timeout_ms bounds the whole exchange (-1:
 * no limit). On success *out is the connection.
 */
int	zrtpc_open(const char *path, const char *client, int timeout_ms,
	    struct zrtpc **out, struct zrtpc_error *err);
/* Close the connection and free everything; NULL is fine. */
void	zrtpc_close(struct zrtpc *c);

/* From the hello reply: protocol version, daemon name, its ZID (hex),
 * this connection's access level ("read", "control", "keys", "admin"). */
int		 zrtpc_version(const struct zrtpc *c);
const char	*zrtpc_daemon(const struct zrtpc *c);
const char	*zrtpc_zid(const struct zrtpc *c);
const char	*zrtpc_access(const struct zrtpc *c);
/* The socket, to poll() for readability in the caller's own loop. */
int		 zrtpc_fd(const struct zrtpc *c);

/*
 * Send one request and wait for its reply. args (may be NULL) is an object
 * of the command's arguments; it is not changed or taken. On success
 * *result is the reply's result (a new reference, json_decref() it). On
 * ZRTPC_E_DAEMON err holds the daemon's code and message. Events that
 * arrive meanwhile are queued for zrtpc_event().
 */
int	zrtpc_request(struct zrtpc *c, const char *cmd, json_t *args,
	    int timeout_ms, json_t **result, struct zrtpc_error *err);
/* The same, passing the open descriptor fd with the request line
 * (SCM_RIGHTS): cache_backup and cache_restore. */
int	zrtpc_request_fd(struct zrtpc *c, const char *cmd, json_t *args,
	    int fd, int timeout_ms, json_t **result, struct zrtpc_error *err);

/*
 * The next event: a queued one at once, else wait up to timeout_ms
 * (0: do not wait, -1: no limit). ZRTPC_E_TIMEOUT when none came. On
 * success *event is the whole event object (a new reference).
 */
int	zrtpc_event(struct zrtpc *c, int timeout_ms, json_t **event,
	    struct zrtpc_error *err);
/* Events queued and not yet taken. */
size_t	zrtpc_events_pending(const struct zrtpc *c);

/* A short English text for a status. */
const char	*zrtpc_strerror(int status);

#ifdef __cplusplus
}
#endif

#endif
