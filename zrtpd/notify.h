/*
 * systemd's service notification (sd_notify(3)): one datagram to the
 * socket in $NOTIFY_SOCKET, without libsystemd. Readiness and stopping
 * only; no watchdog, no file-descriptor store.
 */
#ifndef ZRTPD_NOTIFY_H
#define ZRTPD_NOTIFY_H

/* 0 when sent or when not under systemd (no NOTIFY_SOCKET); -1 on error. */
int	zd_notify(const char *state);

#endif
